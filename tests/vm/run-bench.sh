#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# run-bench.sh - the real-kernel bench: Debian kernels under QEMU (TCG) with
# emulated Intel and AMD IOMMUs judge dmaown's group prediction and its
# ownership model.
#
#   run-bench.sh [--quick|--full] [-b BUILDDIR] [-o OUTDIR] [-j JOBS]
#                [--save-fixtures] [--snapshot-only]
#
#   --quick          every topology once (kernel and IOMMU rotating so that
#                    both kernels and both IOMMUs are covered) and every
#                    step script once (kernels alternating); CI runs this
#   --full           topology x kernel x IOMMU, and script x kernel
#   -b BUILDDIR      meson build dir with src/dmaown (default: build-vm)
#   -o OUTDIR        results (default: BUILDDIR/vm-results)
#   -j JOBS          QEMU instances at once (default 2)
#   --save-fixtures  copy each snapshot and its kernel groups to
#                    tests/fixtures/vm/KERNEL-IOMMU-TOPO/
#   --only REGEX     run only the jobs ("topo|sim|assign|daemon KERNEL IOMMU
#                    NAME")
#                    matching
#   --snapshot-only  do not fail because `dmaown predict`/`sim` are missing
#                    (for collecting fixtures while they are written)
#
# For each topology boot: the kernel's groups, compared as sets of sets
# with `dmaown predict --json` run in the guest and with
# `dmaown --root SNAPSHOT-WITHOUT-GROUPS predict --json` run here.  For each
# step script: `dmaown sim --live` in the guest against `dmaown --root
# SNAPSHOT-WITHOUT-GROUPS sim` here (groups predicted), step by step.  For each assign job: tests/vm/assign/
# assign.sh (quick or full, as the run) in the guest moves the topology's
# multi-device groups with `dmaown assign/release/recover`, injects real
# failures, kills and races, and checks the host after each; every check
# must pass.  For each daemon job: tests/vm/daemon/daemon.sh in the guest
# runs dmaownd and leases the topology's multi-device groups to
# unprivileged clients (VFIO use of the passed fd, kill -9, denial,
# EBUSY, SIGTERM); every check must pass.  Exit 0 only if every boot worked and
# everything matched; the table is OUTDIR/results.md.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)

die() {
	echo "run-bench: $*" >&2
	exit 1
}

