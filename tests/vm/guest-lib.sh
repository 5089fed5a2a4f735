# SPDX-License-Identifier: GPL-2.0-or-later
# guest-lib.sh - helpers shared by the guest test suites (assign/, daemon/):
# result lines and reads of the live sysfs.  Sourced, never run.  The
# suite sets npass=0 nfail=0 before using pass/fail.

pass() { npass=$((npass + 1)); echo "PASS $*"; }
fail() { nfail=$((nfail + 1)); echo "FAIL $*"; }
note() { echo "# $*"; }

# bound driver of BDF, "" if none
drv() {
	l=$(readlink "/sys/bus/pci/devices/$1/driver" 2>/dev/null) || l=
	echo "${l##*/}"
}
# driver_override of BDF, "" if unset, "?" if unreadable
ovr() {
	o=$(cat "/sys/bus/pci/devices/$1/driver_override" 2>/dev/null) || o='?'
	[ "$o" = "(null)" ] && o=
	echo "$o"
}
is_bridge() {
	case $(cat "/sys/bus/pci/devices/$1/class" 2>/dev/null) in
	0x0604* | 0x0607*) return 0 ;;
	esac
	return 1
}
# driver name: does it count in owner_cnt (a DMA-API driver)?
dma_api() {
	case $1 in
	'' | pcieport | vfio-pci | pci-stub) return 1 ;;
	esac
	return 0
}
group_of() {
	l=$(readlink "/sys/bus/pci/devices/$1/iommu_group") && echo "${l##*/}"
}
# one line per device: driver, override and group, to compare states
state() {
	for d in /sys/bus/pci/devices/*; do
		b=${d##*/}
		echo "$b driver=$(drv "$b") override=$(ovr "$b") group=$(group_of "$b")"
	done
}
members() {
	for d in /sys/kernel/iommu_groups/"$1"/devices/*; do
		[ -e "$d" ] && echo "${d##*/}"
	done
}
# pick_groups SUITE FILE: the groups worth testing, one line each
# "MEMBERS GROUP FIRST-DMA-API-DEVICE ENDPOINTS", largest first: more than
# one member and at least one on a DMA-API driver; quick keeps the largest
pick_groups() {
	: >"$2.all"
	for g in /sys/kernel/iommu_groups/*; do
		g=${g##*/}
		n=0 dma= eps=0
		for m in $(members "$g"); do
			n=$((n + 1))
			is_bridge "$m" || eps=$((eps + 1))
			if [ -z "$dma" ] && dma_api "$(drv "$m")"; then
				dma=$m
			fi
		done
		[ "$n" -ge 2 ] && [ -n "$dma" ] && echo "$n $g $dma $eps" >>"$2.all"
	done
	if [ "$1" = quick ]; then
		sort -rn "$2.all" | head -n 1 >"$2"
	else
		sort -rn "$2.all" >"$2"
	fi
	rm -f "$2.all"
}
