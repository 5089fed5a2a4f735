#!/bin/sh
# dmaownd on fake roots: acquire hands over the group file, the group goes
# back when the client exits, is killed, releases, or the daemon stops;
# policy denial, a second client, hostile clients, recovery after a
# daemon crash.  $1 mkfake, $2 the test client, $3 dmaownd.  Never
# touches /sys or /run/dmaown.
set -u
MKFAKE=$1
CLIENT=$2
DMAOWND=$3
# socket paths are limited to 108 bytes: keep the directory short
T=$(mktemp -d /tmp/dmaownd-XXXXXX)
chmod 755 "$T" # other users reach the socket (mode 0660 decides)
DPID=
HOLD=
cleanup() {
	[ -n "$HOLD" ] && kill -9 $HOLD 2>/dev/null
	[ -n "$DPID" ] && kill -9 $DPID 2>/dev/null
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
fails=0
n=0
S=$T/sock

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
expect_in() { case "$1" in *"$2"*) ;; *) fail "$3: missing '$2' in: $1";; esac; }

drivers() {
	for d in 0000:06:01.0 0000:06:02.0 0000:00:12.0 0000:01:00.0; do
		l=$(readlink "$R/sys/bus/pci/devices/$d/driver" 2>/dev/null)
		printf '%s=%s:%s ' "$d" "${l##*/}" \
			"$(cat "$R/sys/bus/pci/devices/$d/driver_override")"
	done
}

# wait_state WANT WHAT: poll the fake tree for up to 10 s
wait_state() {
	i=0
	while [ "$(drivers)" != "$1" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ "$(drivers)" = "$1" ] || fail "$2: $(drivers) want $1"
}

fresh() {
	n=$((n + 1))
	R=$T/root$n
	ST=$T/state$n
	"$MKFAKE" "$R" || { echo "mkfake failed"; exit 1; }
	echo "fake VFIO group 4" >"$R/dev/vfio/4"
	echo "fake VFIO group 6" >"$R/dev/vfio/6"
	ORIG=$(drivers)
}

policy() { printf '%s\n' "$@" >"$T/policy"; }

start() {
	"$DMAOWND" --foreground --root "$R" --socket "$S" \
		--policy "$T/policy" --state-dir "$ST" "$@" \
		2>>"$T/daemon.log" &
	DPID=$!
	i=0
	until "$CLIENT" "$S" req '{"op":"hello","version":1}' >/dev/null 2>&1; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! kill -0 $DPID 2>/dev/null; then
			fail "dmaownd did not start"; cat "$T/daemon.log"; exit 1
		fi
		sleep 0.1
	done
}

stop() {
	kill -TERM $DPID 2>/dev/null
	wait $DPID
	drc=$?
	DPID=
}

alive() { kill -0 $DPID 2>/dev/null || fail "dmaownd died: $1"; }

# hold NAME JSON: a client that acquires and keeps the session open
hold() {
	"$CLIENT" "$S" req --hold --check-fd "$R/dev/vfio/4" "$2" \
		>"$T/$1.out" 2>&1 &
	HOLD=$!
	i=0
	until grep -q '^holding' "$T/$1.out" || [ $i -gt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	grep -q '^holding' "$T/$1.out" || fail "$1: client did not get to hold: $(cat "$T/$1.out")"
}

req() { out=$("$CLIENT" "$S" req "$@" 2>&1); }

ACQ4='{"op":"acquire","device":"06:01.0","driver":"vfio-pci","id":7}'
VFIO4="0000:06:01.0=vfio-pci:vfio-pci 0000:06:02.0=vfio-pci:vfio-pci 0000:00:12.0=:(null) 0000:01:00.0=e1000e:(null) "

# ---- acquire, fd, second client, status, kill -9 -------------------------
fresh
policy "# test policy" "allow uid=0 group-of=06:01.0 driver=vfio-pci" \
	"allow user=root device=01:00.0 driver=pci-stub"
start
req '{"op":"list"}'
expect_in "$out" '"group":4,"state":"free","drivers":["vfio-pci"]' "list shows group 4"
expect_in "$out" '"group":6,"state":"free","drivers":["pci-stub"]' "list shows group 6"
case "$out" in *'"group":2'*) fail "list shows group 2 (not in the policy)";; esac
hold a "$ACQ4"
A=$HOLD
expect_in "$(cat "$T/a.out")" '"ok":true,"group":4,"driver":"vfio-pci","path":"/dev/vfio/4"' "acquire answer"
expect_in "$(cat "$T/a.out")" '"id":7' "acquire echoes the id"
expect_in "$(cat "$T/a.out")" 'fd: same-file' "the fd is the group file"
[ "$(drivers)" = "$VFIO4" ] || fail "after acquire: $(drivers)"
[ -f "$ST/dmaownd/lease-4" ] || fail "no lease record"
grep -q "^pid $A\$" "$ST/dmaownd/lease-4" || fail "lease record without the pid: $(cat "$ST/dmaownd/lease-4")"
[ -f "$ST/group-4" ] || fail "no journal record"
req '{"op":"acquire","device":"0000:06:02.0"}'
expect_in "$out" '"ok":false,"error":"EBUSY"' "second client refused"
expect_in "$out" "leased to pid $A" "EBUSY names the holder"
req '{"op":"status"}'
expect_in "$out" "\"group\":4,\"pid\":$A" "status lists the lease"
req '{"op":"list"}'
expect_in "$out" "\"group\":4,\"state\":\"leased\",\"holder\":$A" "list shows the holder"
req '{"op":"release","group":4}'
expect_in "$out" '"error":"EPERM"' "another client cannot release"
kill -9 $A
wait $A 2>/dev/null
HOLD=
wait_state "$ORIG" "after kill -9 of the client"
i=0
while [ -f "$ST/dmaownd/lease-4" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ -f "$ST/dmaownd/lease-4" ] && fail "lease record left after kill -9"
[ -f "$ST/group-4" ] && fail "journal record left after kill -9"