# ---- one job (run through xargs -P) -------------------------------------
# job LINE: "topo KERNEL IOMMU NAME", "sim KERNEL IOMMU SCRIPT",
# "assign KERNEL IOMMU TOPO" or "daemon KERNEL IOMMU TOPO"
if [ "${1:-}" = "--job" ]; then
	shift
	kind=$1 kname=$2 iommu=$3 name=$4
	out=$DMAOWN_BENCH_OUT
	kdir=$DMAOWN_BENCH_CACHE/$kname
	initrd=$out/initramfs-$kname.cpio
	dmaown=${DMAOWN_BENCH_DMAOWN:-}
	if [ "$kind" = topo ]; then
		topo=$here/topologies/$name.topo
		id=$kname-$iommu-$name
	elif [ "$kind" = assign ]; then
		topo=$here/topologies/$name.topo
		id=assign-$kname-$iommu-$name
		# a few hundred dmaown runs under TCG
		DMAOWN_VM_TIMEOUT=${DMAOWN_VM_TIMEOUT_ASSIGN:-600}
		export DMAOWN_VM_TIMEOUT
	elif [ "$kind" = daemon ]; then
		topo=$here/topologies/$name.topo
		id=daemon-$kname-$iommu-$name
		DMAOWN_VM_TIMEOUT=${DMAOWN_VM_TIMEOUT_DAEMON:-400}
		export DMAOWN_VM_TIMEOUT
	else
		script=$here/scripts/$name.sim
		tname=$(sed -n 's/^#[[:space:]]*topology:[[:space:]]*\([^[:space:]]*\).*/\1/p' \
			"$script" | head -n 1)
		[ -n "$tname" ] || tname=switch-bridge
		topo=$here/topologies/$tname.topo
		id=sim-$kname-$iommu-$name
	fi
	dir=$out/runs/$id
	rm -rf "$dir"
	mkdir -p "$dir"
	res=$out/status/$id
	mkdir -p "$out/status"
	suite=$DMAOWN_BENCH_MODE
	{
		sed -n 's/^#@guest[[:space:]]*/sh /p' "$topo"
		echo groups
		echo "snapshot $name"
		[ "$kind" = sim ] && echo "sim $name.sim"
		[ "$kind" = assign ] && echo "assign $suite"
		[ "$kind" = daemon ] && echo "daemon $suite"
		echo dmesg
	} >"$dir/run.conf"
	if ! "$here/boot.sh" -k "$kdir" -r "$initrd" -i "$iommu" -t "$topo" \
		-c "$dir/run.conf" -o "$dir" >"$dir/boot.log" 2>&1; then
		cat "$dir/boot.log" >&2
		echo "BOOT-FAILED" >"$res"
		exit 0
	fi
	if ! python3 "$here/vmtool.py" extract "$dir/console.log" "$dir/res" \
		>>"$dir/boot.log" 2>&1; then
		cat "$dir/boot.log" >&2
		echo "NO-RESULTS" >"$res"
		exit 0
	fi
	snap=$dir/res/snapshot-$name
	python3 "$here/vmtool.py" kgroups "$snap" >"$dir/kernel-groups.txt" ||
		{ echo "NO-GROUPS" >"$res"; exit 0; }
	if [ -n "${DMAOWN_BENCH_SAVE:-}" ] && [ "$kind" = topo ]; then
		fx=$src/tests/fixtures/vm/$id
		rm -rf "$fx"
		mkdir -p "$fx"
		(cd "$snap" && tar cf - --exclude=./.bench .) | (cd "$fx" && tar xf -)
		cp "$dir/kernel-groups.txt" "$fx/kernel-groups.txt"
	fi
	verdict=
	if [ "$kind" = assign ] || [ "$kind" = daemon ]; then
		txt=$dir/res/$kind-$suite.txt
		arc=$(cat "$dir/res/$kind-$suite.rc" 2>/dev/null || echo none)
		np=$(grep -c '^PASS ' "$txt" 2>/dev/null || true)
		nf=$(grep -c '^FAIL ' "$txt" 2>/dev/null || true)
		if [ "$arc" = 127 ] || [ -z "$dmaown" ]; then
			verdict=NO-$(echo "$kind" | tr a-z A-Z)
		elif [ "$arc" = 0 ] && [ "${nf:-0}" = 0 ] && [ "${np:-0}" -gt 0 ]; then
			verdict="match ($np checks)"
		else
			verdict="FAILED ($nf of $((np + nf)) checks, exit $arc)"
			grep '^FAIL ' "$txt" | head -n 20 | sed "s/^/run-bench: $id: /" >&2
		fi
	elif [ "$kind" = topo ]; then
		# the guest's own prediction (groups visible, never read)
		if [ "$(cat "$snap/.bench/predict.rc" 2>/dev/null)" = 0 ]; then
			if python3 "$here/vmtool.py" compare "$dir/kernel-groups.txt" \
				"$snap/.bench/predict.json" >"$dir/compare-guest.txt" 2>&1; then
				verdict=match
			else
				verdict=MISMATCH
			fi
		else
			verdict=NO-PREDICT
		fi
		# the same from the snapshot without group data, here
		if [ -n "$dmaown" ]; then
			cp -a "$snap" "$dir/stripped"
			python3 "$here/vmtool.py" strip "$dir/stripped"
			if "$dmaown" --root "$dir/stripped" predict --json \
				>"$dir/predict-host.json" 2>"$dir/predict-host.err"; then
				python3 "$here/vmtool.py" compare "$dir/kernel-groups.txt" \
					"$dir/predict-host.json" >"$dir/compare-host.txt" 2>&1 ||
					verdict=MISMATCH
			else
				[ "$verdict" = match ] && verdict=HOST-PREDICT-FAILED
			fi
		fi
	else
		live=$dir/res/sim-$name.sim.txt
		if [ "$(cat "$dir/res/sim-$name.sim.rc")" = 127 ] || [ -z "$dmaown" ]; then
			verdict=NO-SIM
		else
			# the model on the snapshot WITHOUT the kernel's groups:
			# groups predicted from config space, ownership modelled
			cp -a "$snap" "$dir/stripped"
			python3 "$here/vmtool.py" strip "$dir/stripped"
			"$dmaown" --root "$dir/stripped" sim --profile auto "$script" \
				>"$dir/sim-model.txt" 2>&1 || true
			if python3 "$here/vmtool.py" simcmp "$live" "$dir/sim-model.txt" \
				>"$dir/compare-sim.txt" 2>&1; then
				verdict=match
			else
				verdict=MISMATCH
			fi
		fi
	fi
	echo "$verdict $(cat "$dir/seconds")s" >"$res"
	echo "run-bench: $id: $verdict" >&2
	exit 0
fi

# ---- the driver -------------------------------------------------------------
mode=quick build='' out='' jobs=2 save='' snaponly='' only=''
while [ $# -gt 0 ]; do
	case $1 in
	--quick) mode=quick ;;
	--full) mode=full ;;
	-b) build=$2; shift ;;
	-o) out=$2; shift ;;
	-j) jobs=$2; shift ;;
	--save-fixtures) save=1 ;;
	--snapshot-only) snaponly=1 ;;
	--only) only=$2; shift ;;
	*) die "unknown argument $1 (see the header of $0)" ;;
	esac
	shift
done
build=${build:-$src/build-vm}
out=${out:-$build/vm-results}
command -v qemu-system-x86_64 >/dev/null ||
	die "qemu-system-x86_64 missing: run scripts/install-deps.sh --vm"
dmaown=
if [ -x "$build/src/dmaown" ]; then
	dmaown=$build/src/dmaown
