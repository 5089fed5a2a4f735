#!/bin/sh
# The fake host and the model agree: the same step script runs through
# the fake actuator (fakesim, every bind/unbind decided by the ownership
# engine seeded from the tree) and through `dmaown sim` on a snapshot of
# the same fake tree; outcomes must be identical and as expected.
# $1: mkfake, $2: fakesim; $DMAOWN: the dmaown binary.  Never touches /sys.
set -u
MKFAKE=$1
FAKESIM=$2
T=$(mktemp -d "${TMPDIR:-/tmp}/dmaown-fvm-XXXXXX")
trap 'rm -rf "$T"' EXIT
fails=0

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

cat >"$T/load.steps" <<'S'
# nothing: fakesim -l loads the drivers
S
# group 4: bridge 00:12.0 (no driver), e1000s 06:01.0 and 06:02.0;
# group 6: e1000e 01:00.0; 00:13.0 has no IOMMU group
cat >"$T/steps" <<'S'
expect-viable 06:01.0 => no
bind 06:01.0 vfio-pci => ok
expect-viable 06:01.0 => no
hold 06:01.0 => EPERM
bind 06:02.0 vfio-pci => ok
expect-viable 06:02.0 => yes
hold 06:01.0 => ok
hold 06:02.0 => EBUSY
unbind 06:02.0 => ok
expect-driver 06:02.0 => none
bind 06:02.0 e1000 => EBUSY
expect-driver 06:02.0 => none
bind 06:02.0 pci-stub => ok
expect-driver 06:02.0 => pci-stub
expect-viable 06:01.0 => yes
bind 01:00.0 vfio-pci => ok
expect-viable 01:00.0 => yes
bind 00:13.0 vfio-pci => EINVAL
bind 00:13.0 nosuchdrv => ENOENT
release 06:01.0 => ok
bind 06:02.0 e1000 => ok
expect-viable 06:01.0 => no
release 06:01.0 => EBADF
bind 06:02.0 vfio-pci => ok
hold 06:02.0 => ok
unbind 06:01.0 => ok
unbind 06:02.0 => ok
# the last VFIO device left a held group: 6.1+ let it go, 5.19 does not
bind 06:02.0 e1000
S

# compare KERNEL_RELEASE|-: fake vs model on fresh trees
compare() {
	R=$T/root-$1
	S=$T/snap-$1
	"$MKFAKE" "$R" || { echo "mkfake failed"; exit 1; }
	if [ "$1" != - ]; then
		mkdir -p "$R/proc/sys/kernel"
		echo "$1" >"$R/proc/sys/kernel/osrelease"
	fi
	"$FAKESIM" -l vfio-pci -l pci-stub "$R" "$T/load.steps" >/dev/null ||
		fail "$1: loading drivers"
	"$DMAOWN" --root "$R" snapshot "$S" >/dev/null 2>"$T/err" ||
		fail "$1: snapshot: $(cat "$T/err")"
	"$DMAOWN" --root "$S" sim --profile auto "$T/steps" >"$T/model" 2>"$T/err"
	rc=$?
	[ $rc = 0 ] || fail "$1: model exit $rc: $(cat "$T/err") $(grep MISMATCH "$T/model")"
	"$FAKESIM" "$R" "$T/steps" >"$T/fake" 2>"$T/err"
	rc=$?
	[ $rc = 0 ] || fail "$1: fake exit $rc: $(cat "$T/err") $(grep MISMATCH "$T/fake")"
	[ "$(wc -l <"$T/fake")" -ge 28 ] || fail "$1: fake ran too few steps"
	diff -u "$T/model" "$T/fake" >"$T/diff" ||
		fail "$1: the fake and the model disagree:
$(cat "$T/diff")"
	last=$(tail -n 1 "$T/fake")
}

compare -
[ "$last" = "bind 06:02.0 e1000 => ok" ] ||
	fail "latest: a dead VFIO fd still owns the group: $last"
compare 5.19.0
[ "$last" = "bind 06:02.0 e1000 => EBUSY" ] ||
	fail "5.19: the claim should outlive the last VFIO device: $last"

[ "$fails" = 0 ] && echo "the fake and the model agree"
exit $((fails > 0))
