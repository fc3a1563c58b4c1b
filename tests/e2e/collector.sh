#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# End to end, collector: duplicates (same agent, epoch and sequence) are stored once;
# malformed, unsigned, forged, altered and foreign entries go, whole, to the site's dead
# letters with a reason and are acknowledged; a sequence number reused with another alert is
# refused; gaps in an agent's sequence are counted and put on its host's timeline; entries a
# collector was given but never acknowledged (it died) are stored when it comes back; dead
# letters of an agent whose key was missing are replayed once it is installed; a stream whose
# entries were all stored is trimmed; refusals are counted in /metrics, and logged once.
. "$(dirname "$0")/lib.sh"

alert() { # agent seq
	printf '{"@timestamp":"2026-11-22T10:00:00.000Z","event":{"id":"id-%s-%s","kind":"alert","severity":47},"host":{"name":"h-%s"},"agent":{"id":"%s"},"rule":{"id":"raqib.test"},"raqib":{"sequence":%s,"findings":[{"type":"CIN","masked":"AB12****"}]}}' "$1" "$2" "$1" "$1" "$2"
}

start_redis
enroll ws-1
enroll ws-2
enroll ws-9
S1=$(stream_of ws-1)
xadd_signed ws-1 1 "$(alert ws-1 1)"
xadd_signed ws-1 1 "$(alert ws-1 1)"
xadd_signed ws-2 1 "$(alert ws-2 1)"
xadd_signed ws-1 2 '{"not":"an alert"'
xadd_signed ws-1 3 "$(alert ws-1 4)"
rcli XADD "$S1" '*' seq 5 >/dev/null
# unsigned; signed with another agent's key; altered after signing; another agent's id in
# ws-1's stream, signed with ws-2's key
rcli XADD "$S1" '*' agent ws-1 epoch "$TEST_EPOCH" seq 6 alert "$(alert ws-1 6)" >/dev/null
rcli XADD "$S1" '*' agent ws-1 epoch "$TEST_EPOCH" seq 7 alert "$(alert ws-1 7)" \
	sig "$(sign_entry ws-2 7 "$(alert ws-1 7)")" >/dev/null
rcli XADD "$S1" '*' agent ws-1 epoch "$TEST_EPOCH" seq 8 alert "$(alert ws-1 8 | sed 's/AB12/AB13/')" \
	sig "$(sign_entry ws-1 8 "$(alert ws-1 8)")" >/dev/null
rcli XADD "$S1" '*' agent ws-2 epoch "$TEST_EPOCH" seq 9 alert "$(alert ws-2 9)" \
	sig "$(sign_entry ws-2 9 "$(alert ws-2 9)")" >/dev/null
# a finding whose "masked" shows the whole value
xadd_signed ws-1 9 "$(alert ws-1 9 | sed 's/AB12\*\*\*\*/AB123456/')"
# an agent enrolled whose key the collector does not have yet
xadd_signed ws-9 1 "$(alert ws-9 1)"
mv "$RAQIB_KEYS/ws-9.key" "$TMP/ws-9.key"

"$COLLECTOR" --redis "$REDIS" --metrics off --drain 2>"$TMP/collector.err" ||
	fail "collector failed: $(cat "$TMP/collector.err")"
[ "$(stored_count)" = 2 ] || fail "expected 2 distinct alerts, got $(stored_count): $(cat "$TMP/collector.err")"
dead_letters >"$TMP/dead"
[ "$(grep -c '^reason$' "$TMP/dead")" = 9 ] || fail "expected 9 dead letters: $(cat "$TMP/dead")"
grep -q "not valid JSON" "$TMP/dead" || fail "dead letter lacks the JSON reason"
grep -q "sequence does not match" "$TMP/dead" || fail "dead letter lacks the mismatch reason"
grep -q "missing field 'agent'" "$TMP/dead" || fail "dead letter lacks the missing-field reason"
grep -q "missing field 'sig'" "$TMP/dead" || fail "dead letter lacks the unsigned reason"
[ "$(grep -c "signature does not match the key of agent 'ws-1'" "$TMP/dead")" = 2 ] ||
	fail "forged and altered entries not both refused: $(cat "$TMP/dead")"
grep -q "entry names agent 'ws-2' in the stream of agent 'ws-1'" "$TMP/dead" ||
	fail "an entry in another agent's name was not refused"
grep -q "no key for agent 'ws-9'" "$TMP/dead" || fail "dead letter lacks the unknown-key reason"
grep -q "masked shows more than a masked value may" "$TMP/dead" || fail "an unmasked value was not refused"
# dead letters keep the entry whole, for a replay
grep -qx "f.alert" "$TMP/dead" || fail "dead letters do not keep the entry"
for a in ws-1 ws-2 ws-9; do
	[ "$(rcli XPENDING "$(stream_of $a)" collectors | head -1)" = 0 ] || fail "entries of $a left pending"
done
[ "$(seq_field ws-1 duplicates)" = 1 ] || fail "the duplicate was not counted"
# refusals: one log line per interval, not one per entry
[ "$(grep -c 'refused entry' "$TMP/collector.err")" = 1 ] ||
	fail "refusals logged per entry: $(cat "$TMP/collector.err")"

