#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# End to end, offline path: raqib-agent replays the bundled capture of an HTTP upload of a
# synthetic document (tests/data/http-upload-cin.pcap) into a real Redis, raqib-collector stores
# the alert, raqibctl shows it (searching by value: e2e.investigation). Checks the stored alert's
# fields and that no raw value of the document (CIN, RIBs) is anywhere in Redis.
. "$(dirname "$0")/lib.sh"

start_redis
"$AGENT" --redis "$REDIS" --agent-id e2e-replay replay "$DATA/http-upload-cin.pcap" \
	2>"$TMP/agent.err" || fail "agent replay failed: $(cat "$TMP/agent.err")"
[ "$(stream_alert_count)" = 1 ] || fail "expected 1 alert in the stream, got $(stream_alert_count)"

enroll_streams

"$COLLECTOR" --metrics off --redis "$REDIS" --drain --quiet || fail "collector failed"
[ "$(stored_count)" = 1 ] || fail "expected 1 stored alert"
[ "$(rcli XPENDING "$(stream_of e2e-replay)" collectors | head -1)" = 0 ] || fail "entries left unacknowledged"

stored_alerts >"$TMP/alerts.json"
assert_jq '.rule.id == "policy.network.personal_data" and .event.severity == 47' <"$TMP/alerts.json"
assert_jq '.agent.id == "e2e-replay" and .event.kind == "alert" and (.event.id | length) == 36' <"$TMP/alerts.json"
assert_jq '.destination.ip == "127.0.0.1" and .destination.port == 18080' <"$TMP/alerts.json"
assert_jq '.network.protocol == "http" and .network.transport == "tcp"' <"$TMP/alerts.json"
assert_jq '[.raqib.findings[] | select(.type == "CIN")] | length == 2' <"$TMP/alerts.json"
assert_jq '[.raqib.findings[] | select(.type == "CIN") | .masked] | sort == ["BK73****", "JA50****"]' <"$TMP/alerts.json"
assert_jq '[.raqib.findings[] | select(.type == "RIB")] | length == 2' <"$TMP/alerts.json"
assert_jq '[.raqib.findings[] | has("value")] | any | not' <"$TMP/alerts.json"
assert_not_in_redis BK734021 JA501287 007780000123456789012396 "0001234567890123" 230510000045781206339194

"$CTL" --redis "$REDIS" alerts >"$TMP/table" || fail "raqibctl failed"
grep -q "http 127.0.0.1:18080" "$TMP/table" || fail "table lacks the destination: $(cat "$TMP/table")"
grep -q "RIB:2 CIN:2" "$TMP/table" || fail "table lacks the findings: $(cat "$TMP/table")"
"$CTL" --redis "$REDIS" alerts --json >"$TMP/lines" || fail "raqibctl --json failed"
[ "$(jq -s length "$TMP/lines")" = 1 ] || fail "expected one JSON line"

# A second replay is a new upload with new sequence numbers: stored, not taken for a duplicate.
"$AGENT" --redis "$REDIS" --agent-id e2e-replay --quiet replay "$DATA/http-upload-cin.pcap" || fail "second replay failed"
enroll_streams
"$COLLECTOR" --metrics off --redis "$REDIS" --drain --quiet || fail "collector failed"
[ "$(stored_count)" = 2 ] || fail "expected 2 stored alerts after the second replay"
echo "PASS"
