#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# End to end, collector: duplicates (same agent and sequence) are stored once; malformed,
# unsigned, forged and altered entries go to the dead-letter stream with a reason and are
# acknowledged; a sequence number reused with another alert is refused; gaps in an agent's
# sequence are counted and recorded; and entries a collector was given but never acknowledged
# (it died) are stored when it comes back.
. "$(dirname "$0")/lib.sh"

alert() { # agent seq
	printf '{"@timestamp":"2026-11-22T10:00:00.000Z","event":{"id":"id-%s-%s","kind":"alert"},"agent":{"id":"%s"},"rule":{"id":"raqib.test"},"raqib":{"sequence":%s,"findings":[{"type":"CIN","masked":"AB12****"}]}}' "$1" "$2" "$1" "$2"
}

start_redis
xadd_signed ws-1 1 "$(alert ws-1 1)"
xadd_signed ws-1 1 "$(alert ws-1 1)"
xadd_signed ws-2 1 "$(alert ws-2 1)"
xadd_signed ws-1 2 '{"not":"an alert"'
xadd_signed ws-1 3 "$(alert ws-1 4)"
rcli XADD raqib:events '*' seq 5 >/dev/null
# unsigned; signed with another agent's key; altered after signing; an unknown agent
rcli XADD raqib:events '*' agent ws-1 seq 6 alert "$(alert ws-1 6)" >/dev/null
rcli XADD raqib:events '*' agent ws-1 seq 7 alert "$(alert ws-1 7)" \
	sig "$(sign_entry ws-2 7 "$(alert ws-1 7)")" >/dev/null
rcli XADD raqib:events '*' agent ws-1 seq 8 alert "$(alert ws-1 8 | sed 's/AB12/AB13/')" \
	sig "$(sign_entry ws-1 8 "$(alert ws-1 8)")" >/dev/null
rcli XADD raqib:events '*' agent ws-9 seq 1 alert "$(alert ws-9 1)" sig "$(printf '%064d' 0)" >/dev/null
# a finding whose "masked" shows the whole value
xadd_signed ws-1 9 "$(alert ws-1 9 | sed 's/AB12\*\*\*\*/AB123456/')"

"$COLLECTOR" --redis "$REDIS" --drain 2>"$TMP/collector.err" || fail "collector failed"
[ "$(rcli ZCARD raqib:alerts)" = 2 ] || fail "expected 2 distinct alerts, got $(rcli ZCARD raqib:alerts)"
[ "$(rcli XLEN raqib:events:dead)" = 8 ] || fail "expected 8 dead letters, got $(rcli XLEN raqib:events:dead)"
rcli XRANGE raqib:events:dead - + >"$TMP/dead"
grep -q "not valid JSON" "$TMP/dead" || fail "dead letter lacks the JSON reason"
grep -q "sequence does not match" "$TMP/dead" || fail "dead letter lacks the mismatch reason"
grep -q "missing field 'agent'" "$TMP/dead" || fail "dead letter lacks the missing-field reason"
grep -q "missing field 'sig'" "$TMP/dead" || fail "dead letter lacks the unsigned reason"
[ "$(grep -c "signature does not match the key of agent 'ws-1'" "$TMP/dead")" = 2 ] ||
	fail "forged and altered entries not both refused: $(cat "$TMP/dead")"
grep -q "no key for agent 'ws-9'" "$TMP/dead" || fail "dead letter lacks the unknown-agent reason"
grep -q "masked shows more than a masked value may" "$TMP/dead" || fail "an unmasked value was not refused"
[ "$(rcli XPENDING raqib:events collectors | head -1)" = 0 ] || fail "entries left pending"
[ "$(rcli HGET raqib:seq:ws-1 duplicates)" = 1 ] || fail "the duplicate was not counted"

# The agent's sequence: 1 stored, then 5 (2..4 missing), then 4 fills part of the gap.
xadd_signed ws-1 5 "$(alert ws-1 5)"
xadd_signed ws-1 4 "$(alert ws-1 4)"
"$COLLECTOR" --redis "$REDIS" --drain --quiet || fail "collector failed"
[ "$(rcli HGET raqib:seq:ws-1 max_seq)" = 5 ] || fail "max_seq: $(rcli HGETALL raqib:seq:ws-1)"
[ "$(rcli HGET raqib:seq:ws-1 stored)" = 3 ] || fail "stored: $(rcli HGETALL raqib:seq:ws-1)"
[ "$(rcli HGET raqib:seq:ws-1 missing)" = 2 ] || fail "missing: $(rcli HGETALL raqib:seq:ws-1)"
rcli XRANGE raqib:events:gaps - + >"$TMP/gaps"
[ "$(tr '\n' ' ' <"$TMP/gaps" | grep -o 'agent ws-1 from 2 to 4' | wc -l)" = 1 ] ||
	fail "gap 2..4 not recorded: $(cat "$TMP/gaps")"

# A number reused with another alert (an agent that lost its spool): refused, the first kept.
xadd_signed ws-1 5 "$(alert ws-1 5 | sed 's/id-ws-1-5/another-event/')"
"$COLLECTOR" --redis "$REDIS" --drain --quiet || fail "collector failed"
rcli GET raqib:alert:ws-1:5 | grep -q '"id-ws-1-5"' || fail "the stored alert was replaced"
[ "$(rcli HGET raqib:seq:ws-1 conflicts)" = 1 ] || fail "the reused number was not counted"
rcli XRANGE raqib:events:dead - + | grep -q "already holds another alert" ||
	fail "the reused number was not dead-lettered"

# A collector that read entries and died before acknowledging them: its pending entries are
# stored when a collector with its name comes back.
xadd_signed ws-3 7 "$(alert ws-3 7)"
rcli XREADGROUP GROUP collectors crashed COUNT 10 STREAMS raqib:events '>' >/dev/null
[ "$(rcli XPENDING raqib:events collectors | head -1)" = 1 ] || fail "setup: expected 1 pending entry"
"$COLLECTOR" --redis "$REDIS" --consumer crashed --drain --quiet || fail "collector failed"
[ "$(rcli ZCARD raqib:alerts)" = 5 ] || fail "the pending entry was not stored"
[ "$(rcli XPENDING raqib:events collectors | head -1)" = 0 ] || fail "entries left pending"

"$CTL" --redis "$REDIS" agents >"$TMP/agents" || fail "raqibctl agents failed"
grep -qE '^ws-1 +unknown +never .* 3 +2$' "$TMP/agents" || fail "agents table: $(cat "$TMP/agents")"
echo "PASS"
