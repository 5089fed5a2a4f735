#!/bin/sh
# snapshot.sh - `dmaown snapshot` CLI: round trip of a --root tree, refusal
# to overwrite, bad arguments, and --no-groups.  Needs $DMAOWN, $SRCDIR.
set -u
fail() { echo "FAIL: $*" >&2; exit 1; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT

# a minimal tree: one host bridge in group 0
r=$t/root
d=$r/sys/devices/pci0000:00/0000:00:00.0
mkdir -p "$d" "$r/sys/bus/pci/devices" "$r/sys/kernel/iommu_groups/0/devices" "$r/proc"
printf '\206\200\302\076\000\000\000\000\007\000\000\006' > "$d/config"
head -c 52 /dev/zero >> "$d/config"
echo 0x8086 > "$d/vendor"; echo 0x3ec2 > "$d/device"; echo 0x060000 > "$d/class"
ln -s ../../../devices/pci0000:00/0000:00:00.0 "$r/sys/bus/pci/devices/0000:00:00.0"
ln -s ../../../kernel/iommu_groups/0 "$d/iommu_group"
ln -s ../../../../devices/pci0000:00/0000:00:00.0 "$r/sys/kernel/iommu_groups/0/devices/0000:00:00.0"
echo "intel_iommu=on" > "$r/proc/cmdline"

"$DMAOWN" --root "$r" snapshot "$t/s1" >/dev/null || fail "snapshot failed"
[ -L "$t/s1/sys/bus/pci/devices/0000:00:00.0" ] || fail "device link not copied"
[ -L "$t/s1/sys/kernel/iommu_groups/0/devices/0000:00:00.0" ] || fail "groups not copied"
cmp -s "$d/config" "$t/s1/sys/devices/pci0000:00/0000:00:00.0/config" || fail "config differs"
a=$("$DMAOWN" --root "$r" list 2>&1) || fail "list on tree failed"
b=$("$DMAOWN" --root "$t/s1" list 2>&1) || fail "list on snapshot failed"
[ "$a" = "$b" ] || fail "list differs between tree and snapshot"

"$DMAOWN" --root "$r" snapshot --no-groups "$t/s2" >/dev/null || fail "--no-groups failed"
[ -e "$t/s2/sys/kernel/iommu_groups" ] && fail "--no-groups kept iommu_groups"
[ -e "$t/s2/sys/devices/pci0000:00/0000:00:00.0/iommu_group" ] && fail "--no-groups kept the link"

err=$("$DMAOWN" --root "$r" snapshot "$t/s1" 2>&1); rc=$?
[ $rc -eq 2 ] || fail "overwrite: exit $rc"
[ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "overwrite: not one line: $err"
case $err in *"$t/s1"*) ;; *) fail "overwrite: error does not name the dir: $err" ;; esac

"$DMAOWN" snapshot >/dev/null 2>&1; [ $? -eq 2 ] || fail "missing OUTDIR not exit 2"
"$DMAOWN" snapshot --bogus "$t/x" >/dev/null 2>&1; [ $? -eq 2 ] || fail "bad option not exit 2"
"$DMAOWN" --root "$t/nonexistent" snapshot "$t/s3" >/dev/null 2>&1; [ $? -eq 2 ] || fail "bad root not exit 2"

# a snapshot survives git (which drops empty directories): the loaded
# drivers and IOMMU units are still there after a commit and a clone
if command -v git >/dev/null; then
	[ -z "$(find "$t/s1" -type d -empty)" ] || fail "snapshot has empty directories"
	mkdir -p "$t/g" && cp -r "$t/s1" "$t/g/snap"
	(cd "$t/g" && git init -q && git add -A &&
	 git -c user.name=t -c user.email=t@t commit -qm s) || fail "git commit"
	git clone -q "$t/g" "$t/gc" || fail "git clone"
	a=$(ls "$t/s1/sys/bus/pci/drivers" | sort | tr '\n' ' ')
	b=$(ls "$t/gc/snap/sys/bus/pci/drivers" | sort | tr '\n' ' ')
	[ "$a" = "$b" ] || fail "drivers lost through git: [$a] vs [$b]"
fi

# a corrupt tree: one line naming the path, exit 2
echo banana > "$d/vendor"
err=$("$DMAOWN" --root "$r" list 2>&1); rc=$?
[ $rc -eq 2 ] || fail "corrupt vendor: exit $rc"
case $err in *"0000:00:00.0/vendor"*) ;; *) fail "corrupt vendor: $err" ;; esac
echo ok
