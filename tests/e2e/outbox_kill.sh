#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Fault: the agent is killed with SIGKILL in the middle of a run and started again. Every alert
# the outbox had accepted before the kill reaches the collector, none twice: what was sent but
# not yet recorded as delivered is sent again and removed as a duplicate by (agent, sequence).
# Sequence numbers go on after the restart, never reused.
. "$(dirname "$0")/lib.sh"

start_redis
# fsync never: the kill of a process loses nothing the kernel holds
"$OUTBOX_GEN" --redis "$REDIS" --agent-id ws-kill --count 100000 --rate 5000 --log-accepted \
	--fsync never >"$TMP/gen1.out" 2>"$TMP/gen1.err" &
GEN=$!
track $GEN
wait_for '[ "$(grep -c ^accepted "$TMP/gen1.out")" -ge 3000 ]'
kill -KILL $GEN
wait $GEN 2>/dev/null && fail "the generator was not killed"
accepted=$(grep -c ^accepted "$TMP/gen1.out")
last=$(grep ^accepted "$TMP/gen1.out" | tail -1 | cut -d' ' -f2)
[ "$last" = "$accepted" ] || fail "accepted numbers are not 1..$accepted"

# The restart: the spool resumes; nothing new is made, everything left is delivered.
"$OUTBOX_GEN" --redis "$REDIS" --agent-id ws-kill --count 0 >"$TMP/gen2.out" 2>"$TMP/gen2.err" ||
	fail "the restarted agent did not deliver its spool: $(cat "$TMP/gen2.out" "$TMP/gen2.err")"
grep -q '^opened ' "$TMP/gen2.out" || fail "no report of the reopened spool"
next=$(sed -n 's/^opened .*next_seq=\([0-9]*\).*/\1/p' "$TMP/gen2.out")
# the record being written at the kill, if any, was never accepted: it may be cut off
[ "$next" -ge $((accepted + 1)) ] || fail "numbering went back: next $next after $accepted accepted"
[ "$(gen_stat "$TMP/gen2.out" pending)" = 0 ] || fail "alerts left in the spool"

enroll_streams

"$COLLECTOR" --metrics off --redis "$REDIS" --drain --quiet || fail "collector failed"
stored=$(seq_field ws-kill stored)
dups=$(seq_field ws-kill duplicates)
[ "$stored" = $((next - 1)) ] || fail "stored $stored alerts, the spool held $((next - 1))"
[ "$(seq_field ws-kill missing)" = 0 ] || fail "missing: $(seq_state ws-kill)"
[ "$(stored_count)" = "$stored" ] || fail "alerts stored twice"
[ "$(rcli XPENDING "$(stream_of ws-kill)" collectors | head -1)" = 0 ] || fail "entries left unacknowledged"
[ -z "$(dead_letters)" ] || fail "refused entries: $(dead_letters | head -20)"
# every accepted alert, by number
for seq in 1 $((accepted / 2)) "$accepted"; do
	[ "$(alert_exists ws-kill $seq)" = 1 ] || fail "accepted alert $seq is missing"
done

# A later run numbers on.
"$OUTBOX_GEN" --redis "$REDIS" --agent-id ws-kill --count 10 >"$TMP/gen3.out" 2>&1 || fail "third run failed"
enroll_streams
"$COLLECTOR" --metrics off --redis "$REDIS" --drain --quiet || fail "collector failed"
[ "$(seq_field ws-kill stored)" = $((stored + 10)) ] || fail "the third run's alerts were not all stored"
[ "$(seq_field ws-kill max_seq)" = $((next + 9)) ] || fail "numbers reused or skipped"

# The narrow window: killed after Redis took alerts, before the spool recorded it. Made wide on
# purpose: 200 alerts are spooled while Redis is away, the spool is copied, they are delivered,
# and the copy is put back, as if the agent had died just before recording the delivery.
"$OUTBOX_GEN" --redis 127.0.0.1:1 --agent-id ws-kill --count 200 --flush-timeout 0 \
	>"$TMP/gen4.out" 2>&1 || fail "spooling without redis failed: $(cat "$TMP/gen4.out")"
cp -a "$RAQIB_SPOOL/ws-kill" "$TMP/spool-copy"
"$OUTBOX_GEN" --redis "$REDIS" --agent-id ws-kill --count 0 >"$TMP/gen5.out" 2>&1 || fail "delivery failed"
rm -rf "$RAQIB_SPOOL/ws-kill"
cp -a "$TMP/spool-copy" "$RAQIB_SPOOL/ws-kill"
"$OUTBOX_GEN" --redis "$REDIS" --agent-id ws-kill --count 0 >"$TMP/gen6.out" 2>&1 || fail "second delivery failed"
[ "$(sed -n 's/^opened pending=\([0-9]*\).*/\1/p' "$TMP/gen6.out")" = 200 ] || fail "the copy did not hold 200 alerts"
enroll_streams
"$COLLECTOR" --metrics off --redis "$REDIS" --drain --quiet || fail "collector failed"
[ "$(seq_field ws-kill stored)" = $((stored + 210)) ] || fail "stored: $(seq_state ws-kill)"
[ "$(seq_field ws-kill duplicates)" = $((${dups:-0} + 200)) ] ||
	fail "the 200 alerts sent twice were not all removed as duplicates: $(seq_state ws-kill)"
[ "$(stored_count)" = $((stored + 210)) ] || fail "alerts stored twice"
[ -z "$(dead_letters)" ] || fail "refused entries"
echo "PASS ($accepted accepted before SIGKILL, $stored stored; 200 sent twice, stored once)"
