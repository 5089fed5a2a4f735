#!/bin/sh
# Install everything dmaown needs to build, test and run its real-kernel
# bench on Debian 12.  Idempotent; run as root.
#   scripts/install-deps.sh          build + test dependencies
#   scripts/install-deps.sh --vm     also the QEMU bench (qemu, busybox, cpio)
set -eu
PKGS="meson ninja-build gcc pkg-config libpci-dev pciutils libjson-c-dev \
libcmocka-dev libkmod-dev libudev-dev spin clang libclang-rt-14-dev \
kmod"
VM_PKGS="qemu-system-x86 busybox-static cpio xz-utils"
want="$PKGS"
[ "${1:-}" = "--vm" ] && want="$PKGS $VM_PKGS"
missing=""
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "install-deps: need root to install:$missing" >&2
	exit 2
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing
