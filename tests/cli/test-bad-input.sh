#!/bin/bash
# Every command, fed bad input, exits 1 or 2 with a short error on stderr
# and never dies from a signal (no crash, no abort, no sanitizer report).
set -u
D=${DMAOWN:?}
SRC=${SRCDIR:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
n=0
FIX="$SRC/tests/fixtures/vm/6.1-intel-switch-bridge"

# sources that are broken in different ways
mkdir -p "$T/emptydir" "$T/junkroot/sys/bus/pci/devices"
echo "not a dir" >"$T/file"
head -c 5000 /dev/urandom >"$T/random.bin"
printf '00:1f.0 Host bridge [0600]: X [zzzz:qqqq]\n\tBus: primary=00, secondary=ff, subordinate=01\n' >"$T/bad.txt"
printf '00:00.0 Host bridge\n00: 86 80 zz\n' >"$T/bad.dump"
ln -s /nonexistent "$T/junkroot/sys/bus/pci/devices/0000:00:00.0"
cp -r "$FIX" "$T/trunc"
for c in $(find "$T/trunc/sys/devices" -name config | head -3); do
	head -c 10 "$c" >"$c.new" && mv "$c.new" "$c"
done
cp -r "$FIX" "$T/garbage"
for f in $(find "$T/garbage/sys/devices" -name vendor | head -2); do
	printf '\xff\xfe garbage' >"$f"
done

sources=("--root $T/emptydir" "--root $T/file" "--root $T/junkroot"
	 "--root $T/trunc" "--root $T/garbage" "--root $T/missing"
	 "--lspci-text $T/random.bin" "--lspci-text $T/bad.txt"
	 "--lspci-dump $T/random.bin" "--lspci-dump $T/bad.dump"
	 "--lspci-dump $T/emptydir" "--lspci-text $T/missing")
cmds=("list" "list --json" "predict" "predict --json --model=spec"
      "groups --diff" "p2p" "p2p 00:00.0 99:00.0" "explain 00:00.0"
      "explain zz:zz.z" "assign 00:00.0 --dry-run" "release 00:00.0 --dry-run"
      "sim $T/random.bin" "snapshot $T/out-\$RANDOM")

run_one() { # source args, command args
	local rc
	# shellcheck disable=SC2086
	"$D" $1 $2 >"$T/out" 2>"$T/err" </dev/null
	rc=$?
	n=$((n + 1))
	if [ $rc -ge 128 ] || grep -q "Sanitizer\|runtime error" "$T/err"; then
		echo "FAIL - dmaown $1 $2: exit $rc (signal?)"
		head -5 "$T/err"
		fail=1
	elif [ $rc -ne 0 ] && [ ! -s "$T/err" ]; then
		echo "FAIL - dmaown $1 $2: exit $rc with no message"
		fail=1
	elif [ $rc -ne 0 ] && [ "$(wc -l <"$T/err")" -gt 3 ]; then
		echo "FAIL - dmaown $1 $2: error is $(wc -l <"$T/err") lines"
		fail=1
	fi
}

for s in "${sources[@]}"; do
	for c in "${cmds[@]}"; do
		run_one "$s" "$(eval echo "$c")"
	done
done
# bad arguments on a good source
for c in "explain" "assign" "assign 00:12.0 --driver nouveau --dry-run" \
	 "assign 00:12.0 --wait -3 --dry-run" "predict --model=maybe" \
	 "predict --kver=x.y" "groups --frob" "p2p 00:00.0" "sim" \
	 "list extra" "snapshot" "release" "recover --wait abc" \
	 "explain 0000:00:00.0 0000:00:00.1" "--profile 9.9 sim /dev/null"; do
	run_one "--root $FIX" "$c"
	if [ $? -eq 0 ] && [ "$(tail -c 1 "$T/out" 2>/dev/null)" = "" ]; then :; fi
done
echo "$n invocations checked"
exit $fail
