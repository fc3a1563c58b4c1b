#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Bad input gives one clear line on stderr and a non-zero exit, never a crash or a hang: a
# missing, a truncated and a non-capture file, an unreachable Redis (for all three binaries),
# the host sensor without privileges, and usage errors (exit 2).
. "$(dirname "$0")/lib.sh"

# expect STATUS PATTERN COMMAND...: runs COMMAND (20 s at most), checks its exit status, that
# stderr is exactly one line, and that the line matches PATTERN.
expect() {
	local want=$1 pattern=$2 rc=0
	shift 2
	timeout 20 "$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
	[ "$rc" != 124 ] || fail "'$*' hung"
	[ "$rc" = "$want" ] || fail "'$*' exited $rc, expected $want; stderr: $(cat "$TMP/err")"
	[ "$(wc -l <"$TMP/err")" = 1 ] || fail "'$*' printed $(wc -l <"$TMP/err") lines on stderr, expected 1: $(cat "$TMP/err")"
	grep -qE "$pattern" "$TMP/err" || fail "'$*': stderr '$(cat "$TMP/err")' does not match '$pattern'"
}

start_redis
DEAD=127.0.0.1:$(free_port)

expect 1 "cannot open capture '$TMP/missing.pcap': No such file" \
	"$AGENT" --redis "$REDIS" replay "$TMP/missing.pcap"
head -c 1000 "$DATA/http-upload-cin.pcap" >"$TMP/truncated.pcap"
expect 1 "'$TMP/truncated.pcap' is truncated or corrupt after [0-9]+ frames" \
	"$AGENT" --redis "$REDIS" replay "$TMP/truncated.pcap"
echo "this is not a capture" >"$TMP/text.pcap"
expect 1 "cannot open capture '$TMP/text.pcap'" "$AGENT" --redis "$REDIS" replay "$TMP/text.pcap"
head -c 10 "$DATA/http-upload-cin.pcap" >"$TMP/header.pcap"
expect 1 "cannot open capture '$TMP/header.pcap'" "$AGENT" --redis "$REDIS" replay "$TMP/header.pcap"

expect 1 "cannot connect to redis at $DEAD: Connection refused" \
	"$AGENT" --redis "$DEAD" replay "$DATA/http-upload-cin.pcap"
RAQIB_REDIS=$DEAD expect 1 "cannot connect to redis at $DEAD" \
	"$AGENT" replay "$DATA/http-upload-cin.pcap"
expect 1 "cannot connect to redis at $DEAD" "$COLLECTOR" --metrics off --redis "$DEAD" --drain
expect 1 "cannot connect to redis at $DEAD" "$CTL" --redis "$DEAD" alerts

# The host sensor as an unprivileged user, all capabilities dropped.
if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
	expect 1 "needs root, or CAP_BPF and CAP_PERFMON" \
		setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		"$AGENT" --redis "$REDIS" run
fi

expect 2 "unknown command 'fly'" "$AGENT" fly
expect 2 "invalid redis address from --redis" "$AGENT" --redis "host:99999" replay x.pcap
expect 2 "invalid --duration 'soon'" "$AGENT" run --duration soon
expect 2 "wrong arguments for 'replay'" "$AGENT" replay
expect 2 "unknown command 'status'" "$CTL" status
expect 2 "invalid --limit '0'" "$CTL" alerts --limit 0
expect 2 "unexpected argument 'extra'" "$COLLECTOR" extra
[ "$(stream_alert_count)" = 0 ] || fail "bad input produced alerts"
echo "PASS"
