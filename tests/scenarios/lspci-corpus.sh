#!/bin/sh
# lspci-corpus.sh - predictions from pasted lspci text, measured against
# the kernel's groups of the real machines in $SHARED/iommu-corpus.
#
# Per machine every file but SOURCE.md and dmi.md is concatenated (lspci
# output and group listings as people paste them) and fed to
# `dmaown --lspci-text F groups --diff`.  Checked on every machine:
#  - the prediction is never narrower than the kernel without a stated
#    reason: a kernel group split over several predicted groups must carry
#    an explanation naming an inferred/unknown bus hierarchy or a quirk /
#    kernel-version difference.  Unreadable ACS does not excuse a split:
#    the predictor then assumes no ACS, which only ever widens groups;
#  - no regression: exact matches >= the count recorded in
#    tests/fixtures/lspci/CORPUS.md.
# `lspci-corpus.sh --write` prints the table for CORPUS.md instead.
# Needs $DMAOWN, $SRCDIR, $SHARED.
set -u
fail() { echo "FAIL: $*" >&2; status=1; }
status=0
write=${1:-}
corpus=${SHARED:-$SRCDIR/../shared}/iommu-corpus
table=$SRCDIR/tests/fixtures/lspci/CORPUS.md
[ -d "$corpus" ] || { echo "SKIP: no corpus at $corpus"; exit 77; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT

n=0
rows=
for dir in "$corpus"/*/; do
	m=$(basename "$dir")
	: > "$t/in"
	for f in "$dir"*; do
		case $(basename "$f") in SOURCE.md|dmi.md) continue ;; esac
		cat "$f" >> "$t/in"
		echo >> "$t/in"
	done
	if ! "$DMAOWN" --lspci-text "$t/in" groups > "$t/groups" 2> "$t/err"; then
		why=$(sed 's/^[^:]*: [^:]*:[0-9]*: //' "$t/err" | head -n 1)
		rows="$rows| $m | - | - | - | input rejected: $why |
"
		continue
	fi
	kg=$(grep -c '^group [0-9]' "$t/groups")
	[ "$kg" -gt 0 ] || continue	# no group listing: nothing to measure
	devs=$(grep -cE '^  [0-9a-f]{4,}:' "$t/groups")
	"$DMAOWN" --lspci-text "$t/in" groups --diff > "$t/diff" 2>&1
	rc=$?
	[ $rc -le 1 ] || { fail "$m: groups --diff exit $rc"; cat "$t/diff" >&2; continue; }
	# one summary line per kernel group that differs:
	# "<split 0/1> <reasons>"
	awk '
	function flush() {
		if (!inblk) return
		split_ = ngrp > 1
		print split_, (acs ? "acs " : "") (hier ? "hier " : "") \
			(hunk ? "hierunknown " : "") (quirk ? "quirk " : "") \
			(wider ? "wider" : "")
		inblk = 0
	}
	/^kernel group [0-9]+ differs:/ {
		flush(); inblk = 1; ngrp = 0; delete seen
		acs = hier = hunk = quirk = wider = 0; next
	}
	/^not in any kernel group/ { flush(); next }
	inblk && /^  [0-9a-f]+:.* predicted group / {
		g = $0; sub(/.* predicted group /, "", g); sub(/:.*/, "", g)
		if (!(g in seen)) { seen[g] = 1; ngrp++ }
		next
	}
	inblk && /^  explanation:/ {
		if ($0 ~ /ACS not readable/) acs = 1
		if ($0 ~ /bus hierarchy inferred/) hier = 1
		if ($0 ~ /bus hierarchy unknown/) hunk = 1
		if ($0 ~ /quirk/) quirk = 1
		next
	}
	END { flush() }' "$t/diff" > "$t/blocks"
	nd=$(wc -l < "$t/blocks")
	matched=$((kg - nd))
	while read -r sp reasons; do
		[ "$sp" = 1 ] || continue
		case " $reasons " in
		*" hier "*|*" hierunknown "*|*" quirk "*) ;;
		*) fail "$m: a kernel group is split with no stated reason" ;;
		esac
	done < "$t/blocks"
	splits=$(awk '$1 == 1' "$t/blocks" | wc -l)
	acsn=$(grep -c ' acs ' "$t/blocks")
	hiern=$(grep -cE ' hier(unknown)? ' "$t/blocks")
	quirkn=$(grep -c 'quirk' "$t/blocks")
	reasons="$nd differ ($splits split)"
	[ "$nd" -eq 0 ] || reasons="$reasons: ACS unreadable $acsn, hierarchy inferred $hiern, quirk/version $quirkn"
	rows="$rows| $m | $devs | $kg | $matched | $reasons |
"
	n=$((n + 1))
	if [ -z "$write" ] && [ -f "$table" ]; then
		want=$(awk -F'|' -v m="$m" '
			{ x = $2; gsub(/ /, "", x) }
			x == m { y = $5; gsub(/ /, "", y); print y }' "$table")
		case $want in
		''|-) ;;
		*) [ "$matched" -ge "$want" ] ||
			fail "$m: $matched kernel groups matched, CORPUS.md records $want" ;;
		esac
	fi
done

if [ -n "$write" ]; then
	printf '| machine | devices | kernel groups | matched exactly | differences |\n'
	printf '|---|---|---|---|---|\n'
	printf '%s' "$rows"
	exit 0
fi
printf '%s' "$rows"
[ "$n" -ge 5 ] || fail "only $n corpus machines could be measured"
exit $status
