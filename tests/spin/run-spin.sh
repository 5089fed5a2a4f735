#!/bin/bash
# Model-check tests/spin/ownership.pml with spin: the correct protocol
# must have no error; each deliberately broken variant must be caught
# (so this test can fail).  Usage: run-spin.sh MODEL.pml
set -u
M=${1:?usage: run-spin.sh MODEL.pml}
M=$(cd "$(dirname "$M")" && pwd)/$(basename "$M")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 2

# verify [DEFINE]: prints the number of errors pan found, or exits 2
verify() {
	rm -f pan pan.* ./*.trail
	spin -a ${1:+-D$1} "$M" >spin.log 2>&1 || { cat spin.log; exit 2; }
	cc -O2 -DSAFETY -DNOREDUCE -o pan pan.c 2>cc.log || { cat cc.log; exit 2; }
	./pan -m100000 >pan.log 2>&1
	grep -q "State-vector" pan.log || { cat pan.log; exit 2; }
	sed -n 's/.*errors: \([0-9]*\).*/\1/p' pan.log | head -n1
}

fail=0
n=$(verify "")
echo "correct model: $n error(s)"
grep -E "states, stored|reached" pan.log | head -n2
if [ "$n" != 0 ]; then
	echo "FAIL: the ownership protocol violates its invariant"
	spin -t -p "$M" 2>/dev/null | tail -n 30
	fail=1
fi
for v in BROKEN BROKEN_HOTADD; do
	n=$(verify "$v")
	echo "-D$v: $n error(s)"
	if [ -z "$n" ] || [ "$n" = 0 ] ||
	   ! grep -q "assertion violated" pan.log; then
		echo "FAIL: spin did not catch the -D$v violation"
		fail=1
	else
		grep "assertion violated" pan.log
	fi
done
exit $fail
