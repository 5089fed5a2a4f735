#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# fetch-kernels.sh [CACHEDIR] - download the Debian kernels the real-kernel
# bench boots, and unpack them (dpkg-deb -x; nothing is installed).
#
# CACHEDIR defaults to $XDG_CACHE_HOME/dmaown-vm (or ~/.cache/dmaown-vm).
# A meson build directory may be given instead: its vm-cache/ is used.
# A rerun downloads nothing.  Prints one line per kernel:
#   NAME VERSION DIR
# where DIR/boot/vmlinuz-VERSION and DIR/lib/modules/VERSION exist.
set -eu

# name:package pairs; the name is what topology runs call the kernel
KERNELS="6.1:linux-image-6.1.0-56-amd64 6.12:linux-image-6.12.117+deb12-amd64-unsigned"

die() {
	echo "fetch-kernels: $*" >&2
	exit 1
}

cache=${1:-${XDG_CACHE_HOME:-$HOME/.cache}/dmaown-vm}
if [ -f "$cache/build.ninja" ] || [ -d "$cache/meson-private" ]; then
	cache=$cache/vm-cache
fi
mkdir -p "$cache/debs" || die "cannot create $cache"
cache=$(cd "$cache" && pwd)

command -v apt-get >/dev/null || die "apt-get not found"
command -v dpkg-deb >/dev/null || die "dpkg-deb not found"

# download PKG into $cache/debs unless a .deb of it is there already
fetch() {
	pkg=$1
	for f in "$cache/debs/${pkg}_"*.deb; do
		[ -s "$f" ] && { echo "$f"; return 0; }
	done
	# apt-get download writes into the current directory; as root it
	# drops privileges to _apt, which must be able to write there
	tmp=$(mktemp -d "$cache/debs/dl.XXXXXX")
	chmod 0777 "$tmp"
	if ! (cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >&2); then
		echo "fetch-kernels: download of $pkg failed; refreshing apt lists" >&2
		apt-get update -qq >&2 || { rm -rf "$tmp"; die "apt-get update failed"; }
		(cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >&2) ||
			{ rm -rf "$tmp"; die "cannot download $pkg"; }
	fi
	for f in "$tmp/${pkg}_"*.deb; do
		[ -s "$f" ] || { rm -rf "$tmp"; die "no .deb for $pkg after download"; }
		mv "$f" "$cache/debs/"
		echo "$cache/debs/$(basename "$f")"
	done
	rmdir "$tmp"
}

for kv in $KERNELS; do
	name=${kv%%:*}
	pkg=${kv#*:}
	deb=$(fetch "$pkg")
	dir=$cache/$name
	if [ ! -f "$dir/.unpacked" ]; then
		rm -rf "$dir"
		mkdir -p "$dir"
		dpkg-deb -x "$deb" "$dir" || die "cannot unpack $deb"
		touch "$dir/.unpacked"
	fi
	ver=$(ls "$dir/lib/modules" 2>/dev/null | head -n 1)
	[ -n "$ver" ] || die "$deb has no lib/modules"
	[ -f "$dir/boot/vmlinuz-$ver" ] || die "$deb has no boot/vmlinuz-$ver"
	echo "$name $ver $dir"
done
