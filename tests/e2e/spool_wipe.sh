#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A wiped agent spool numbers its alerts from 1 again: with a new epoch in the deduplication
# key, none of the new alerts is taken for an old one (no conflict, no loss), and the reset
# shows as a coverage gap on the host's timeline.
. "$(dirname "$0")/lib.sh"

start_redis
enroll ws-w
"$OUTBOX_GEN" --redis "$REDIS" --agent-id ws-w --count 20 >"$TMP/gen1.out" 2>&1 || fail "first run failed"
"$COLLECTOR" --metrics off --redis "$REDIS" --drain --quiet || fail "collector failed"
[ "$(stored_count)" = 20 ] || fail "first run: $(stored_count)"
first_epoch=$(cat "$RAQIB_SPOOL/ws-w/epoch")
rm -rf "$RAQIB_SPOOL/ws-w"
"$OUTBOX_GEN" --redis "$REDIS" --agent-id ws-w --count 20 >"$TMP/gen2.out" 2>&1 || fail "second run failed"
grep -q "next_seq=1$" "$TMP/gen2.out" || fail "the wiped spool did not number from 1: $(head -1 "$TMP/gen2.out")"
[ "$(cat "$RAQIB_SPOOL/ws-w/epoch")" != "$first_epoch" ] || fail "the wiped spool kept its epoch"
"$COLLECTOR" --metrics off --redis "$REDIS" --drain --quiet || fail "collector failed"
[ "$(stored_count)" = 40 ] || fail "alerts lost to the old numbers: $(stored_count) stored"
[ -z "$(dead_letters)" ] || fail "new alerts refused: $(dead_letters | head -5)"
[ "$(rcli SCARD 'raqib:{s:default}:epochs:ws-w')" = 2 ] || fail "epochs: $(rcli SMEMBERS 'raqib:{s:default}:epochs:ws-w')"
"$CTL" --redis "$REDIS" timeline --site default --host ws-w --limit 100 >"$TMP/tl" || fail "timeline failed"
grep -q "coverage gap: epoch of agent ws-w" "$TMP/tl" || fail "the reset is not on the timeline: $(head -3 "$TMP/tl")"
# a restart without a wipe keeps the epoch
"$OUTBOX_GEN" --redis "$REDIS" --agent-id ws-w --count 1 >"$TMP/gen3.out" 2>&1 || fail "third run failed"
"$COLLECTOR" --metrics off --redis "$REDIS" --drain --quiet || fail "collector failed"
[ "$(rcli SCARD 'raqib:{s:default}:epochs:ws-w')" = 2 ] || fail "a restart changed the epoch"
[ "$(stored_count)" = 41 ] || fail "third run: $(stored_count)"
echo "PASS"
