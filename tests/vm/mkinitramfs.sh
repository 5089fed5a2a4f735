#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# mkinitramfs.sh - build the initramfs (uncompressed newc cpio) the
# real-kernel bench boots.
#
#   mkinitramfs.sh -k KDIR -o OUT [-b BUILDDIR] [-s SCRIPTDIR]
#
# KDIR is an unpacked kernel (fetch-kernels.sh): KDIR/lib/modules/VERSION.
# The image holds busybox (every applet linked), the modules the bench
# needs (decompressed; busybox modprobe reads modules.dep), modules.alias,
# the dmaown program, dmaownd and the daemon test client
# (BUILDDIR/tests/dmaownd-client), libdmaown.so and every library ldd
# lists, pci.ids, the guest scripts of tests/vm, tests/vm/assign and
# tests/vm/daemon, the step scripts of SCRIPTDIR
# (default tests/vm/scripts).  Without -b, or if BUILDDIR has no dmaown
# binary, the image carries the busybox-sh fallback snapshotter only.
#
# /init runs /run.conf, which each boot appends as a second cpio archive
# (see run-bench.sh): the kernel unpacks concatenated archives in order.
set -eu

die() {
	echo "mkinitramfs: $*" >&2
	exit 1
}

here=$(cd "$(dirname "$0")" && pwd)
kdir='' out='' build='' scripts=$here/scripts
while getopts k:o:b:s: opt; do
	case $opt in
	k) kdir=$OPTARG ;;
	o) out=$OPTARG ;;
	b) build=$OPTARG ;;
	s) scripts=$OPTARG ;;
	*) die "usage: mkinitramfs.sh -k KDIR -o OUT [-b BUILDDIR] [-s SCRIPTDIR]" ;;
	esac
done
[ -n "$kdir" ] && [ -n "$out" ] ||
	die "usage: mkinitramfs.sh -k KDIR -o OUT [-b BUILDDIR] [-s SCRIPTDIR]"
kver=$(ls "$kdir/lib/modules" 2>/dev/null | head -n 1)
[ -n "$kver" ] || die "$kdir/lib/modules: no kernel there"
mdir=$kdir/lib/modules/$kver
command -v cpio >/dev/null || die "cpio not installed (scripts/install-deps.sh --vm)"
bb=$(command -v busybox || true)
[ -n "$bb" ] || die "busybox not installed (scripts/install-deps.sh --vm)"
file -L "$bb" 2>/dev/null | grep -q 'statically linked' ||
	ldd "$bb" 2>&1 | grep -q 'not a dynamic' ||
	die "$bb is not static (install busybox-static)"

if [ ! -f "$mdir/modules.dep" ]; then
	command -v depmod >/dev/null || die "depmod not found (install kmod)"
	depmod -b "$kdir" "$kver" || die "depmod failed for $kver"
fi

root=$(mktemp -d "${TMPDIR:-/tmp}/dmaown-initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT
# mktemp made it 0700: it becomes the guest's /, which the daemon jobs'
# unprivileged clients must traverse
chmod 755 "$root"
mkdir -p "$root/bin" "$root/sbin" "$root/usr/bin" "$root/usr/sbin" \
	"$root/proc" "$root/sys" "$root/dev" "$root/tmp" "$root/etc" \
	"$root/lib/modules/$kver" "$root/dmaown" "$root/usr/share/misc"

# busybox and its applets
cp "$bb" "$root/bin/busybox"
for a in $("$bb" --list-full); do
	case $a in
	*/busybox) continue ;;
	esac
	[ -e "$root/$a" ] || ln -s /bin/busybox "$root/$a"
done

