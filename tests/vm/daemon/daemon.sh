#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# daemon.sh SUITE - dmaownd against the running kernel (the real-kernel
# bench's guest payload; run by guest-run.sh, never on a host).
#
#   SUITE full   every scenario on every multi-device group that has a
#                member on a DMA-API driver
#   SUITE quick  the same on the largest such group only (CI)
#
# dmaownd runs with its defaults (socket /run/dmaownd.sock, state
# /run/dmaown + /var/lib/dmaown, policy /etc/dmaown/policy) and
# --socket-group dmaown.  The clients are tests/daemon/client.c run
# through su as users of that group: tester (uid 1000, allowed the whole
# group), mallory (uid 1001, allowed one member only, or nothing).
# Per group G (R = its first member on a DMA-API driver):
#   1  mallory's acquire: EPERM, nothing moves; a user outside the socket
#      group cannot connect
#   2  tester acquires R: the answer names G, the passed fd is
#      /dev/vfio/G and works as a VFIO group from the client
#      (GET_STATUS viable, SET_CONTAINER, SET_IOMMU TYPE1v2); every
#      endpoint of G is on vfio-pci with that override, nothing else
#      moved; a lease and a journal record exist; tester cannot open
#      /dev/vfio/G itself, root gets EBUSY
#   3  a second client (tester again) and mallory: EBUSY / EPERM, nothing
#      moves; status names the holder
#   4  kill -9 of the client: the host is as at the start within
#      GIVEBACK_SECS, the records are gone
#   5  SIGTERM to the daemon while a client holds a lease and closes
#      the group on hangup: exit 0, the host as at the start, no record,
#      no socket
#   6  SIGTERM while the client keeps the group open: the daemon does
#      not unbind under it (exit 0, devices stay on vfio-pci, the lease
#      stays recorded); the next start adopts the lease; kill -9 of the
#      client gives the group back within GIVEBACK_SECS
#
# Prints "PASS name" / "FAIL name: why" lines and "daemon: P passed, F
# failed"; exits 1 if anything failed or nothing was tested.
set -u

suite=${1:-full}
T=/tmp/daemon
SD=/run/dmaown
S=/run/dmaownd.sock
CLIENT=/bin/dmaownd-client
GIVEBACK_SECS=10
rm -rf "$T" "$SD" /var/lib/dmaown
mkdir -p "$T" /etc/dmaown
npass=0
nfail=0
DPID=
HOLD=

. "$(dirname "$0")/../guest-lib.sh"

