#!/bin/bash
# The whole test suite, from a fresh Debian 12 machine (root):
#   install dependencies, build with warnings as errors, run the unit and
#   scenario tests, the same tests under ASan+UBSan, the fuzzers briefly,
#   and the quick real-kernel bench in QEMU.  Ends with "N passed, N failed".
#
#   scripts/test.sh            everything (what .ci/run runs)
#   scripts/test.sh --no-vm    skip the QEMU bench (developer loop)
set -u -o pipefail
cd "$(dirname "$0")/.."
SRC=$(pwd)
BUILD=${DMAOWN_BUILD:-$SRC/build-ci}
VM=1
[ "${1:-}" = "--no-vm" ] && VM=0
passed=0
failed=0

stage() { echo; echo "=== $* ==="; }

# count meson's summary of the last run (Ok/Fail/Timeout lines)
tally_meson() {
	local log=$1 ok fail to
	ok=$(sed -n 's/^Ok: *\([0-9]*\).*/\1/p' "$log" | tail -1)
	fail=$(sed -n 's/^Fail: *\([0-9]*\).*/\1/p' "$log" | tail -1)
	to=$(sed -n 's/^Timeout: *\([0-9]*\).*/\1/p' "$log" | tail -1)
	passed=$((passed + ${ok:-0}))
	failed=$((failed + ${fail:-0} + ${to:-0}))
	if [ -z "$ok" ]; then
		echo "no test summary in $log"
		failed=$((failed + 1))
	fi
}

stage "dependencies"
if ! scripts/install-deps.sh --vm; then
	echo "dependency install failed"
	echo "0 passed, 1 failed"
	exit 1
fi

stage "build (warnings are errors)"
if [ ! -d "$BUILD" ]; then
	meson setup "$BUILD" -Dwerror=true >/dev/null || failed=$((failed + 1))
fi
if ! ninja -C "$BUILD"; then
	echo "build failed"
	echo "0 passed, $((failed + 1)) failed"
	exit 1
fi

stage "unit and scenario tests"
meson test -C "$BUILD" --no-suite vm --print-errorlogs 2>&1 | tee "$BUILD/test.log"
tally_meson "$BUILD/test.log"

stage "sanitizers (ASan + UBSan)"
ASAN=$BUILD-asan
if [ ! -d "$ASAN" ]; then
	meson setup "$ASAN" -Db_sanitize=address,undefined -Db_lundef=false \
		-Dbuildtype=debug >/dev/null
fi
if ninja -C "$ASAN" >/dev/null; then
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		meson test -C "$ASAN" --no-suite vm --no-suite slow \
		--print-errorlogs 2>&1 | tee "$ASAN/test.log"
	tally_meson "$ASAN/test.log"
else
	echo "sanitizer build failed"
	failed=$((failed + 1))
fi

if [ -x fuzz/run-fuzzers.sh ]; then
	stage "fuzzers (brief)"
	FUZZ=$BUILD-fuzz
	if [ ! -d "$FUZZ" ]; then
		CC=clang meson setup "$FUZZ" -Dfuzz=true -Dtests=false \
			-Db_lundef=false >/dev/null
	fi
	if ninja -C "$FUZZ" >/dev/null && fuzz/run-fuzzers.sh "$FUZZ" 15; then
		passed=$((passed + 1))
	else
		echo "fuzzing found a problem (or did not build)"
		failed=$((failed + 1))
	fi
fi

if [ "$VM" = 1 ] && [ -x tests/vm/test-fail-loud.sh ]; then
	stage "real-kernel bench: broken boots must fail"
	if tests/vm/test-fail-loud.sh 2>&1 | tee "$BUILD/vm-fail-loud.log"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
fi

if [ "$VM" = 1 ] && [ -x tests/vm/run-bench.sh ]; then
	stage "real-kernel bench (quick)"
	if tests/vm/run-bench.sh --quick -b "$BUILD" 2>&1 | tee "$BUILD/vm.log"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
fi

echo
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
