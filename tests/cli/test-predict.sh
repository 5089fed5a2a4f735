#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# dmaown predict / groups / p2p on synthetic sysfs snapshots.
set -u
: "${DMAOWN:?}" "${SRCDIR:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
run() { "$DMAOWN" "$@" >"$T/out" 2>"$T/err"; echo $? >"$T/rc"; }
rc() { cat "$T/rc"; }

python3 "$SRCDIR/bench/mksnap.py" "$T/snap" 400 >/dev/null || { echo "mksnap failed"; exit 1; }
S="--root $T/snap"

# the kernel's groups equal the prediction on this fabric
run $S groups --diff
[ "$(rc)" = 0 ] || fail "groups --diff on a consistent snapshot: rc $(rc)"
grep -q "prediction matches the kernel's" "$T/out" || fail "no match line"

# predict --json: every device in exactly one group, full BDFs, a why each
run $S predict --json
[ "$(rc)" = 0 ] || fail "predict --json rc $(rc)"
python3 - "$T/out" "$T/snap" <<'PY' || fail "predict --json shape"
import json, os, re, sys
d = json.load(open(sys.argv[1]))
assert set(d) == {"groups"}, d.keys()
seen = []
for g in d["groups"]:
    assert set(g) == {"devices", "why"} and g["why"], g
    for b in g["devices"]:
        assert re.fullmatch(r"[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]", b), b
    seen += g["devices"]
devs = sorted(os.listdir(os.path.join(sys.argv[2], "sys/bus/pci/devices")))
assert sorted(seen) == devs, (len(seen), len(devs))
PY

# spec model on the same fabric (ACS everywhere): same partition
run $S predict --model=spec --json
[ "$(rc)" = 0 ] || fail "spec rc $(rc)"

# IOMMU off on the command line: nobody is grouped, and it says so
run $S predict --json --cmdline="quiet intel_iommu=off"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["groups"] == [] and len(d["ungrouped"]) > 0
assert "IOMMU off" in d["ungrouped_why"]' "$T/out" || fail "intel_iommu=off json"
run $S predict --cmdline="intel_iommu=off"
grep -q "in no group: the kernel command line turns the IOMMU off" "$T/out" ||
	fail "intel_iommu=off text"

# a malformed override value warns on one line and does not fail
run $S predict --cmdline="pcie_acs_override=downstream,bogus"
[ "$(rc)" = 0 ] || fail "override warning rc $(rc)"
grep -q "warning: kernel command line: pcie_acs_override: unknown option 'bogus'" "$T/err" ||
	fail "override warning text: $(cat "$T/err")"

# split one kernel group: --diff finds and explains it, exit 1
G=$(basename "$(readlink "$T/snap/sys/bus/pci/devices/0000:04:00.7/iommu_group")")
mkdir -p "$T/snap/sys/kernel/iommu_groups/999/devices"
mv "$T/snap/sys/kernel/iommu_groups/$G/devices/0000:04:00.7" \
	"$T/snap/sys/kernel/iommu_groups/999/devices/"
ln -sfn ../../../../../kernel/iommu_groups/999 \
	"$(readlink -f "$T/snap/sys/bus/pci/devices/0000:04:00.7")/iommu_group"
run $S groups --diff
[ "$(rc)" = 1 ] || fail "groups --diff on a split group: rc $(rc)"
grep -q "kernel group 999 differs" "$T/out" || fail "diff does not name group 999"
grep -q "explanation: a quirk missing" "$T/out" || fail "no explanation"
run $S groups --diff --json
[ "$(rc)" = 1 ] || fail "groups --diff --json rc $(rc)"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["differences"] and d["differences"][0]["explanations"]' "$T/out" ||
	fail "diff json"

# ACS unreadable (config cut to 256 bytes) on a DSP: explained as such
python3 "$SRCDIR/bench/mksnap.py" "$T/snap2" 400 >/dev/null
CFG=$(readlink -f "$T/snap2/sys/bus/pci/devices/0000:02:01.0")/config
head -c 256 "$CFG" >"$T/cfg" && cp "$T/cfg" "$CFG"
run --root "$T/snap2" groups --diff
[ "$(rc)" = 1 ] || fail "unreadable ACS: rc $(rc)"
grep -q "explanation: ACS not readable without root" "$T/out" ||
	fail "unreadable ACS not explained"
run --root "$T/snap2" predict
grep -q "ACS not readable" "$T/out" || fail "predict why lacks ACS not readable"

# p2p: domains, no weaknesses here; pair query
run $S p2p --json
[ "$(rc)" = 0 ] || fail "p2p rc $(rc)"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["against"] == "kernel" and d["domains"]' "$T/out" || fail "p2p json"
run $S p2p 0000:04:00.0 04:00.1
[ "$(rc)" = 1 ] || fail "p2p pair in one MFD should be reachable: rc $(rc)"
grep -q "inside a multifunction device without ACS" "$T/out" || fail "p2p pair kind"

# bad input: one line naming the problem, exit 2, no crash
for args in "predict --model=bogus" "p2p 04:00.0" "p2p 04:00.0 zz:00.0" \
	"p2p 04:00.0 04:00.0" "groups --frob"; do
	run $S $args
	[ "$(rc)" = 2 ] || fail "'$args': rc $(rc)"
	[ "$(wc -l <"$T/err")" = 1 ] || fail "'$args': stderr not one line"
done
run --root "$T/nonexistent" predict
[ "$(rc)" = 2 ] || fail "missing root: rc $(rc)"
grep -q "nonexistent" "$T/err" || fail "missing root: error does not name it"
run $S predict --help
[ "$(rc)" = 0 ] || fail "predict --help"

[ "$fails" = 0 ] && echo "ok" && exit 0
exit 1
