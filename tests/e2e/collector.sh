#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# End to end, collector: duplicates (same agent and sequence) are stored once, malformed entries
# go to the dead-letter stream with a reason and are acknowledged, and entries a collector was
# given but never acknowledged (it died) are stored when it comes back.
. "$(dirname "$0")/lib.sh"

alert() { # agent seq
	printf '{"@timestamp":"2026-11-22T10:00:00.000Z","event":{"id":"id-%s-%s","kind":"alert"},"agent":{"id":"%s"},"rule":{"id":"raqib.test"},"raqib":{"sequence":%s,"findings":[{"type":"CIN","masked":"AB12****"}]}}' "$1" "$2" "$1" "$2"
}

start_redis
rcli XADD raqib:events '*' agent ws-1 seq 1 alert "$(alert ws-1 1)" >/dev/null
rcli XADD raqib:events '*' agent ws-1 seq 1 alert "$(alert ws-1 1)" >/dev/null
rcli XADD raqib:events '*' agent ws-2 seq 1 alert "$(alert ws-2 1)" >/dev/null
rcli XADD raqib:events '*' agent ws-1 seq 2 alert '{"not":"an alert"' >/dev/null
rcli XADD raqib:events '*' agent ws-1 seq 3 alert "$(alert ws-1 4)" >/dev/null
rcli XADD raqib:events '*' seq 5 >/dev/null

"$COLLECTOR" --redis "$REDIS" --drain 2>"$TMP/collector.err" || fail "collector failed"
[ "$(rcli ZCARD raqib:alerts)" = 2 ] || fail "expected 2 distinct alerts, got $(rcli ZCARD raqib:alerts)"
[ "$(rcli XLEN raqib:events:dead)" = 3 ] || fail "expected 3 dead letters"
rcli XRANGE raqib:events:dead - + >"$TMP/dead"
grep -q "not valid JSON" "$TMP/dead" || fail "dead letter lacks the JSON reason"
grep -q "sequence does not match" "$TMP/dead" || fail "dead letter lacks the mismatch reason"
grep -q "missing field 'agent'" "$TMP/dead" || fail "dead letter lacks the missing-field reason"
[ "$(rcli XPENDING raqib:events collectors | head -1)" = 0 ] || fail "entries left pending"

# A collector that read entries and died before acknowledging them: its pending entries are
# stored when a collector with its name comes back.
rcli XADD raqib:events '*' agent ws-3 seq 7 alert "$(alert ws-3 7)" >/dev/null
rcli XREADGROUP GROUP collectors crashed COUNT 10 STREAMS raqib:events '>' >/dev/null
[ "$(rcli XPENDING raqib:events collectors | head -1)" = 1 ] || fail "setup: expected 1 pending entry"
"$COLLECTOR" --redis "$REDIS" --consumer crashed --drain --quiet || fail "collector failed"
[ "$(rcli ZCARD raqib:alerts)" = 3 ] || fail "the pending entry was not stored"
[ "$(rcli XPENDING raqib:events collectors | head -1)" = 0 ] || fail "entries left pending"
echo "PASS"
