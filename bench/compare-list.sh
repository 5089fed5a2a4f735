#!/bin/bash
# Side-by-side, in one run: `dmaown list` and `dmaown predict` against
# `lspci -n` and the classic shell loop over /sys/kernel/iommu_groups (the
# Arch wiki / ls-iommu style), all on the same synthetic snapshot tree.
#
#   bench/compare-list.sh BUILDDIR [FUNCTIONS...]     (default: 1000 5000)
#
# Prints a markdown table: wall time (s) and peak RSS (KiB) per tool.
# The loop is skipped above 5000 functions (it forks lspci per device,
# each of which rescans the whole tree: quadratic).
set -eu
BUILD=${1:?usage: compare-list.sh BUILDDIR [FUNCTIONS...]}
shift
SIZES=${*:-1000 5000}
DMAOWN=$BUILD/src/dmaown
[ -x "$DMAOWN" ] || { echo "no $DMAOWN: build first" >&2; exit 2; }
command -v lspci >/dev/null || { echo "lspci missing: apt-get install pciutils" >&2; exit 2; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
HERE=$(cd "$(dirname "$0")" && pwd)

measure() { # label command...
	local label=$1 out
	shift
	/usr/bin/time -o "$TMP/time" -f "%e %M" "$@" >/dev/null 2>&1 || true
	out=$(tail -1 "$TMP/time")
	printf "| %s | %s | %s |\n" "$label" "${out% *}" "${out#* }"
}

loop() { # the classic per-group shell loop
	local s=$1 g d
	for g in "$s"/sys/kernel/iommu_groups/*; do
		echo "IOMMU Group ${g##*/}:"
		for d in "$g"/devices/*; do
			echo "	$(lspci -nns "${d##*/}" -A linux-sysfs -O sysfs.path="$s/sys/bus/pci")"
		done
	done
}
export -f loop

echo "| functions | tool | wall s | peak RSS KiB |"
echo "|---|---|---|---|"
for n in $SIZES; do
	S=$TMP/snap-$n
	python3 "$HERE/mksnap.py" "$S" "$n" >/dev/null
	measure "$n | dmaown list" "$DMAOWN" --root "$S" list
	measure "$n | dmaown list --json" "$DMAOWN" --root "$S" list --json
	measure "$n | dmaown predict --json" "$DMAOWN" --root "$S" predict --json
	measure "$n | lspci -n" lspci -n -A linux-sysfs -O sysfs.path="$S/sys/bus/pci"
	measure "$n | lspci -vvnn" lspci -vvnn -A linux-sysfs -O sysfs.path="$S/sys/bus/pci"
	if [ "$n" -le 5000 ]; then
		measure "$n | shell loop + lspci -nns" bash -c "loop $S"
	fi
	rm -rf "$S"
done
