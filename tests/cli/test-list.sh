#!/bin/bash
# dmaown list / global options / exit codes on synthetic snapshots.
set -u
D=${DMAOWN:?}
SRC=${SRCDIR:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
check() { # description, then a command that must succeed
	local what=$1
	shift
	if "$@"; then echo "ok - $what"; else echo "FAIL - $what"; fail=1; fi
}

python3 "$SRC/bench/mksnap.py" "$T/s" 300 >/dev/null

"$D" --root "$T/s" list >"$T/out" 2>"$T/err"; rc=$?
check "list exits 0" [ $rc = 0 ]
check "list names the IOMMU" grep -q "^IOMMU" "$T/out"
# the fabric: 7 RP + per RP 1 USP + 32 DSP groups + 32 endpoint groups
ng=$(grep -c "^Group " "$T/out")
check "list shows every kernel group ($ng)" [ "$ng" = "$(ls "$T/s/sys/kernel/iommu_groups" | wc -l)" ]
check "multifunction endpoint group lists 8 functions" \
	bash -c "grep -A8 '^Group 3 ' '$T/out' | grep -c 'driver: e1000e' | grep -qx 8"
check "e1000e groups are kernel-owned and not viable" grep -q "^Group 3  kernel  not viable" "$T/out"
check "pcieport groups are viable" grep -q "^Group 0  idle  viable" "$T/out"

"$D" --root "$T/s" list --json >"$T/json"; rc=$?
check "list --json exits 0" [ $rc = 0 ]
check "list --json is valid JSON with every device" python3 - "$T/json" 300 <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
devs = [d["bdf"] for g in j["groups"] for d in g["devices"]] + [d["bdf"] for d in j["ungrouped"]]
assert len(devs) == len(set(devs)) and len(devs) >= int(sys.argv[2]), len(devs)
g3 = [g for g in j["groups"] if g["group"] == 3][0]
assert g3["state"] == "kernel" and not g3["viable"] and len(g3["blocking"]) == 8
PY

# a snapshot without group data: say so, still list the devices
rm -rf "$T/s/sys/kernel/iommu_groups" "$T/s/sys/class/iommu"
find "$T/s/sys/devices" -name iommu_group -delete
"$D" --root "$T/s" list >"$T/out2"; rc=$?
check "list without groups exits 0" [ $rc = 0 ]
check "list without groups says so" grep -qi "no iommu" "$T/out2"
check "list without groups still lists devices" grep -q "0000:00:01.0" "$T/out2"

# a host whose kernel has no IOMMU (empty /sys/class/iommu): its snapshot
# keeps that fact, so list and predict say so instead of guessing
python3 "$SRC/bench/mksnap.py" "$T/noiommu" 40 >/dev/null
rm -rf "$T/noiommu/sys/kernel/iommu_groups" "$T/noiommu/sys/class/iommu/dmar0"
find "$T/noiommu/sys/devices" -name iommu_group -delete
"$D" --root "$T/noiommu" snapshot "$T/noiommu-snap" >/dev/null
"$D" --root "$T/noiommu-snap" list >"$T/out3"
check "snapshot of a no-IOMMU host: list says No IOMMU" grep -q "^No IOMMU: the kernel has no IOMMU driver" "$T/out3"
"$D" --root "$T/noiommu-snap" predict --json >"$T/out4"
check "snapshot of a no-IOMMU host: predict groups nothing" \
	python3 -c "import json,sys; j=json.load(open('$T/out4')); sys.exit(0 if not j['groups'] and j['ungrouped'] else 1)"

# bad input: exit 2 and a one-line error naming the problem
"$D" --root "$T/missing" list >/dev/null 2>"$T/err"; rc=$?
check "missing root: exit 2" [ $rc = 2 ]
check "missing root: names the path" grep -q "$T/missing" "$T/err"
"$D" --root "$T/s" frobnicate >/dev/null 2>"$T/err"; rc=$?
check "unknown command: exit 2" [ $rc = 2 ]
"$D" --root "$T/s" --lspci-text /dev/null list >/dev/null 2>&1; rc=$?
check "two sources: exit 2" [ $rc = 2 ]
"$D" --root >/dev/null 2>&1; rc=$?
check "--root without value: exit 2" [ $rc = 2 ]
"$D" --help | grep -q "Usage: dmaown"; check "--help prints usage" [ $? = 0 ]
"$D" list --help | grep -q "Usage: dmaown"; check "list --help" [ $? = 0 ]

exit $fail
