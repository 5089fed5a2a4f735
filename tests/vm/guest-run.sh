#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# guest-run.sh RUNCONF - the bench's payload inside the QEMU guest.
#
# RUNCONF has one action per line:
#   sh COMMAND...   run a setup command (e.g. enable SR-IOV VFs)
#   groups          print the kernel's IOMMU groups
#   snapshot NAME   snapshot the host (dmaown snapshot, else the fallback
#                   guest-snapshot.sh), add `dmaown predict --json`
#                   output if that works, and emit the directory as a
#                   base64 tar.gz
#   sim SCRIPT      run `dmaown sim --live /dmaown/scripts/SCRIPT`
#   assign SUITE    run /dmaown/assign/assign.sh SUITE (quick or full):
#                   dmaown assign/release/recover/explain on this kernel
#   daemon SUITE    run /dmaown/daemon/daemon.sh SUITE (quick or full):
#                   dmaownd leasing groups to unprivileged clients
#   dmesg           emit the kernel log
# Each result is printed between "==DMAOWN-BEGIN KIND NAME==" and
# "==DMAOWN-END KIND NAME RC==" on the console.  A failing action is
# reported through its RC and never stops the actions after it.
set -eu

conf=${1:?usage: guest-run.sh RUNCONF}

have_dmaown() {
	command -v dmaown >/dev/null 2>&1
}

begin() {
	echo "==DMAOWN-BEGIN $1 $2=="
}

end() {
	echo "==DMAOWN-END $1 $2 $3=="
}

do_groups() {
	begin groups kernel
	for g in /sys/kernel/iommu_groups/*; do
		[ -d "$g" ] || continue
		printf '%s:' "${g##*/}"
		for d in "$g"/devices/*; do
			if [ -e "$d" ]; then
				printf ' %s' "${d##*/}"
			fi
		done
		echo
	done
	end groups kernel 0
}

do_snapshot() {
	name=$1
	snap=/tmp/snap-$name
	rm -rf "$snap"
	how=fallback
	if have_dmaown && dmaown snapshot "$snap" >/tmp/snap.log 2>&1; then
		how=dmaown
	else
		if have_dmaown && [ -f /tmp/snap.log ]; then
			sed 's/^/snapshot: /' /tmp/snap.log
		fi
		rm -rf "$snap"
		sh /dmaown/guest-snapshot.sh "$snap" / ||
			echo "==DMAOWN-WARN== guest-snapshot.sh failed"
	fi
	mkdir -p "$snap/.bench"
	echo "$how" >"$snap/.bench/snapshot-by"
	if have_dmaown; then
		rc=0
		dmaown predict --json >"$snap/.bench/predict.json" \
			2>"$snap/.bench/predict.err" || rc=$?
		echo "$rc" >"$snap/.bench/predict.rc"
	fi
	begin snapshot "$name"
	rc=0
	(cd "$snap" && tar czf - .) | base64 || rc=$?
	end snapshot "$name" "$rc"
}

do_sim() {
	script=$1
	begin sim "$script"
	rc=127
	if have_dmaown; then
		rc=0
		dmaown sim --live "/dmaown/scripts/$script" 2>&1 || rc=$?
	else
		echo "dmaown is not in the initramfs"
	fi
	end sim "$script" $rc
}

while read -r action arg; do
	case $action in
	'' | '#'*) ;;
	sh)
		begin sh setup
		rc=0
		sh -c "$arg" 2>&1 || rc=$?
		end sh setup "$rc" ;;
	groups) do_groups ;;
	snapshot) do_snapshot "$arg" ;;
	sim) do_sim "$arg" ;;
	assign)
		begin assign "$arg"
		rc=127
		if have_dmaown; then
			rc=0
			sh /dmaown/assign/assign.sh "$arg" 2>&1 || rc=$?
		else
			echo "dmaown is not in the initramfs"
		fi
		end assign "$arg" "$rc" ;;
	daemon)
		begin daemon "$arg"
		rc=127
		if have_dmaown && command -v dmaownd >/dev/null 2>&1; then
			rc=0
			sh /dmaown/daemon/daemon.sh "$arg" 2>&1 || rc=$?
		else
			echo "dmaownd is not in the initramfs"
		fi
		end daemon "$arg" "$rc" ;;
	dmesg) begin dmesg kernel; dmesg; end dmesg kernel 0 ;;
	*) echo "==DMAOWN-WARN== unknown action $action" ;;
	esac
done <"$conf"
