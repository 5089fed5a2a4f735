#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# boot.sh - boot one kernel under QEMU (TCG) with one topology and one
# emulated IOMMU, run the actions of RUNCONF in the guest, and keep the
# serial console.
#
#   boot.sh -k KDIR -r INITRAMFS -i intel|amd -t TOPO -c RUNCONF -o OUTDIR
#
# OUTDIR/console.log gets the console.  Exits non-zero, loudly, when QEMU
# cannot start, the kernel does not reach /init, the guest does not finish
# within $DMAOWN_VM_TIMEOUT seconds (default 180), or the markers are
# missing.
set -eu

die() {
	echo "boot: $*" >&2
	exit 1
}

kdir='' initrd='' iommu='' topo='' conf='' out=''
while getopts k:r:i:t:c:o: opt; do
	case $opt in
	k) kdir=$OPTARG ;;
	r) initrd=$OPTARG ;;
	i) iommu=$OPTARG ;;
	t) topo=$OPTARG ;;
	c) conf=$OPTARG ;;
	o) out=$OPTARG ;;
	*) die "bad option" ;;
	esac
done
[ -n "$kdir" ] && [ -n "$initrd" ] && [ -n "$iommu" ] && [ -n "$topo" ] &&
	[ -n "$conf" ] && [ -n "$out" ] ||
	die "usage: boot.sh -k KDIR -r INITRAMFS -i intel|amd -t TOPO -c RUNCONF -o OUTDIR"
kver=$(ls "$kdir/lib/modules" 2>/dev/null | head -n 1)
kernel=$kdir/boot/vmlinuz-$kver
[ -f "$kernel" ] || die "no kernel image $kernel"
[ -f "$initrd" ] || die "no initramfs $initrd"
[ -f "$topo" ] || die "no topology file $topo"
[ -f "$conf" ] || die "no run configuration $conf"
qemu=${QEMU:-qemu-system-x86_64}
command -v "$qemu" >/dev/null || die "$qemu not installed (scripts/install-deps.sh --vm)"
timeout=${DMAOWN_VM_TIMEOUT:-180}

case $iommu in
intel)
	iommu_dev="intel-iommu,intremap=on,caching-mode=on"
	iommu_arg="intel_iommu=on" ;;
amd)
	iommu_dev="amd-iommu,intremap=on"
	iommu_arg="amd_iommu=on" ;;
*) die "IOMMU must be intel or amd, not $iommu" ;;
esac

mkdir -p "$out"
# the per-boot payload: a second cpio archive holding /run.conf
work=$(mktemp -d "${TMPDIR:-/tmp}/dmaown-boot.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp "$conf" "$work/run.conf"
(cd "$work" && echo run.conf | cpio -o -H newc --quiet) >"$work/run.cpio"
cat "$initrd" "$work/run.cpio" >"$work/initrd.cpio"

# the topology: one -device argument per line, '#' starts a comment;
# the IOMMU device comes first, as QEMU requires
set -- -device "$iommu_dev"
while IFS= read -r line || [ -n "$line" ]; do
	line=${line%%#*}
	line=$(echo "$line" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//')
	if [ -n "$line" ]; then
		set -- "$@" -device "$line"
	fi
done <"$topo"

append="console=ttyS0 $iommu_arg panic=-1 loglevel=4 nvme_core.admin_timeout=5 ${DMAOWN_VM_APPEND:-}"
echo "$qemu -machine q35,accel=tcg,kernel-irqchip=split -cpu max -m 1024" \
	"-nographic -no-reboot -net none $* -kernel $kernel -append '$append'" \
	>"$out/qemu.cmd"

start=$(date +%s)
rc=0
timeout -k 10 "$timeout" "$qemu" \
	-machine q35,accel=tcg,kernel-irqchip=split -cpu max -m 1024 \
	-nographic -no-reboot -net none -monitor none -serial stdio \
	-display none "$@" \
	-kernel "$kernel" -initrd "$work/initrd.cpio" -append "$append" \
	</dev/null >"$out/console.log" 2>"$out/qemu.err" || rc=$?
end=$(date +%s)
echo $((end - start)) >"$out/seconds"
tr -d '\r' <"$out/console.log" >"$out/console.tmp" && mv "$out/console.tmp" "$out/console.log"

if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
	tail -n 20 "$out/console.log" >&2
	die "$out: QEMU timed out after ${timeout}s"
fi
if [ "$rc" != 0 ]; then
	cat "$out/qemu.err" >&2
	die "$out: QEMU failed (exit $rc)"
fi
grep -q '==DMAOWN-BOOTED==' "$out/console.log" || {
	tail -n 30 "$out/console.log" >&2
	die "$out: the kernel did not start /init"
}
grep -q '^==DMAOWN-DONE==' "$out/console.log" || {
	tail -n 30 "$out/console.log" >&2
	die "$out: the guest payload did not finish"
}
echo "boot: $out: done in $((end - start))s" >&2
