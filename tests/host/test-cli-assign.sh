#!/bin/sh
# CLI scenarios for dmaown assign/release/recover/explain on fake roots.
# $1: the mkfake helper, $2: fakesim; $DMAOWN: the dmaown binary.
# Never touches /sys.
set -u
MKFAKE=$1
FAKESIM=$2
T=$(mktemp -d "${TMPDIR:-/tmp}/dmaown-cli-XXXXXX")
trap 'rm -rf "$T"' EXIT
fails=0
n=0

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# run CMD...: sets rc, out, err
run() {
	"$DMAOWN" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	out=$(cat "$T/out")
	err=$(cat "$T/err")
}

expect_rc() { [ "$rc" = "$1" ] || fail "$2: exit $rc, want $1; stderr: $err"; }
expect_in() { case "$1" in *"$2"*) ;; *) fail "$3: missing '$2' in: $1";; esac; }

fresh() {
	n=$((n + 1))
	R=$T/root$n
	"$MKFAKE" "$R" || { echo "mkfake failed"; exit 1; }
}

drivers() {
	for d in 0000:06:01.0 0000:06:02.0 0000:00:12.0; do
		l=$(readlink "$R/sys/bus/pci/devices/$d/driver" 2>/dev/null)
		printf '%s=%s:%s ' "$d" "${l##*/}" \
			"$(cat "$R/sys/bus/pci/devices/$d/driver_override")"
	done
}

# explain: not viable, names the blocking devices and the fix
fresh
orig=$(drivers)
run --root "$R" explain 06:01.0
expect_rc 1 "explain before"
expect_in "$out" "0000:06:02.0  e1000      BLOCKS" "explain names blocker"
expect_in "$out" "Fix: dmaown assign 0000:06:01.0" "explain gives the fix"

# dry run equals the real run (the -v trace lists every host write)
run --root "$R" assign 06:01.0 --dry-run
expect_rc 0 "dry run"
planned=$(printf '%s\n' "$out" | sed -n 's/^  [0-9]*\. \(write .*\|load .*\)$/\1/p')
[ "$(drivers)" = "$orig" ] || fail "dry run changed the host"
run --root "$R" -v assign 06:01.0
expect_rc 0 "assign"
done_=$(printf '%s\n' "$err" | sed -n 's/^dmaown: \(.*\): ok$/\1/p')
[ -n "$planned" ] && [ "$planned" = "$done_" ] ||
	fail "dry run differs from run: [$planned] vs [$done_]"
[ "$(drivers)" = "0000:06:01.0=vfio-pci:vfio-pci 0000:06:02.0=vfio-pci:vfio-pci 0000:00:12.0=:(null) " ] ||
	fail "after assign: $(drivers)"
run --root "$R" explain 06:02.0
expect_rc 0 "explain after assign"
run --root "$R" assign 06:02.0
expect_rc 1 "second assign refused"
expect_in "$err" "already held by dmaown" "second assign says why"
run --root "$R" release 06:02.0
expect_rc 0 "release"
[ "$(drivers)" = "$orig" ] || fail "after release: $(drivers)"
run --root "$R" release 06:02.0
expect_rc 1 "release of an unassigned group"

# bad input: one line naming the device, never a crash
run --root "$R" assign 00:13.0
expect_rc 1 "no IOMMU group"
expect_in "$err" "0000:00:13.0 has no IOMMU group" "no-group message"
[ "$(printf '%s\n' "$err" | wc -l)" = 1 ] || fail "no-group error is not one line: $err"
run --root "$R" assign 06:01.0 --driver e1000
expect_rc 2 "bad driver"
expect_in "$err" "0000:06:01.0: cannot assign to driver 'e1000'" "bad driver message"
run --root "$R" assign zz:zz
expect_rc 2 "bad BDF"
run --root "$R" assign 00:1f.7
expect_rc 2 "unknown device"
expect_in "$err" "0000:00:1f.7" "unknown device named"
run --root "$R" assign 06:01.0 --wait nope
expect_rc 2 "bad --wait"

# safety: the boot VGA is refused unless --force
echo 1 >"$R/sys/bus/pci/devices/0000:06:02.0/boot_vga"
run --root "$R" assign 06:01.0
expect_rc 1 "boot VGA refused"
expect_in "$err" "0000:06:02.0 is the boot VGA device" "VGA message"
[ "$(drivers)" = "$orig" ] || fail "refusal changed the host"
run --root "$R" assign 06:01.0 --force --persist
expect_rc 0 "assign --force --persist"
rule=$R/etc/udev/rules.d/61-dmaown-0000:06:01.0.rules
expect_in "$(cat "$rule" 2>/dev/null)" 'KERNEL=="0000:06:01.0", ATTR{vendor}=="0x8086", ATTR{device}=="0x100e"' "udev rule"
run --root "$R" release 06:01.0 --persist
expect_rc 0 "release --persist"
[ ! -e "$rule" ] || fail "udev rule left behind"
rm "$R/sys/bus/pci/devices/0000:06:02.0/boot_vga"

