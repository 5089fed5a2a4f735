#!/bin/bash
# dmaown sim: step scripts against the model, seeded from a real 6.1
# snapshot (tests/fixtures/vm/6.1-intel-pci-bridges: group 2 = 00:10.0
# PCI bridge + 01:01.0 01:02.0 on e1000), exit codes and error lines.
set -u
D=${DMAOWN:?}
SRC=${SRCDIR:?}
ROOT=$SRC/tests/fixtures/vm/6.1-intel-pci-bridges
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
check() { # description, then a command that must succeed
	local what=$1
	shift
	if "$@"; then echo "ok - $what"; else echo "FAIL - $what"; fail=1; fi
}
run() { # expected exit code, then dmaown arguments
	local want=$1
	shift
	"$D" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	[ "$rc" = "$want" ] || { echo "  exit $rc, wanted $want"; cat "$T/out" "$T/err"; }
	[ "$rc" = "$want" ]
}

# spec/real-kernel.md's ownership table, on this snapshot's group 2
cat >"$T/table.steps" <<'S'
# observed on 6.1 (spec/real-kernel.md), group 2 here
bind 01:01.0 vfio-pci => ok
expect-viable 01:01.0 => no
hold 01:01.0 => EPERM
bind 01:02.0 pci-stub => ok
expect-viable 01:01.0 => yes
hold 01:01.0 => ok
bind 01:02.0 e1000 => EBUSY
remove 01:02.0 => ok
rescan => ok
expect-driver 01:02.0 => none
release 01:01.0 => ok
bind 01:02.0 e1000 => ok
expect-driver 01:02.0 => e1000
S
check "real-kernel table matches (profile auto = 6.1)" \
	run 0 --root "$ROOT" sim --profile auto "$T/table.steps"
check "prints STEP => OUTCOME" grep -qx "hold 01:01.0 => EPERM" "$T/out"
check "one line per step" [ "$(wc -l <"$T/out")" = 13 ]
for p in 5.19 6.1 6.2 6.12 latest; do
	check "table matches in profile $p" \
		run 0 --root "$ROOT" --profile "$p" sim --groups=kernel "$T/table.steps"
done

check "table matches with predicted groups" \
	run 0 --root "$ROOT" sim --groups=predicted "$T/table.steps"

# 6.1 releases VFIO's claim when the last VFIO device goes; 5.19 keeps it
cat >"$T/last.steps" <<'S'
bind 01:01.0 vfio-pci
bind 01:02.0 pci-stub
hold 01:01.0 => ok
unbind 01:01.0 => ok
bind 01:02.0 e1000 => ok
S
check "6.1: last VFIO unbind releases the group" \
	run 0 --root "$ROOT" sim --profile 6.1 "$T/last.steps"
check "5.19: the claim lasts until close (mismatch, exit 1)" \
	run 1 --root "$ROOT" sim --profile 5.19 "$T/last.steps"
check "mismatch line names the expectation" \
	grep -qx "bind 01:02.0 e1000 => EBUSY  MISMATCH (expected ok)" "$T/out"
check "mismatch summary on stderr" grep -q "first at .*last.steps:5" "$T/err"

# a driver the snapshot's kernel has not loaded
printf 'bind 01:01.0 ixgbe => ENOENT\n' >"$T/noload.steps"
check "unloaded driver gives ENOENT" run 0 --root "$ROOT" sim "$T/noload.steps"

# bad input: exit 2 with one line naming FILE:LINE or the device
printf 'bind 01:01.0 vfio-pci\nfrobnicate 01:01.0\n' >"$T/bad.steps"
check "unknown verb exits 2" run 2 --root "$ROOT" sim "$T/bad.steps"
check "error names file:line" grep -qx "dmaown: $T/bad.steps:2: unknown verb 'frobnicate'" "$T/err"
check "error is one line" [ "$(wc -l <"$T/err")" = 1 ]
printf 'unbind 01:01.9\n' >"$T/bdf.steps"
check "malformed BDF exits 2" run 2 --root "$ROOT" sim "$T/bdf.steps"
check "malformed BDF named" grep -q "bdf.steps:1: malformed BDF '01:01.9'" "$T/err"
printf 'bind 01:01.0 vfio-pci => ok\nunbind 42:00.0 => ok\n' >"$T/nodev.steps"
check "unknown device exits 2" run 2 --root "$ROOT" sim "$T/nodev.steps"
check "unknown device named with file:line" grep -q "nodev.steps:2: no device 0000:42:00.0" "$T/err"
check "nothing ran before the unknown device" [ ! -s "$T/out" ]
printf 'remove 01:01.0 => ok\nunbind 01:01.0 => ENODEV\n' >"$T/gone.steps"
check "removed device gives ENODEV" run 0 --root "$ROOT" sim "$T/gone.steps"
head -c 3000 /dev/urandom >"$T/garbage.steps"
check "binary garbage exits 2" run 2 --root "$ROOT" sim "$T/garbage.steps"
check "missing script file exits 2" run 2 --root "$ROOT" sim "$T/none.steps"
check "missing script named" grep -q "none.steps" "$T/err"
check "unknown profile exits 2" run 2 --root "$ROOT" sim --profile 3.2 "$T/table.steps"
check "bad --groups exits 2" run 2 --root "$ROOT" sim --groups=maybe "$T/table.steps"
check "no script exits 2" run 2 --root "$ROOT" sim
check "missing root exits 2" run 2 --root "$T/nowhere" sim "$T/table.steps"
# pre-5.19 VFIO: the seed's hot-add into a held group ends in BUG_ON
SEED="$SRCDIR/tests/vm/scripts/seed-hotadd-held.sim"
SB="$SRCDIR/tests/fixtures/vm/6.1-intel-switch-bridge"
check "5.19 seed script matches" run 0 --root "$SB" sim --profile 5.19 "$SEED"
check "5.19 reports no kernel crash" bash -c "! grep -q 'kernel: BUG_ON' '$T/out'"
# the same table on a snapshot of spec/real-kernel.md's own topology, with
# the kernel's group data removed (groups predicted from config space)
cp -r "$SB" "$T/sb"
rm -rf "$T/sb/sys/kernel/iommu_groups"
find "$T/sb/sys/devices" -name iommu_group -delete
check "real-kernel.md table on its topology, groups predicted" \
	run 0 --root "$T/sb" sim --profile auto "$SEED"
check "every step of the table ran" \
	bash -c "[ \$(grep -c ' => ' '$T/out') = \$(grep -c '=>' '$SEED') ]"
check "5.18 seed script differs" run 1 --root "$SB" sim --profile 5.18 "$SEED"
check "5.18 reports the BUG_ON after rescan" \
	bash -c "grep -A2 '^rescan => ok' '$T/out' | grep -q 'kernel: BUG_ON'"
check "--help exits 0" run 0 sim --help
check "--help shows usage" grep -q "^Usage: dmaown .*sim" "$T/out"

exit $fail
