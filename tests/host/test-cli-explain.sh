#!/bin/sh
# dmaown explain: exit codes (0 usable now, 1 not, 2 bad input), the
# blocking device, driver and exact fix in every non-viable case, and the
# P2P isolation warnings, on a copy of a real QEMU capture with a switch
# whose downstream ports are split into groups although one lacks ACS.
# $1: mkfake; $DMAOWN, $SRCDIR.  Never touches /sys.
set -u
MKFAKE=$1
T=$(mktemp -d "${TMPDIR:-/tmp}/dmaown-explain-XXXXXX")
trap 'rm -rf "$T"' EXIT
fails=0

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
run() {
	"$DMAOWN" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	out=$(cat "$T/out")
	err=$(cat "$T/err")
}
expect_rc() { [ "$rc" = "$1" ] || fail "$2: exit $rc, want $1; out: $out; err: $err"; }
expect_in() { case "$1" in *"$2"*) ;; *) fail "$3: missing '$2' in: $1";; esac; }
expect_out() { case "$1" in *"$2"*) fail "$3: unexpected '$2' in: $1";; esac; }

# group 8: DSP 03:00.0 + e1000e 04:00.0; group 9: DSP 03:01.0 + e1000e
# 05:00.0; the switch below 02:00.0 lets 05:00.0 reach 04:00.0
R=$T/switch
cp -a "$SRCDIR/tests/fixtures/vm/6.12-intel-switch-bridge" "$R"

run --root "$R" explain 04:00.0
expect_rc 1 "blocked group"
expect_in "$out" "0000:04:00.0  e1000e     BLOCKS" "names the blocker and its driver"
expect_in "$out" "Fix: dmaown assign 0000:04:00.0 " "gives the fix"
expect_in "$out" "[switch-dsp-no-acs]" "group weakness"
expect_in "$out" "0000:05:00.0 (e1000e, group 9) can reach 0000:04:00.0's BARs without the IOMMU" "peer named"
expect_in "$out" "via 0000:03:01.0" "the port that lets it through"
expect_in "$out" "Fix: dmaown assign 0000:05:00.0 " "peer fix"
run --root "$R" explain 04:00.0 --json
expect_rc 1 "blocked group --json"
expect_in "$out" '"usable":false' "json usable"
expect_in "$out" '"blockers":[{"bdf":"0000:04:00.0","driver":"e1000e","blocks":true}]' "json blocker"
expect_in "$out" '"fix":"dmaown assign 0000:04:00.0"' "json fix"
expect_in "$out" '"kind":"switch-dsp-no-acs"' "json weakness"
expect_in "$out" '"peers":[{"bdf":"0000:05:00.0","driver":"e1000e","group":9,' "json peer"
expect_in "$out" '"via":"0000:03:01.0","fix":"dmaown assign 0000:05:00.0"' "json peer fix"
python3 -c 'import json,sys; json.load(sys.stdin)' <"$T/out" || fail "explain --json is not JSON"

# the same group on vfio-pci: usable now, the warnings stay
d=$(readlink -f "$R/sys/bus/pci/devices/0000:04:00.0")
rm -f "$d/driver"
ln -s "$(realpath --relative-to="$d" "$R/sys/bus/pci/drivers/vfio-pci")" "$d/driver"
run --root "$R" explain 04:00.0
expect_rc 0 "vfio-pci group"
expect_in "$out" "Viable: no member uses the kernel DMA API" "viable said"
expect_in "$out" "0000:05:00.0 (e1000e, group 9) can reach" "warning kept when usable"
run --root "$R" explain 04:00.0 --json
expect_rc 0 "vfio-pci group --json"
expect_in "$out" '"usable":true' "json usable true"
expect_in "$out" '"fix":null' "no fix when usable"

# a group with no weakness and no peer: no warnings
run --root "$R" explain 01:00.0
expect_out "$out" "Isolation warnings" "isolated group warns"
run --root "$R" explain 01:00.0 --json
expect_in "$out" '"warnings":[],"peers":[]' "json: nothing to warn"

# viable but driverless: not usable now, fix named
rm -f "$(readlink -f "$R/sys/bus/pci/devices/0000:05:00.0")/driver"
run --root "$R" explain 05:00.0
expect_rc 1 "driverless device"
expect_in "$out" "0000:05:00.0 has no driver, not a VFIO driver" "driverless said"
expect_in "$out" "Fix: dmaown assign 0000:05:00.0" "driverless fix"

# no IOMMU group; bad input
F=$T/fake
"$MKFAKE" "$F" || { echo "mkfake failed"; exit 1; }
run --root "$F" explain 00:13.0
expect_rc 1 "no IOMMU group"
expect_in "$out" "Fix: enable the IOMMU" "no-group fix"
run --root "$F" explain 00:13.0 --json
expect_rc 1 "no IOMMU group --json"
expect_in "$out" '"usable":false' "no-group json"
expect_in "$out" '"fix":"enable the IOMMU' "no-group json fix"
run --root "$F" explain 00:12.0
expect_rc 1 "bridge in a blocked group"
run --root "$F" explain zz:zz
expect_rc 2 "malformed BDF"
run --root "$F" explain 00:1f.7
expect_rc 2 "unknown device"
run --root "$F" explain
expect_rc 2 "no BDF"
run --root "$F" explain 06:01.0 --bogus
expect_rc 2 "unknown option"

[ "$fails" = 0 ] && echo "all explain scenarios passed"
exit $((fails > 0))
