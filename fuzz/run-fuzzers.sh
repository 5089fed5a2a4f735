#!/bin/sh
# run-fuzzers.sh BUILDDIR SECONDS - run each libFuzzer target of a build
# made with -Dfuzz=true for SECONDS seconds on its seed corpus (copied, so
# the seeds stay as committed); fail on the first crash.  Builds nothing.
set -eu
if [ $# -ne 2 ]; then
	echo "usage: $0 BUILDDIR SECONDS" >&2
	exit 2
fi
build=$(cd "$1" && pwd)
secs=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
for name in config lspci-text lspci-dump snapshot script cmdline acpi broker; do
	bin=$build/fuzz/fuzz-$name
	if [ ! -x "$bin" ]; then
		echo "run-fuzzers: $bin missing (meson setup -Dfuzz=true with clang)" >&2
		exit 2
	fi
	mkdir -p "$work/$name"
	cp "$here/corpus/$name"/* "$work/$name/" 2>/dev/null || true
	echo "== fuzz-$name for ${secs}s"
	if ! (cd "$work" && ASAN_OPTIONS=detect_leaks=1 "$bin" \
		-max_total_time="$secs" -max_len=16384 -timeout=10 \
		-artifact_prefix="$work/crash-$name-" "$work/$name" \
		>"$work/$name.log" 2>&1); then
		tail -40 "$work/$name.log" >&2
		mkdir -p "$build/fuzz-artifacts"
		cp "$work"/crash-"$name"-* "$build/fuzz-artifacts/" 2>/dev/null || true
		echo "run-fuzzers: fuzz-$name failed; artifacts in $build/fuzz-artifacts" >&2
		status=1
	else
		grep -E '^Done|stat::number_of_executed_units' "$work/$name.log" | tail -1 || true
	fi
done
exit $status
