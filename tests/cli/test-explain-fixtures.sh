#!/bin/bash
# On every real-kernel snapshot of the bench (tests/fixtures/vm), `dmaown
# explain` on each member of each group answers like `dmaown list`:
# a group with a member on a DMA-API driver is not usable (exit 1) and the
# output names every blocking device with its driver and the fix command;
# a group without one never names a blocker.
set -u
D=${DMAOWN:?}
SRC=${SRCDIR:?}
fail=0
checked=0
for F in "$SRC"/tests/fixtures/vm/*/; do
	F=${F%/}
	json=$("$D" --root "$F" list --json) || { echo "FAIL - list on $F"; fail=1; continue; }
	while read -r bdf nblock blockers; do
		out=$("$D" --root "$F" explain "$bdf" 2>&1)
		rc=$?
		checked=$((checked + 1))
		if [ "$nblock" -gt 0 ]; then
			if [ $rc != 1 ]; then
				echo "FAIL - ${F##*/} $bdf: exit $rc, want 1"; fail=1
			fi
			for b in $blockers; do
				dev=${b%%=*} drv=${b#*=}
				echo "$out" | grep -q "$dev  *$drv *BLOCKS" ||
					{ echo "FAIL - ${F##*/} $bdf: blocker $dev ($drv) not named"; fail=1; }
			done
			echo "$out" | grep -q "^Fix: dmaown assign " ||
				{ echo "FAIL - ${F##*/} $bdf: no fix command"; fail=1; }
		elif echo "$out" | grep -q "BLOCKS"; then
			echo "FAIL - ${F##*/} $bdf: names a blocker in a viable group"; fail=1
		fi
	done < <(python3 -c '
import json, sys
j = json.load(sys.stdin)
for g in j["groups"]:
    bl = [d for d in g["devices"] if d["bdf"] in g["blocking"]]
    for d in g["devices"]:
        print(d["bdf"], len(bl), " ".join("%s=%s" % (b["bdf"], b["driver"]) for b in bl))
' <<<"$json")
done
echo "$checked explain runs checked"
[ "$checked" -gt 300 ] || { echo "FAIL - too few devices checked"; fail=1; }
exit $fail