# an injected failure: everything goes back, exit 1
echo "bind 0000:06:02.0 vfio-pci EIO" >"$R/.dmaown-fail"
run --root "$R" assign 06:01.0
expect_rc 1 "failing assign"
expect_in "$err" "every device is back on its original driver" "rollback said"
[ "$(drivers)" = "$orig" ] || fail "after failed assign: $(drivers)"
: >"$R/.dmaown-fail"

# kill -9 after the third write, then recover
echo "crash-after 3" >"$R/.dmaown-fail"
run --root "$R" assign 06:01.0
expect_rc 137 "crash"
: >"$R/.dmaown-fail"
run --root "$R" recover
expect_rc 0 "recover"
expect_in "$out" "assign interrupted" "recover says what it undid"
[ "$(drivers)" = "$orig" ] || fail "after recover: $(drivers)"
run --root "$R" recover
expect_in "$out" "nothing to recover" "recover is idempotent"

# two processes race for group 4: the loser fails at once naming the pid
echo "delay 400" >"$R/.dmaown-fail"
"$DMAOWN" --root "$R" assign 06:01.0 >"$T/bg.out" 2>&1 &
bg=$!
sleep 0.5
run --root "$R" assign 06:02.0
expect_rc 2 "lock busy"
expect_in "$err" "another dmaown (pid $bg) holds" "lock holder named"
run --root "$R" assign 06:02.0 --wait 30
expect_rc 1 "waited, then found the group held"
wait $bg || fail "background assign failed: $(cat "$T/bg.out")"
: >"$R/.dmaown-fail"
run --root "$R" release 06:01.0
expect_rc 0 "release after race"
[ "$(drivers)" = "$orig" ] || fail "after race: $(drivers)"

# --all: members on pci-stub or a VFIO driver move too; the bridge stays
fresh
printf 'bind 06:02.0 pci-stub => ok\n' >"$T/steps"
"$FAKESIM" -l pci-stub "$R" "$T/steps" >/dev/null || fail "put 06:02.0 on pci-stub"
orig=$(drivers)
run --root "$R" assign 06:01.0 --dry-run
expect_rc 0 "dry run without --all"
expect_in "$out" "0000:06:02.0  pci-stub   -> pci-stub   stays" "pci-stub member stays without --all"
run --root "$R" assign 06:01.0 --all --dry-run --json
expect_rc 0 "dry run --all --json"
expect_in "$out" '{"bdf":"0000:00:12.0","move":false,"before":"","after":"","why":"bridge"}' "bridge stays with --all"
expect_in "$out" '{"bdf":"0000:06:02.0","move":true,"before":"pci-stub","after":"vfio-pci","why":"managed-asked"}' "pci-stub member moves with --all"
run --root "$R" assign 06:01.0 --all
expect_rc 0 "assign --all"
[ "$(drivers)" = "0000:06:01.0=vfio-pci:vfio-pci 0000:06:02.0=vfio-pci:vfio-pci 0000:00:12.0=:(null) " ] ||
	fail "after assign --all: $(drivers)"
run --root "$R" explain 06:02.0
expect_rc 0 "explain after assign --all"
run --root "$R" release 06:01.0
expect_rc 0 "release after --all"
[ "$(drivers)" = "$orig" ] || fail "after release of --all: $(drivers) want $orig"
# a member on a VFIO driver moves to pci-stub with --all
printf 'bind 06:02.0 vfio-pci => ok\n' >"$T/steps"
"$FAKESIM" -l vfio-pci "$R" "$T/steps" >/dev/null || fail "put 06:02.0 on vfio-pci"
orig=$(drivers)
run --root "$R" assign 06:01.0 --driver pci-stub
expect_rc 0 "assign to pci-stub without --all"
[ "$(drivers)" = "0000:06:01.0=pci-stub:pci-stub 0000:06:02.0=vfio-pci:vfio-pci 0000:00:12.0=:(null) " ] ||
	fail "VFIO member moved without --all: $(drivers)"
run --root "$R" release 06:01.0
expect_rc 0 "release pci-stub"
[ "$(drivers)" = "$orig" ] || fail "after release: $(drivers) want $orig"
run --root "$R" assign 06:01.0 --driver pci-stub --all
expect_rc 0 "assign to pci-stub --all"
[ "$(drivers)" = "0000:06:01.0=pci-stub:pci-stub 0000:06:02.0=pci-stub:pci-stub 0000:00:12.0=:(null) " ] ||
	fail "after assign --driver pci-stub --all: $(drivers)"
run --root "$R" release 06:02.0
expect_rc 0 "release pci-stub --all"
[ "$(drivers)" = "$orig" ] || fail "after release of pci-stub --all: $(drivers) want $orig"

[ "$fails" = 0 ] && echo "all CLI assign scenarios passed"
exit $((fails > 0))