# The agent's sequence: 1 stored, then 5 (2..4 missing), then 4 fills part of the gap.
xadd_signed ws-1 5 "$(alert ws-1 5)"
xadd_signed ws-1 4 "$(alert ws-1 4)"
"$COLLECTOR" --redis "$REDIS" --metrics off --drain --quiet || fail "collector failed"
[ "$(seq_field ws-1 max_seq)" = 5 ] || fail "max_seq: $(seq_field ws-1 max_seq)"
[ "$(seq_field ws-1 stored)" = 3 ] || fail "stored: $(seq_field ws-1 stored)"
[ "$(seq_field ws-1 missing)" = 2 ] || fail "missing: $(seq_field ws-1 missing)"
rcli XRANGE 'raqib:{s:default}:gaps' - + >"$TMP/gaps"
[ "$(tr '\n' ' ' <"$TMP/gaps" | grep -o "kind sequence agent ws-1 host ws-1 detail $TEST_EPOCH:2-4" | wc -l)" = 1 ] ||
	fail "gap 2..4 not recorded: $(cat "$TMP/gaps")"
# the gap is on the host's timeline, in order with its alerts
"$CTL" --redis "$REDIS" timeline --site default --host ws-1 >"$TMP/tl" || fail "raqibctl timeline failed"
grep -q "coverage gap: sequence of agent ws-1 ($TEST_EPOCH:2-4)" "$TMP/tl" || fail "timeline: $(cat "$TMP/tl")"

# A number reused with another alert (an agent that lost its spool): refused, the first kept.
xadd_signed ws-1 5 "$(alert ws-1 5 | sed 's/id-ws-1-5/another-event/')"
"$COLLECTOR" --redis "$REDIS" --metrics off --drain --quiet || fail "collector failed"
"$CTL" --redis "$REDIS" alert "default:ws-1:$TEST_EPOCH:5" | grep -q '"id-ws-1-5"' || fail "the stored alert was replaced"
[ "$(seq_field ws-1 conflicts)" = 1 ] || fail "the reused number was not counted"
dead_letters | grep -q "already holds another alert" || fail "the reused number was not dead-lettered"

# A collector that read entries and died before acknowledging them: its pending entries are
# stored when a collector with its name comes back.
xadd_signed ws-2 7 "$(alert ws-2 7)"
rcli XREADGROUP GROUP collectors crashed COUNT 10 STREAMS "$(stream_of ws-2)" '>' >/dev/null
[ "$(rcli XPENDING "$(stream_of ws-2)" collectors | head -1)" = 1 ] || fail "setup: expected 1 pending entry"
"$COLLECTOR" --redis "$REDIS" --consumer crashed --metrics off --drain --quiet || fail "collector failed"
[ "$(stored_count)" = 5 ] || fail "the pending entry was not stored: $(stored_count)"
[ "$(rcli XPENDING "$(stream_of ws-2)" collectors | head -1)" = 0 ] || fail "entries left pending"
# ...and another collector takes over what a dead one left, once it is idle long enough
xadd_signed ws-2 8 "$(alert ws-2 8)"
rcli XREADGROUP GROUP collectors dead-one COUNT 10 STREAMS "$(stream_of ws-2)" '>' >/dev/null
"$COLLECTOR" --redis "$REDIS" --consumer other --metrics off --set ingest.claim_idle=1ms --drain --quiet ||
	fail "collector failed"
[ "$(stored_count)" = 6 ] || fail "the dead collector's entry was not taken over: $(stored_count)"

# The key of ws-9 installed: its dead letters replayed, then stored.
mv "$TMP/ws-9.key" "$RAQIB_KEYS/ws-9.key"
"$CTL" --redis "$REDIS" dead-letters >"$TMP/dl" || fail "raqibctl dead-letters failed"
grep -qE '^default +[0-9]+-[0-9]+ +ws-9 +no-key +no key for agent' "$TMP/dl" || fail "dead-letters: $(cat "$TMP/dl")"
"$CTL" --redis "$REDIS" dead-letters replay --reason no-key >"$TMP/replay" || fail "replay failed"
grep -q "^1 dead letters sent again" "$TMP/replay" || fail "replay: $(cat "$TMP/replay")"
"$COLLECTOR" --redis "$REDIS" --metrics off --drain --quiet || fail "collector failed"
[ "$(stored_count)" = 7 ] || fail "the replayed alert was not stored: $(stored_count)"
dead_letters | grep -q "no key for agent 'ws-9'" && fail "the replayed dead letter is still there"
rcli XRANGE raqib:audit - + | grep -qx replay || fail "the replay was not audited"

# Streams trimmed once every group acknowledged them; the collector keeps nothing it read.
[ "$(rcli XLEN "$S1")" -le 1 ] || fail "ws-1's stream was not trimmed: $(rcli XLEN "$S1")"

"$CTL" --redis "$REDIS" agents >"$TMP/agents" || fail "raqibctl agents failed"
grep -qE '^ws-1 +unknown +never .* 3 +2$' "$TMP/agents" || fail "agents table: $(cat "$TMP/agents")"
echo "PASS"
