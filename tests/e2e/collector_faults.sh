#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Faults of the collector's side, with real processes:
#  - a collector killed (SIGKILL) in the middle of its batches, then restarted under its name:
#    every alert stored once, with every index (the document's provenance holds each alert);
#  - Redis killed (SIGKILL) with AOF (appendfsync always) while agents send and a collector
#    stores, then restarted: nothing an agent was told Redis took, nor anything acknowledged,
#    is lost;
#  - two collectors racing on the same entries (each steals what the other holds after 1 ms):
#    each alert stored once.
. "$(dirname "$0")/lib.sh"

N=8000
REDIS_EXTRA="--appendonly yes --appendfsync always" start_redis
enroll ws-f
SHA=1316b42be4c0a4a89a497b78bcd6616e8c131806083f43e37b2afac02ebe404d # outbox_gen's document
"$OUTBOX_GEN" --redis "$REDIS" --agent-id ws-f --count $N --fsync never >"$TMP/gen.out" 2>&1 ||
	fail "the generator failed: $(cat "$TMP/gen.out")"

# 1. SIGKILL mid-batch, then a restart under the same consumer name.
"$COLLECTOR" --metrics off --redis "$REDIS" --consumer c1 --quiet 2>"$TMP/c1.err" &
C1=$!
track $C1
wait_for '[ "$(stored_count)" -ge 1500 ]' 60
kill -KILL $C1
wait $C1 2>/dev/null || true
at_kill=$(stored_count)
[ "$at_kill" -lt $N ] || fail "the collector finished before it was killed"
"$COLLECTOR" --metrics off --redis "$REDIS" --consumer c1 --drain --quiet || fail "the restarted collector failed"
[ "$(stored_count)" = $N ] || fail "after the kill at $at_kill: $(stored_count) stored of $N"
[ "$(seq_field ws-f stored)" = $N ] && [ "$(seq_field ws-f missing)" = 0 ] || fail "sequence: $(seq_state ws-f)"
[ "$(rcli ZCARD "raqib:{d:$SHA}:alerts")" = $N ] || fail "provenance holds $(rcli ZCARD "raqib:{d:$SHA}:alerts") of $N"
[ "$(rcli XPENDING "$(stream_of ws-f)" collectors | head -1)" = 0 ] || fail "entries left pending"

# 2. Redis SIGKILLed while alerts flow, restarted from its AOF.
enroll ws-g
"$COLLECTOR" --metrics off --redis "$REDIS" --consumer c2 --quiet 2>"$TMP/c2.err" &
C2=$!
track $C2
"$OUTBOX_GEN" --redis "$REDIS" --agent-id ws-g --count 3000 --rate 3000 --fsync never --log-accepted \
	--flush-timeout 120000 >"$TMP/gen2.out" 2>"$TMP/gen2.err" &
G2=$!
track $G2
wait_for '[ "$(grep -c ^accepted "$TMP/gen2.out")" -ge 1000 ]' 30
kill -KILL "$REDIS_PID"
wait "$REDIS_PID" 2>/dev/null || true
sleep 1
restart_redis
wait $G2 || fail "the agent did not deliver after the restart: $(tail -2 "$TMP/gen2.out") $(cat "$TMP/gen2.err")"
wait_for '[ "$(seq_field ws-g stored)" = 3000 ]' 60
[ "$(seq_field ws-g missing)" = 0 ] || fail "after the crash: $(seq_state ws-g)"
[ "$(stored_count)" = $((N + 3000)) ] || fail "alerts lost or doubled: $(stored_count)"
kill $C2

# 3. Two collectors racing on the same entries.
enroll ws-h
enroll ws-i
"$OUTBOX_GEN" --redis "$REDIS" --agent-id ws-h --count 2000 --fsync never >/dev/null 2>&1 &
track $!
"$OUTBOX_GEN" --redis "$REDIS" --agent-id ws-i --count 2000 --fsync never >/dev/null 2>&1 &
track $!
for c in r1 r2; do
	"$COLLECTOR" --metrics off --redis "$REDIS" --consumer $c --set ingest.claim_idle=1ms \
		--set ingest.batch=64 --quiet 2>"$TMP/$c.err" &
	track $!
done
wait_for '[ "$(seq_field ws-h stored)" = 2000 ] && [ "$(seq_field ws-i stored)" = 2000 ]' 90
sleep 1
for a in ws-h ws-i; do
	[ "$(seq_field $a stored)" = 2000 ] && [ "$(seq_field $a missing)" = 0 ] || fail "$a: $(seq_state $a)"
	[ -z "$(seq_field $a conflicts)" ] || fail "$a: conflicts: $(seq_state $a)"
done
[ "$(stored_count)" = $((N + 7000)) ] || fail "racing collectors stored $(stored_count), expected $((N + 7000))"
[ -z "$(dead_letters)" ] || fail "entries refused: $(dead_letters | head -5)"
echo "PASS (killed at $at_kill of $N; duplicates removed: ws-f $(seq_field ws-f duplicates), ws-h $(seq_field ws-h duplicates), ws-i $(seq_field ws-i duplicates))"