else
	echo "run-bench: WARNING: no $build/src/dmaown; only snapshots are taken" >&2
fi

start=$(date +%s)
cache=${DMAOWN_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dmaown-vm}
kernels=$("$here/fetch-kernels.sh" "$cache") || die "cannot fetch the kernels"
rm -rf "$out/status"
mkdir -p "$out"
out=$(cd "$out" && pwd)
knames=
for k in $(echo "$kernels" | awk '{ print $1 }'); do
	knames="$knames $k"
	"$here/mkinitramfs.sh" -k "$cache/$k" -o "$out/initramfs-$k.cpio" \
		${dmaown:+-b "$build"} || die "cannot build the initramfs for $k"
done
set -- $knames
k1=$1 k2=$2

joblist=$out/jobs
: >"$joblist"
i=0
for t in "$here"/topologies/*.topo; do
	t=$(basename "$t" .topo)
	if [ "$mode" = full ]; then
		for k in $knames; do
			for m in intel amd; do
				echo "topo $k $m $t" >>"$joblist"
			done
		done
	else
		case $((i % 4)) in
		0) echo "topo $k1 intel $t" ;;
		1) echo "topo $k2 amd $t" ;;
		2) echo "topo $k2 intel $t" ;;
		3) echo "topo $k1 amd $t" ;;
		esac >>"$joblist"
	fi
	i=$((i + 1))
done
i=0
for s in "$here"/scripts/*.sim; do
	[ -f "$s" ] || continue
	s=$(basename "$s" .sim)
	if [ "$mode" = full ]; then
		for k in $knames; do
			echo "sim $k intel $s" >>"$joblist"
		done
	elif [ $((i % 2)) = 0 ]; then
		echo "sim $k1 intel $s" >>"$joblist"
	else
		echo "sim $k2 intel $s" >>"$joblist"
	fi
	i=$((i + 1))
done

# group moves: topologies with multi-device groups (tests/vm/assign);
# --quick: one each kernel, both kernels covered
if [ "$mode" = full ]; then
	for k in $knames; do
		for t in pci-bridges mf-endpoint switch-bridge; do
			echo "assign $k intel $t" >>"$joblist"
		done
	done
else
	echo "assign $k1 intel pci-bridges" >>"$joblist"
	echo "assign $k2 intel mf-endpoint" >>"$joblist"
fi

# dmaownd leasing groups to unprivileged clients (tests/vm/daemon);
# --quick: one job, the kernel opposite the pci-bridges assign job
if [ "$mode" = full ]; then
	for k in $knames; do
		for t in pci-bridges switch-bridge; do
			echo "daemon $k intel $t" >>"$joblist"
		done
	done
else
	echo "daemon $k2 intel pci-bridges" >>"$joblist"
fi

if [ -n "$only" ]; then
	grep -E -- "$only" "$joblist" >"$joblist.only" || die "--only $only matches no job"
	mv "$joblist.only" "$joblist"
fi
echo "run-bench: $mode: $(wc -l <"$joblist") boots, $jobs at a time, results in $out" >&2
export DMAOWN_BENCH_OUT=$out DMAOWN_BENCH_CACHE=$cache
export DMAOWN_BENCH_DMAOWN=$dmaown DMAOWN_BENCH_SAVE=$save
export DMAOWN_BENCH_MODE=$mode
xargs -P "$jobs" -L 1 "$0" --job <"$joblist"
end=$(date +%s)

# ---- the table --------------------------------------------------------------
fail=0
{
	echo "| run | kernel | IOMMU | topology / script | result |"
	echo "|---|---|---|---|---|"
	while read -r kind k m name; do
		id=$kind-$k-$m-$name
		[ "$kind" = topo ] && id=$k-$m-$name
		r=$(cat "$out/status/$id" 2>/dev/null || echo "NO-STATUS")
		echo "| $kind | $k | $m | $name | $r |"
	done <"$joblist"
	echo
	echo "$mode run: $(wc -l <"$joblist") boots in $((end - start)) s (-j $jobs)"
} >"$out/results.md"
cat "$out/results.md"
while read -r kind k m name; do
	id=$kind-$k-$m-$name
	[ "$kind" = topo ] && id=$k-$m-$name
	r=$(cat "$out/status/$id" 2>/dev/null || echo "NO-STATUS")
	case $r in
	match*) ;;
	NO-PREDICT* | NO-SIM* | NO-ASSIGN* | NO-DAEMON*)
		[ -n "$snaponly" ] || { echo "run-bench: $id: $r" >&2; fail=1; } ;;
	*) echo "run-bench: $id: FAILED: $r (see $out/runs/$id)" >&2; fail=1 ;;
	esac
done <"$joblist"
if [ "$fail" != 0 ]; then
	echo "run-bench: FAILED" >&2
	exit 1
fi
if [ -n "$snaponly" ] && grep -q 'NO-' "$out/results.md"; then
	echo "run-bench: no failures, but some comparisons were skipped (--snapshot-only)" >&2
else
	echo "run-bench: all matched" >&2
fi