# ---- normal exit, release op, pci-stub, denial ----------------------------
req "$ACQ4"
expect_in "$out" '"ok":true' "acquire and exit"
expect_in "$out" 'fd: other-file' "fd passed (no --check-fd)"
wait_state "$ORIG" "after the client exited"
req "$ACQ4" '{"op":"release","group":4}' '{"op":"status"}'
expect_in "$out" '{"ok":true,"group":4}' "release op"
expect_in "$out" '{"ok":true,"leases":[]}' "no lease after release"
[ "$(drivers)" = "$ORIG" ] || fail "after release op: $(drivers)"
req '{"op":"release","group":4}'
expect_in "$out" '"error":"ENOENT"' "release of a group not leased"
req '{"op":"acquire","device":"01:00.0","driver":"pci-stub"}' '{"op":"acquire","device":"01:00.0","driver":"pci-stub"}'
expect_in "$out" '"ok":true,"group":6,"driver":"pci-stub","path":null' "pci-stub acquire"
expect_in "$out" '"error":"EBUSY","message":"0000:01:00.0: IOMMU group 6 is leased to pid' "own group twice"
case "$out" in *'fd:'*) fail "pci-stub passed an fd";; esac
wait_state "$ORIG" "after the pci-stub client exited"
req '{"op":"acquire","device":"01:00.0","driver":"vfio-pci"}'
expect_in "$out" '"error":"EPERM","message":"0000:01:00.0 (IOMMU group 6): the policy allows uid 0 (root) only pci-stub, not vfio-pci"' "driver denial"
req '{"op":"acquire","device":"00:10.0"}'
expect_in "$out" '"error":"EPERM"' "device not in the policy"
req '{"op":"acquire","device":"00:13.0"}'
expect_in "$out" '"error":"ENOENT","message":"0000:00:13.0 has no IOMMU group' "device without a group"
req '{"op":"acquire","device":"07:00.0"}'
expect_in "$out" '"error":"ENODEV"' "absent device"
[ "$(drivers)" = "$ORIG" ] || fail "refusals changed the host: $(drivers)"
stop

# another user: the whole group must be allowed (06:02.0 is not)
policy "allow uid=65534 device=06:01.0" "allow gid=0 device=01:00.0"
start
out=$(setpriv --reuid=65534 --regid=0 --clear-groups "$CLIENT" "$S" req "$ACQ4" 2>&1)
expect_in "$out" '"error":"EPERM","message":"0000:06:02.0 (IOMMU group 4): no policy rule allows uid 65534' "whole-group denial names the other member"
out=$(setpriv --reuid=65534 --regid=0 --clear-groups "$CLIENT" "$S" req '{"op":"list"}' 2>&1)
expect_in "$out" '{"ok":true,"groups":[{"group":6,' "gid rule lists group 6"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$CLIENT" "$S" req '{"op":"list"}' 2>&1)
expect_in "$out" "Permission denied" "socket mode keeps other groups out"
[ "$(stat -c %a "$S")" = 660 ] || fail "socket mode $(stat -c %a "$S")"
[ "$(drivers)" = "$ORIG" ] || fail "denials changed the host: $(drivers)"
stop

# ---- hostile clients ------------------------------------------------------
policy "allow uid=0 group-of=06:01.0"
start
out=$( (head -c 3000 /dev/urandom | tr '\n' x; echo) | "$CLIENT" "$S" raw)
expect_in "$out" '"ok":false' "garbage"
alive garbage
out=$(printf '{"op":"\377\376"}\n{"op":"list"\000}\n{"op":"acquire","device":5}\n{"op":"fly"}\n[1,2]\n{"op":"acquire","device":"06:01.0","driver":"e1000"}\n{"op":"release","group":"4"}\n{"op":"hello","version":2}\n{"op":"acquire","device":"06:01.0","x":[[[[[[[[[[[[1]]]]]]]]]]]}\n' |
	"$CLIENT" "$S" raw)