# the start state with the endpoints of group $1 on vfio-pci
assigned_state() {
	while read -r b rest; do
		g=${rest##*group=}
		if [ "$g" = "$1" ] && ! is_bridge "$b"; then
			echo "$b driver=vfio-pci override=vfio-pci group=$g"
		else
			echo "$b $rest"
		fi
	done <"$T/orig"
}
records() {
	ls "$SD"/group-* "$SD"/dmaownd/lease-* /var/lib/dmaown/group-* 2>/dev/null
}
# expect_state NAME FILE: the host is as FILE says
expect_state() {
	state >"$T/now"
	if cmp -s "$1" "$T/now"; then
		return 0
	fi
	diff "$1" "$T/now" | sed -n 's/^[-+]0/    &/p'
	return 1
}
# centiseconds since boot
now_cs() {
	read -r up _ </proc/uptime
	echo "${up%.*}${up#*.}" | sed 's/^0*//; s/^$/0/'
}
# wait_state FILE SECS: poll until the host is as FILE says; "$waited" cs
wait_state() {
	t0=$(now_cs)
	while :; do
		state >"$T/now"
		cmp -s "$1" "$T/now" && break
		[ $(($(now_cs) - t0)) -ge $(($2 * 100)) ] && break
		usleep 100000
	done
	waited=$(($(now_cs) - t0))
	cmp -s "$1" "$T/now"
}
secs() { printf '%d.%02d s' $(($1 / 100)) $(($1 % 100)); }

# as USER CMD...: run CMD as USER (su, no privileges), rc, $T/out
as() {
	u=$1
	shift
	su "$u" -c "exec $*" >"$T/out" 2>&1
	rc=$?
}
# hold NAME USER JSON [OPTS]: a client of USER that says hello, acquires
# and keeps the session; $HOLD is its pid (checked against the daemon's
# view: the hello answer).  With NOREAP=1 the client's parent is a sleep
# that never reaps it ($HOLD: the sleep, $HPID: the client)
hold() {
	name=$1 u=$2 json=$3
	shift 3
	# truncated here, not only by the child: an earlier client's
	# "holding" must not be read before the child runs
	: >"$T/$name.out"
	cmd="$CLIENT $S req --hold --vfio --check-fd /dev/vfio/$G $* '{\"op\":\"hello\",\"version\":1}' '$json'"
	if [ "${NOREAP:-}" = 1 ]; then
		su "$u" -c "$cmd & exec sleep 3600" >"$T/$name.out" 2>&1 &
	else
		su "$u" -c "exec $cmd" >"$T/$name.out" 2>&1 &
	fi
	HOLD=$!
	w=0
	until grep -q '^holding' "$T/$name.out" || [ $w -gt 600 ]; do
		kill -0 $HOLD 2>/dev/null || break
		usleep 100000
		w=$((w + 1))
	done
	HPID=$(sed -n 's/.*"server":"dmaownd","uid":[0-9]*,"pid":\([0-9]*\).*/\1/p' "$T/$name.out")
	grep -q '^holding' "$T/$name.out" && return 0
	if kill -0 "$HOLD" 2>/dev/null; then
		echo "(still running after $w tries)" >>"$T/$name.out"
	else
		wait "$HOLD"
		echo "(exit status $?)" >>"$T/$name.out"
		HOLD=
	fi
	return 1
}
kill_hold() {
	[ -n "$HOLD" ] || return 0
	kill -9 "$HOLD" 2>/dev/null
	wait "$HOLD" 2>/dev/null
	HOLD=
}

start_daemon() {
	dmaownd --foreground --socket-group dmaown 2>>"$T/daemon.log" &
	DPID=$!
	w=0
	until "$CLIENT" "$S" req '{"op":"hello","version":1}' >/dev/null 2>&1; do
		w=$((w + 1))
		if [ $w -gt 300 ] || ! kill -0 $DPID 2>/dev/null; then
			fail "$1: dmaownd did not start"
			sed 's/^/    | /' "$T/daemon.log" | tail -n 20
			DPID=
			return 1
		fi
		usleep 100000
	done
	return 0
}
# stop_daemon: SIGTERM, wait up to 60 s; $drc is its exit status
stop_daemon() {
	[ -n "$DPID" ] || { drc=none; return; }
	kill -TERM "$DPID"
	w=0
	while [ $w -lt 600 ]; do
		st=$(sed 's/.*) \(.\).*/\1/' "/proc/$DPID/stat" 2>/dev/null) ||
			break
		[ "$st" = Z ] && break
		usleep 100000
		w=$((w + 1))
	done
	if [ $w -ge 600 ]; then
		kill -9 "$DPID"
		wait "$DPID"
		drc=timeout
	else
		wait "$DPID"
		drc=$?
	fi
	DPID=
}
daemon_alive() {
	[ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null
}

# ---- the guest ------------------------------------------------------------
cat >/etc/passwd <<'EOF'
root:x:0:0:root:/root:/bin/sh
tester:x:1000:1000:dmaownd test client:/tmp:/bin/sh
mallory:x:1001:1001:denied client:/tmp:/bin/sh
outsider:x:1002:1002:not in the socket group:/tmp:/bin/sh
EOF
cat >/etc/group <<'EOF'
root:x:0:
dmaown:x:990:tester,mallory
tester:x:1000:
mallory:x:1001:
outsider:x:1002:
EOF
printf 'passwd: files\ngroup: files\n' >/etc/nsswitch.conf
chmod 1777 /tmp

for p in dmaownd "$CLIENT"; do
	command -v "$p" >/dev/null || {
		fail "setup: $p is not in the initramfs"
		echo "daemon: $npass passed, $nfail failed"
		exit 1
	}
done
note "kernel $(uname -r)"
if [ "$(su tester -c 'id -u')" = 1000 ] &&
	su tester -c id | grep -q '990(dmaown)'; then
	pass "setup: su runs as tester (uid 1000, group dmaown)"
else
	fail "setup: su tester: $(su tester -c id 2>&1)"
fi

# test groups: more than one member, at least one on a DMA-API driver
pick_groups "$suite" "$T/groups"
note "test groups (members group device endpoints):"
sed 's/^/#   /' "$T/groups"
[ -s "$T/groups" ] || fail "setup: no multi-device group with a DMA-API member"
state >"$T/orig"
note "start state:"
sed 's/^/#   /' "$T/orig"

one_group() {
	G=$1 R=$2 EPS=$3
	ACQ="{\"op\":\"acquire\",\"device\":\"$R\",\"driver\":\"vfio-pci\"}"
	# mallory: one member only when there are two endpoints (the
	# whole-group rule refuses), else nothing
	{
		echo "# dmaownd real-kernel bench, group $G"
		echo "allow user=tester group-of=$R driver=vfio-pci"
		[ "$EPS" -ge 2 ] && echo "allow user=mallory device=$R"
	} >/etc/dmaown/policy
	assigned_state "$G" >"$T/assigned"
	: >"$T/daemon.log"
	start_daemon "g$G" || return
	pass "g$G start: dmaownd ready"
	m=$(stat -c '%a %G' "$S" 2>/dev/null)
	[ "$m" = "660 dmaown" ] && pass "g$G socket: 0660 group dmaown" ||
		fail "g$G socket: mode/group '$m', want '660 dmaown'"

	# 1: denials (after tester's list: the socket is reachable)
	as tester "$CLIENT" "$S" req "'{\"op\":\"list\"}'"
	grep -q "\"group\":$G,\"state\":\"free\",\"drivers\":\[\"vfio-pci\"\]" "$T/out" &&
		pass "g$G 1 tester's list shows group $G free for vfio-pci" ||
		fail "g$G 1 tester's list: $(head -c 300 "$T/out")"
	as outsider "$CLIENT" "$S" req "'$ACQ'"
	if [ "$rc" != 0 ] && grep -q '^client: connect: Permission denied' "$T/out"; then
		pass "g$G 1 outsider cannot connect"
	else
		fail "g$G 1 outsider: rc $rc: $(head -c 300 "$T/out")"
	fi
	as mallory "$CLIENT" "$S" req "'$ACQ'"
	if grep -q '"ok":false,"error":"EPERM"' "$T/out"; then
		pass "g$G 1 mallory EPERM: $(sed -n 's/.*"message":"\([^"]*\)".*/\1/p' "$T/out")"
	else
		fail "g$G 1 mallory: rc $rc: $(head -c 300 "$T/out")"
	fi
	if expect_state "$T/orig" && [ -z "$(records)" ]; then
		pass "g$G 1 nothing moved after the denials"
	else
		fail "g$G 1 the denials changed the host (records: $(records))"
	fi
	# 2: acquire from an unprivileged client, use the fd
	if ! hold a tester "$ACQ"; then
		fail "g$G 2 acquire: the client did not get to hold:"
		sed 's/^/    | /' "$T/a.out" | head -n 20
		kill_hold
		stop_daemon
		return
	fi
	A=$HOLD
	out=$(cat "$T/a.out")
	sed 's/^/#   a: /' "$T/a.out"
	hpid=$(sed -n 's/.*"server":"dmaownd","uid":\([0-9]*\),"pid":\([0-9]*\).*/\1 \2/p' "$T/a.out")
	uid=$(sed -n 's/^Uid:[[:space:]]*\([0-9]*\)[[:space:]]*\([0-9]*\).*/\1 \2/p' "/proc/$A/status")
	if [ "$hpid" = "1000 $A" ] && [ "$uid" = "1000 1000" ]; then
		pass "g$G 2 the client (pid $A) runs as uid 1000, as the daemon sees it"
	else
		fail "g$G 2 client identity: hello '$hpid', /proc uid '$uid', pid $A"
	fi
	case $out in
	*"\"ok\":true,\"group\":$G,\"driver\":\"vfio-pci\",\"path\":\"/dev/vfio/$G\""*)
		pass "g$G 2 acquire answer names group $G and /dev/vfio/$G" ;;
	*) fail "g$G 2 acquire answer: $(echo "$out" | head -c 400)" ;;
	esac
	case $out in
	*"fd: same-file"*) pass "g$G 2 the passed fd is /dev/vfio/$G" ;;
	*) fail "g$G 2 the passed fd is not /dev/vfio/$G" ;;
	esac
	for want in 'get-status flags 0x1 viable' 'set-container ok' \
		'set-iommu ok' 'get-status flags 0x3 container-set'; do
		if echo "$out" | grep -q "^vfio: $want\$"; then
			pass "g$G 2 client VFIO: $want"
		else
			fail "g$G 2 client VFIO: no '$want': $(echo "$out" | grep '^vfio' | tr '\n' ';')"
		fi
	done
	if expect_state "$T/assigned"; then
		pass "g$G 2 sysfs: every endpoint of group $G on vfio-pci (override vfio-pci), nothing else moved"
	else
		fail "g$G 2 sysfs after acquire (see the diff above)"
	fi
	[ -f "$SD/dmaownd/lease-$G" ] && grep -q "^pid $A\$" "$SD/dmaownd/lease-$G" &&
		[ -f "$SD/group-$G" ] &&
		pass "g$G 2 lease record (pid $A) and journal record" ||
		fail "g$G 2 records: $(records | tr '\n' ' ')"
	as tester sh -c "'exec 3<>/dev/vfio/$G'"
	grep -q 'Permission denied' "$T/out" &&
		pass "g$G 2 tester cannot open /dev/vfio/$G itself" ||
		fail "g$G 2 tester opening /dev/vfio/$G: rc $rc: $(cat "$T/out")"
	(exec 3<>"/dev/vfio/$G") >"$T/out" 2>&1
	grep -qi 'busy' "$T/out" &&
		pass "g$G 2 root's open of /dev/vfio/$G: EBUSY (the client holds it)" ||
		fail "g$G 2 root's open of /dev/vfio/$G: $(cat "$T/out")"

	# 3: a second client, mallory again, status
	as tester "$CLIENT" "$S" req "'$ACQ'"
	grep -q "\"ok\":false,\"error\":\"EBUSY\",\"message\":\"[^\"]*leased to pid $A" "$T/out" &&
		pass "g$G 3 second client EBUSY, names pid $A" ||
		fail "g$G 3 second client: rc $rc: $(head -c 300 "$T/out")"
	as mallory "$CLIENT" "$S" req "'$ACQ'"
	grep -q '"ok":false,"error":"EPERM"' "$T/out" &&
		pass "g$G 3 mallory EPERM while leased" ||
		fail "g$G 3 mallory while leased: $(head -c 300 "$T/out")"
	"$CLIENT" "$S" req '{"op":"status"}' >"$T/out" 2>&1
	grep -q "\"group\":$G,\"pid\":$A,\"uid\":1000" "$T/out" &&
		pass "g$G 3 status lists the lease" ||
		fail "g$G 3 status: $(head -c 300 "$T/out")"
	if expect_state "$T/assigned"; then
		pass "g$G 3 nothing moved"
	else
		fail "g$G 3 the refused requests changed the host"
	fi

	# 4: kill -9 of the client
	kill_hold
	if wait_state "$T/orig" "$GIVEBACK_SECS"; then
		pass "g$G 4 kill -9: every device back on its driver, overrides cleared, in $(secs "$waited")"
	else
		fail "g$G 4 kill -9: not back after $(secs "$waited"):"
		diff "$T/orig" "$T/now" | sed -n 's/^[-+]0/    &/p'
	fi
	w=0
	while [ -n "$(records)" ] && [ $w -lt 20 ]; do usleep 100000; w=$((w + 1)); done
	[ -z "$(records)" ] && pass "g$G 4 no lease or journal record left" ||
		fail "g$G 4 records left: $(records | tr '\n' ' ')"
	daemon_alive && pass "g$G 4 dmaownd still runs" ||
		fail "g$G 4 dmaownd died"

	# 5: SIGTERM, the client closes the group on hangup
	if hold b tester "$ACQ" --close-on-hangup && expect_state "$T/assigned"; then
		B=$HOLD
		t0=$(now_cs)
		stop_daemon
		t=$(($(now_cs) - t0))
		[ "$drc" = 0 ] && pass "g$G 5 SIGTERM: exit 0 in $(secs "$t")" ||
			fail "g$G 5 SIGTERM: exit $drc"
		if expect_state "$T/orig"; then
			pass "g$G 5 SIGTERM: the group is given back"
		else
			fail "g$G 5 SIGTERM: the group is not given back"
		fi
		[ -z "$(records)" ] && pass "g$G 5 SIGTERM: no record left" ||
			fail "g$G 5 SIGTERM: records left: $(records | tr '\n' ' ')"
		[ -e "$S" ] && fail "g$G 5 SIGTERM: socket left" ||
			pass "g$G 5 SIGTERM: socket removed"
		grep -q '^closed' "$T/b.out" &&
			pass "g$G 5 SIGTERM: the client was hung up on" ||
			fail "g$G 5 SIGTERM: the client saw no hangup: $(tail -n 3 "$T/b.out")"
		kill_hold
	else
		fail "g$G 5 acquire for the SIGTERM test: $(tail -n 5 "$T/b.out")"
		kill_hold
		stop_daemon
	fi
	wait_state "$T/orig" "$GIVEBACK_SECS" || return

	# 6: SIGTERM while the client keeps the group open, restart, adopt;
	# the client's parent never reaps it: a zombie holds nothing
	start_daemon "g$G 6" || return
	if ! NOREAP=1 hold c tester "$ACQ"; then
		fail "g$G 6 acquire: $(tail -n 5 "$T/c.out")"
		kill_hold
		stop_daemon
		return
	fi
	C=$HPID
	stop_daemon
	[ "$drc" = 0 ] && pass "g$G 6 SIGTERM with the group open: exit 0" ||
		fail "g$G 6 SIGTERM with the group open: exit $drc"
	if expect_state "$T/assigned" && [ -f "$SD/dmaownd/lease-$G" ]; then
		pass "g$G 6 nothing unbound under the open group; the lease stays recorded"
	else
		fail "g$G 6 after SIGTERM with the group open (lease: $(records | tr '\n' ' '))"
	fi
	start_daemon "g$G 6 restart" || { kill_hold; return; }
	grep -q "group $G: pid $C of an earlier lease still runs" "$T/daemon.log" &&
		expect_state "$T/assigned" &&
		pass "g$G 6 restart adopts the live client's lease" ||
		fail "g$G 6 restart: $(tail -n 3 "$T/daemon.log")"
	as tester "$CLIENT" "$S" req "'$ACQ'"
	grep -q "\"error\":\"EBUSY\",\"message\":\"[^\"]*leased to pid $C" "$T/out" &&
		pass "g$G 6 the adopted lease refuses others" ||
		fail "g$G 6 acquire against the adopted lease: $(head -c 300 "$T/out")"
	kill -9 "$C"
	usleep 200000
	st=$(sed 's/.*) \(.\).*/\1/' "/proc/$C/stat" 2>/dev/null)
	[ "$st" = Z ] || fail "g$G 6 the killed client is not a zombie: '$st'"
	if wait_state "$T/orig" "$GIVEBACK_SECS"; then
		pass "g$G 6 kill -9 of the adopted client (a zombie, not reaped): given back in $(secs "$waited")"
	else
		fail "g$G 6 kill -9 of the adopted client (a zombie, not reaped): not back after $(secs "$waited")"
		diff "$T/orig" "$T/now" | sed -n 's/^[-+]0/    &/p'
	fi
	kill_hold
	stop_daemon
	[ "$drc" = 0 ] || fail "g$G 6 final SIGTERM: exit $drc"
	if expect_state "$T/orig" && [ -z "$(records)" ]; then
		pass "g$G end: the host is as at the start, no record"
	else
		fail "g$G end: host or records differ ($(records | tr '\n' ' '))"
	fi
	note "dmaownd log, group $G:"
	sed 's/^/#   | /' "$T/daemon.log"
}

while read -r _ g dev eps; do
	one_group "$g" "$dev" "$eps"
	kill_hold
	if daemon_alive; then
		stop_daemon
	fi
	DPID=
done <"$T/groups"

echo "daemon: $npass passed, $nfail failed"
[ "$nfail" = 0 ] && [ "$npass" -gt 0 ]
