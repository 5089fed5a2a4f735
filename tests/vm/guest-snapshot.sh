#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# guest-snapshot.sh DEST [ROOT] - busybox-sh fallback for `dmaown snapshot`:
# copy what dmaown reads from ROOT (default /) into DEST, laid out like /,
# so that `dmaown --root DEST` sees the same PCI topology and groups.
#
# Per PCI function: config, vendor, device, class, subsystem_vendor,
# subsystem_device, revision, modalias, resource, driver_override,
# sriov_totalvfs, sriov_numvfs and the links driver, iommu_group, physfn,
# kept in the same sys/devices nesting (sys/bus/pci/devices/X are
# symlinks into sys/devices/pci0000:00/...).  Also the
# sys/kernel/iommu_groups/N/devices links and type, the names of
# sys/bus/pci/drivers, sys/class/iommu, the DMAR/IVRS ACPI tables,
# proc/cmdline and proc/sys/kernel/osrelease.
set -eu

dest=${1:?usage: guest-snapshot.sh DEST [ROOT]}
src=${2:-/}
src=${src%/}

mkdir -p "$dest/sys/bus/pci/devices" "$dest/sys/bus/pci/drivers" \
	"$dest/sys/kernel/iommu_groups" "$dest/sys/class/iommu" \
	"$dest/proc/sys/kernel"

cp "$src/proc/cmdline" "$dest/proc/cmdline"
cp "$src/proc/sys/kernel/osrelease" "$dest/proc/sys/kernel/osrelease"

FILES="config vendor device class subsystem_vendor subsystem_device \
revision modalias resource driver_override sriov_totalvfs sriov_numvfs"
LINKS="driver iommu_group physfn"

for link in "$src"/sys/bus/pci/devices/*; do
	[ -e "$link" ] || continue
	bdf=${link##*/}
	target=$(readlink "$link")	# ../../../devices/pci0000:00/...
	ln -s "$target" "$dest/sys/bus/pci/devices/$bdf"
	dir=$dest/sys/bus/pci/devices/$target
	mkdir -p "$dir"
	for f in $FILES; do
		[ -f "$link/$f" ] || continue
		cat "$link/$f" >"$dir/$f" 2>/dev/null || rm -f "$dir/$f"
	done
	for l in $LINKS; do
		if [ -L "$link/$l" ]; then
			ln -s "$(readlink "$link/$l")" "$dir/$l"
		fi
	done
done

for drv in "$src"/sys/bus/pci/drivers/*; do
	if [ -d "$drv" ]; then
		mkdir -p "$dest/sys/bus/pci/drivers/${drv##*/}"
	fi
done

for g in "$src"/sys/kernel/iommu_groups/*; do
	[ -d "$g" ] || continue
	n=${g##*/}
	mkdir -p "$dest/sys/kernel/iommu_groups/$n/devices"
	if [ -f "$g/type" ]; then
		cat "$g/type" >"$dest/sys/kernel/iommu_groups/$n/type"
	fi
	for d in "$g"/devices/*; do
		[ -L "$d" ] || continue
		ln -s "$(readlink "$d")" \
			"$dest/sys/kernel/iommu_groups/$n/devices/${d##*/}"
	done
done

for i in "$src"/sys/class/iommu/*; do
	[ -L "$i" ] || continue
	t=$(readlink "$i")
	ln -s "$t" "$dest/sys/class/iommu/${i##*/}"
	mkdir -p "$dest/sys/class/iommu/$t"
done

for t in DMAR IVRS; do
	f=$src/sys/firmware/acpi/tables/$t
	if [ -f "$f" ]; then
		mkdir -p "$dest/sys/firmware/acpi/tables"
		cat "$f" >"$dest/sys/firmware/acpi/tables/$t"
	fi
done
