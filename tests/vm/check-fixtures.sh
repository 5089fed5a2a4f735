#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# check-fixtures.sh - repeat the real-kernel bench's group comparison
# offline, on the snapshots it stored in tests/fixtures/vm/.
#
# For each fixture KERNEL-IOMMU-TOPOLOGY/: copy it, remove the group data
# (sys/kernel/iommu_groups and every iommu_group link), run
# `dmaown --root COPY predict --json` and compare the partition with the
# kernel's groups the bench recorded (kernel-groups.txt) as sets of sets.
# Environment (meson test sets them): DMAOWN (the program), SRCDIR.
set -eu

die() {
	echo "check-fixtures: $*" >&2
	exit 1
}

src=${SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
dmaown=${DMAOWN:-}
[ -n "$dmaown" ] && [ -x "$dmaown" ] || die "set DMAOWN to the dmaown program"
command -v python3 >/dev/null || die "python3 is needed"
vmtool=$src/tests/vm/vmtool.py
fixtures=$src/tests/fixtures/vm
[ -d "$fixtures" ] || die "no fixtures in $fixtures (run tests/vm/run-bench.sh --save-fixtures)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dmaown-fixtures.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

n=0 bad=0
for fx in "$fixtures"/*/; do
	fx=${fx%/}
	name=${fx##*/}
	[ -f "$fx/kernel-groups.txt" ] || die "$name: no kernel-groups.txt"
	n=$((n + 1))
	copy=$tmp/$name
	cp -a "$fx" "$copy"
	rm -f "$copy/kernel-groups.txt"
	python3 "$vmtool" strip "$copy"
	if [ -d "$copy/sys/kernel/iommu_groups" ] ||
		find "$copy/sys" -name iommu_group | grep -q .; then
		die "$name: group data still present after stripping"
	fi
	if ! "$dmaown" --root "$copy" predict --json >"$tmp/$name.json" \
		2>"$tmp/$name.err"; then
		echo "FAIL $name: dmaown predict failed:" >&2
		sed 's/^/    /' "$tmp/$name.err" >&2
		bad=$((bad + 1))
		continue
	fi
	if python3 "$vmtool" compare "$fx/kernel-groups.txt" "$tmp/$name.json" \
		>"$tmp/$name.cmp" 2>&1; then
		echo "ok   $name: $(cat "$tmp/$name.cmp")"
	else
		echo "FAIL $name:" >&2
		sed 's/^/    /' "$tmp/$name.cmp" >&2
		bad=$((bad + 1))
	fi
done
[ "$n" -gt 0 ] || die "no fixtures in $fixtures"
echo "check-fixtures: $((n - bad))/$n fixtures match the kernel"
[ "$bad" = 0 ]