# modules: the closure of what the bench loads, in modules.dep order
WANT="e1000e e1000 nvme pci-stub vfio-pci vfio_iommu_type1 \
crc64-rocksoft-generic crct10dif-generic"
: >"$root/etc/dmaown-modules"
depfile=$root/lib/modules/$kver/modules.dep
: >"$depfile"
seen=" "
# modules.dep lists every module's full dependency closure
copy_module() {	# $1: path relative to $mdir, as modules.dep spells it
	case "$seen" in *" $1 "*) return 0 ;; esac
	seen="$seen$1 "
	line=$(grep -m1 "^$1:" "$mdir/modules.dep") ||
		die "$1 not in modules.dep of $kver"
	plain=${1%.xz}
	plain=${plain%.zst}
	mkdir -p "$root/lib/modules/$kver/$(dirname "$plain")"
	case $1 in
	*.xz) xz -dc "$mdir/$1" >"$root/lib/modules/$kver/$plain" ||
		die "cannot decompress $1" ;;
	*.zst) zstd -qdc "$mdir/$1" >"$root/lib/modules/$kver/$plain" ||
		die "cannot decompress $1" ;;
	*) cp "$mdir/$1" "$root/lib/modules/$kver/$plain" ;;
	esac
	pdeps=
	for d in ${line#*:}; do
		d=${d%.xz}
		pdeps="$pdeps ${d%.zst}"
	done
	echo "$plain:$pdeps" >>"$depfile"
}
for m in $WANT; do
	# module names use - and _ interchangeably
	pat=$(echo "$m" | sed 's/[-_]/[-_]/g')
	rel=$(grep -m1 -E "/$pat\.ko(\.xz|\.zst)?:" "$mdir/modules.dep" |
		cut -d: -f1) || true
	if [ -z "$rel" ]; then
		case $m in
		crc64-rocksoft-generic | crct10dif-generic)
			continue ;;	# built in, or absent in this kernel
		esac
		die "module $m not found for $kver"
	fi
	line=$(grep -m1 "^$rel:" "$mdir/modules.dep")
	for d in ${line#*:} $rel; do
		copy_module "$d"
	done
	echo "$m" >>"$root/etc/dmaown-modules"
done
for f in modules.alias modules.softdep modules.builtin modules.order; do
	[ -f "$mdir/$f" ] && cp "$mdir/$f" "$root/lib/modules/$kver/"
done
# the binary indexes (modules.dep.bin, modules.alias.bin ...): libkmod,
# which `dmaown assign` loads vfio-pci/pci-stub through, reads only those;
# busybox modprobe reads the text modules.dep that depmod rewrites
command -v depmod >/dev/null || die "depmod not found (install kmod)"
depmod -b "$root" "$kver" || die "depmod failed on the initramfs tree"

# dmaown and its libraries
dmaown=
if [ -n "$build" ] && [ -x "$build/src/dmaown" ]; then
	dmaown=$build/src/dmaown
	cp "$dmaown" "$root/bin/dmaown"
	libs=$(ldd "$dmaown" | awk '/=> \// { print $3 } /^\t\// { print $1 }')
	for l in $libs; do
		mkdir -p "$root$(dirname "$l")"
		cp -L "$l" "$root$l"
	done
	# the program finds libdmaown.so through its build-dir RUNPATH;
	# also put it where the loader looks by default
	for l in $libs; do
		case $l in
		*/libdmaown.so*) mkdir -p "$root/usr/lib"
			cp -L "$l" "$root/usr/lib/$(basename "$l")" ;;
		esac
	done
	mkdir -p "$root/lib64"
	[ -e "$root/lib64/ld-linux-x86-64.so.2" ] ||
		cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/"
	# dmaownd and its test client (tests/daemon/client.c), for the
	# daemon jobs; the same libraries as dmaown plus what ldd adds
	for p in "$build/src/dmaownd" "$build/tests/dmaownd-client"; do
		[ -x "$p" ] || continue
		cp "$p" "$root/bin/"
		for l in $(ldd "$p" | awk '/=> \// { print $3 } /^\t\// { print $1 }'); do
			[ -e "$root$l" ] && continue
			mkdir -p "$root$(dirname "$l")"
			cp -L "$l" "$root$l"
		done
	done
fi
for ids in /usr/share/misc/pci.ids /usr/share/hwdata/pci.ids; do
	if [ -f "$ids" ]; then
		cp "$ids" "$root/usr/share/misc/pci.ids"
		break
	fi
done

# guest scripts
cp "$here/guest-snapshot.sh" "$here/guest-run.sh" "$here/guest-lib.sh" \
	"$root/dmaown/"
mkdir -p "$root/dmaown/assign" "$root/dmaown/daemon"
cp "$here/assign/"*.sh "$root/dmaown/assign/"
cp "$here/daemon/"*.sh "$root/dmaown/daemon/"
chmod +x "$root/dmaown/"*.sh "$root/dmaown/assign/"*.sh \
	"$root/dmaown/daemon/"*.sh
if [ -d "$scripts" ]; then
	mkdir -p "$root/dmaown/scripts"
	for s in "$scripts"/*.sim; do
		[ -f "$s" ] && cp "$s" "$root/dmaown/scripts/"
	done
fi

cat >"$root/init" <<'EOF'
#!/bin/sh
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
dmesg -n 1
echo "==DMAOWN-BOOTED== $(uname -r)"
for m in $(cat /etc/dmaown-modules); do
	modprobe "$m" || echo "==DMAOWN-WARN== modprobe $m failed"
done
sh /dmaown/guest-run.sh /run.conf
echo "==DMAOWN-DONE=="
sync
poweroff -f
EOF
chmod +x "$root/init"

mkdir -p "$(dirname "$out")"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$out.tmp" ||
	die "cpio failed"
mv "$out.tmp" "$out"
echo "mkinitramfs: $out ($kver, dmaown: ${dmaown:-none})" >&2