expect_in "$out" '"error":"EINVAL","message":"request is not valid UTF-8"' "invalid UTF-8"
expect_in "$out" '"message":"request contains a NUL byte"' "NUL byte"
expect_in "$out" "'device' must be a string" "wrong type"
expect_in "$out" '"error":"EOPNOTSUPP","message":"unknown op '"'fly'" "unknown op"
expect_in "$out" '"message":"request must be a JSON object"' "array"
expect_in "$out" "driver 'e1000' is not handed out" "bad driver"
expect_in "$out" "'group' must be an integer" "group as a string"
expect_in "$out" '"error":"EPROTONOSUPPORT"' "version 2"
expect_in "$out" '"message":"request is not valid JSON: nesting too deep"' "deep nesting"
[ "$(printf '%s\n' "$out" | grep -c '"ok":false')" = 9 ] || fail "want 9 errors: $out"
alive "bad requests"
out=$("$CLIENT" "$S" big 1048576)
expect_in "$out" '"error":"E2BIG"' "1 MB line"
alive "1 MB line"
"$CLIENT" "$S" half || fail "half request client"
alive "half a request"
out=$("$CLIENT" "$S" flood 200)
expect_in "$out" "connected 200 answered 200" "200 connections"
alive "200 connections"
req '{"op":"hello","version":1}'
expect_in "$out" '"ok":true,"version":1,"server":"dmaownd"' "still answers"
[ "$(drivers)" = "$ORIG" ] || fail "hostile clients changed the host: $(drivers)"
[ -z "$(ls "$ST/dmaownd" | grep lease)" ] || fail "hostile clients left leases"

# ---- SIGTERM gives every lease back --------------------------------------
hold b "$ACQ4"
B=$HOLD
[ "$(drivers)" = "$VFIO4" ] || fail "before SIGTERM: $(drivers)"
stop
[ "$drc" = 0 ] || fail "dmaownd exit status $drc after SIGTERM"
[ "$(drivers)" = "$ORIG" ] || fail "after SIGTERM: $(drivers)"
[ -f "$ST/dmaownd/lease-4" ] && fail "lease record left after SIGTERM"
[ -e "$S" ] && fail "socket left after SIGTERM"
i=0
until grep -q hangup "$T/b.out" || [ $i -gt 50 ]; do sleep 0.1; i=$((i + 1)); done
grep -q hangup "$T/b.out" || fail "the client was not hung up on"
kill -9 $B; wait $B 2>/dev/null; HOLD=

# ---- daemon crash: a live client's group goes back when it exits -------
start
hold c "$ACQ4"
C=$HOLD
kill -9 $DPID; wait $DPID 2>/dev/null; DPID=
[ "$(drivers)" = "$VFIO4" ] || fail "after the daemon crashed: $(drivers)"
[ -f "$ST/dmaownd/lease-4" ] || fail "lease record lost with the daemon"
start
[ "$(drivers)" = "$VFIO4" ] || fail "restart gave back a live client's group: $(drivers)"
req "$ACQ4"
expect_in "$out" "leased to pid $C" "adopted lease still refuses others"
kill -9 $C; wait $C 2>/dev/null; HOLD=
wait_state "$ORIG" "after the adopted client died"
# daemon and client both gone: the next start gives the group back
hold d "$ACQ4"
D=$HOLD
kill -9 $DPID; wait $DPID 2>/dev/null; DPID=
kill -9 $D; wait $D 2>/dev/null; HOLD=
[ "$(drivers)" = "$VFIO4" ] || fail "before recovery: $(drivers)"
start
[ "$(drivers)" = "$ORIG" ] || fail "start did not recover: $(drivers)"
[ -f "$ST/dmaownd/lease-4" ] && fail "lease record left after recovery"
# a second daemon on the same state directory refuses to start
"$DMAOWND" --foreground --root "$R" --socket "$T/sock2" \
	--policy "$T/policy" --state-dir "$ST" 2>"$T/second.err"
[ $? = 1 ] || fail "second daemon did not refuse"
expect_in "$(cat "$T/second.err")" "another dmaownd runs" "second daemon says why"
stop

# bad policy: FILE:LINE, no start
policy "allow uid=0 device=06:01.0" "allow uid=0 vendor=80866"
"$DMAOWND" --foreground --root "$R" --socket "$S" --policy "$T/policy" \
	--state-dir "$ST" 2>"$T/bad.err"
[ $? = 2 ] || fail "bad policy accepted"
expect_in "$(cat "$T/bad.err")" "$T/policy:2: bad vendor '80866'" "policy error names FILE:LINE"

if [ "$fails" != 0 ]; then
	echo "--- daemon log"; cat "$T/daemon.log"
	exit 1
fi
echo "all dmaownd scenarios passed"
