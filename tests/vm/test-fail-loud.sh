#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-fail-loud.sh - the bench must never pass when QEMU or a kernel
# cannot start.  Boots that must fail, each through boot.sh exactly as
# run-bench.sh uses it:
#   1. a topology with a device QEMU does not know     -> QEMU fails
#   2. a garbage initramfs (the kernel panics, no /init) -> no /init
#   3. a kernel directory without a kernel              -> refused
#   4. a guest that never prints the end marker         -> timeout
# Each must exit non-zero with a message; the script fails otherwise.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cache=${DMAOWN_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dmaown-vm}
kernels=$("$here/fetch-kernels.sh" "$cache")
kdir=$(echo "$kernels" | awk 'NR == 1 { print $3 }')
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fails=0

expect_fail() { # name, pattern, boot.sh args...
	name=$1 pat=$2
	shift 2
	if DMAOWN_VM_TIMEOUT=${TMO:-60} "$here/boot.sh" "$@" -o "$t/$name" \
		>"$t/$name.log" 2>&1; then
		echo "FAIL - $name: boot.sh passed"
		fails=$((fails + 1))
	elif ! grep -qi "$pat" "$t/$name.log"; then
		echo "FAIL - $name: no '$pat' message:"
		tail -3 "$t/$name.log"
		fails=$((fails + 1))
	else
		echo "ok - $name: $(grep -i "$pat" "$t/$name.log" | head -1)"
	fi
}

echo groups >"$t/run.conf"
printf 'pcie-root-port,id=rp1,chassis=1,slot=1,bus=pcie.0,addr=0x10\n' >"$t/good.topo"
printf 'no-such-device-dmaown,id=x\n' >"$t/bad.topo"
head -c 65536 /dev/urandom >"$t/garbage.cpio"
"$here/mkinitramfs.sh" -k "$kdir" -o "$t/ok.cpio" >/dev/null

expect_fail bad-device "qemu" -k "$kdir" -r "$t/ok.cpio" -i intel \
	-t "$t/bad.topo" -c "$t/run.conf"
expect_fail garbage-initramfs "init" -k "$kdir" -r "$t/garbage.cpio" \
	-i intel -t "$t/good.topo" -c "$t/run.conf"
mkdir -p "$t/nokernel"
expect_fail no-kernel "kernel\|vmlinuz\|KDIR" -k "$t/nokernel" \
	-r "$t/ok.cpio" -i intel -t "$t/good.topo" -c "$t/run.conf"
# a guest action that never ends: the timeout must fire
printf 'sh sleep 100000\n' >"$t/hang.conf"
TMO=25 expect_fail timeout "timeout\|time out\|did not finish" -k "$kdir" \
	-r "$t/ok.cpio" -i intel -t "$t/good.topo" -c "$t/hang.conf"

[ "$fails" = 0 ] && echo "test-fail-loud: every broken boot failed loudly"
exit "$fails"
