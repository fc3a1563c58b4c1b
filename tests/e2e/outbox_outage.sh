#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Fault: Redis goes away for part of a run. 10,000 alerts go through the real outbox (spool,
# sender thread, pipelined signed XADDs) while Redis (AOF on) is shut down part-way and started
# again later; a collector runs the whole time and reconnects. The collector ends with exactly
# 10,000 distinct alerts, none missing, none refused, and the agent saw the outage.
. "$(dirname "$0")/lib.sh"

N=10000
REDIS_EXTRA="--appendonly yes --appendfsync always" start_redis
enroll ws-outage
"$COLLECTOR" --metrics off --redis "$REDIS" --consumer outage --quiet 2>"$TMP/collector.err" &
track $!

# 2,500 alerts a second: about four seconds of alerts, an outage in the middle
"$OUTBOX_GEN" --redis "$REDIS" --agent-id ws-outage --count $N --rate 2500 --log-accepted \
	--fsync never --flush-timeout 120000 >"$TMP/gen.out" 2>"$TMP/gen.err" &
GEN=$!
track $GEN
wait_for '[ "$(grep -c ^accepted "$TMP/gen.out")" -ge 2000 ]'
stop_redis
at_stop=$(grep -c ^accepted "$TMP/gen.out")
# the agent goes on accepting alerts into its spool while Redis is away
wait_for "[ \"\$(grep -c ^accepted \"\$TMP/gen.out\")\" -ge $((at_stop + 2500)) ]"
restart_redis
wait $GEN || fail "the generator did not deliver everything: $(tail -3 "$TMP/gen.out") $(cat "$TMP/gen.err")"

[ "$(gen_stat "$TMP/gen.out" accepted)" = $N ] || fail "not every alert was accepted: $(grep ^stats "$TMP/gen.out")"
[ "$(gen_stat "$TMP/gen.out" pending)" = 0 ] || fail "alerts left in the spool"
[ "$(gen_stat "$TMP/gen.out" redis_errors)" -gt 0 ] || fail "the outage was not seen: $(grep ^stats "$TMP/gen.out")"
grep -qE "redis at 127.0.0.1:$REDIS_PORT.*(retrying|until it answers)" "$TMP/gen.err" ||
	fail "the outage was not reported: $(cat "$TMP/gen.err")"

wait_for '[ "$(stored_count)" -ge '$N' ]' 60
[ "$(stored_count)" = $N ] || fail "expected $N alerts, got $(stored_count)"
[ "$(seq_field ws-outage stored)" = $N ] || fail "stored: $(seq_state ws-outage)"
[ "$(seq_field ws-outage max_seq)" = $N ] || fail "max_seq: $(seq_state ws-outage)"
[ "$(seq_field ws-outage missing)" = 0 ] || fail "missing: $(seq_state ws-outage)"
[ -z "$(dead_letters)" ] || fail "refused entries: $(dead_letters | head -20)"
# every entry of the stream was stored once or recognised as a duplicate
dups=$(seq_field ws-outage duplicates)
[ "$(rcli XPENDING "$(stream_of ws-outage)" collectors | head -1)" = 0 ] || fail "entries left unacknowledged"
echo "PASS ($((N)) alerts, outage after $at_stop, ${dups:-0} duplicates removed)"
