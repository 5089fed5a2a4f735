#!/bin/bash
# Commands that change the host refuse a snapshot directory (it is not a
# live sysfs nor a fake root) and leave every file of it unchanged.
set -u
D=${DMAOWN:?}
SRC=${SRCDIR:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
cp -r "$SRC/tests/fixtures/vm/6.1-intel-switch-bridge" "$T/s"
before=$(cd "$T/s" && find . -type f -exec md5sum {} + | sort | md5sum)
for cmd in "assign 0000:06:01.0" "assign 0000:06:01.0 --driver pci-stub" \
	   "release 0000:06:01.0" "recover"; do
	"$D" --root "$T/s" $cmd --state-dir "$T/state" >/dev/null 2>"$T/err"
	rc=$?
	if [ $rc = 2 ] && grep -q "not a live sysfs" "$T/err"; then
		echo "ok - $cmd refused on a snapshot"
	else
		echo "FAIL - $cmd on a snapshot: rc=$rc: $(cat "$T/err")"
		fail=1
	fi
done
"$D" --root "$T/s" assign 0000:06:01.0 --dry-run --state-dir "$T/state" >/dev/null 2>&1
[ $? = 0 ] && echo "ok - dry run allowed" || { echo "FAIL - dry run"; fail=1; }
after=$(cd "$T/s" && find . -type f -exec md5sum {} + | sort | md5sum)
[ "$before" = "$after" ] && echo "ok - snapshot unchanged" || { echo "FAIL - snapshot changed"; fail=1; }
exit $fail
