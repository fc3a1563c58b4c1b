#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# End to end, sanctioned channels on the offline path: raqib-agent replays a recorded capture
# (tests/data/sanctioned/channels.pcap) of one synthetic official letter sent four ways, with the
# administration's channels allowed by an exception pack layered on the built-in packs
# (tests/data/sanctioned/secure-channels.yml):
#  - mailed to the ministry's domain alone, and uploaded to its document system: two allowed
#    events (event.kind event, raqib.allowed_by), at the lowest severity;
#  - mailed to the ministry and a gmail.com address, and uploaded elsewhere: two alerts;
#  - the heartbeat counts what each rule did; the collector stores all four, which the alert
#    schema accepts, and no raw value reaches Redis;
#  - without the exception pack, the same capture gives four alerts.
. "$(dirname "$0")/lib.sh"

PCAP=$DATA/sanctioned/channels.pcap
PACK=$DATA/sanctioned/secure-channels.yml
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

start_redis
"$AGENT" --redis "$REDIS" --agent-id e2e-sanctioned --rules "$PACK" replay "$PCAP" \
	2>"$TMP/agent.err" || fail "agent replay failed: $(cat "$TMP/agent.err")"
[ "$(stream_alert_count)" = 4 ] || fail "expected 4 alerts in the stream, got $(stream_alert_count)"
enroll_streams
"$COLLECTOR" --redis "$REDIS" --drain --quiet || fail "collector failed"
stored_alerts >"$TMP/all.json"
[ "$(wc -l <"$TMP/all.json")" = 4 ] || fail "expected 4 stored documents: $(cat "$TMP/all.json")"

jq -c 'select(.event.kind == "event")' "$TMP/all.json" >"$TMP/allowed.json"
jq -c 'select(.event.kind == "alert")' "$TMP/all.json" >"$TMP/alerts.json"
[ "$(wc -l <"$TMP/allowed.json")" = 2 ] || fail "expected 2 allowed events: $(cat "$TMP/all.json")"
[ "$(wc -l <"$TMP/alerts.json")" = 2 ] || fail "expected 2 alerts: $(cat "$TMP/all.json")"
assert_jq -s 'map(.raqib.allowed_by) | sort == ["exception.document-system", "exception.secure-mail"]' <"$TMP/allowed.json"
assert_jq -s 'all(.event.type == ["allowed"] and .event.severity == 21 and .rule.id == "policy.network.classified")' <"$TMP/allowed.json"
assert_jq -s 'map(.network.protocol) | sort == ["http", "smtp"]' <"$TMP/allowed.json"
assert_jq -s 'map(.raqib.server_name // "-") | sort == ["-", "ged.interieur.gov.ma"]' <"$TMP/allowed.json"
assert_jq -s 'all(.raqib.document.official and .raqib.document.level == "CONFIDENTIAL" and .file.name == "courrier.docx")' <"$TMP/allowed.json"
assert_jq -s 'all(has("raqib") and (.raqib | has("allowed_by") | not) and .event.severity == 99)' <"$TMP/alerts.json"
assert_jq -s 'map(.network.protocol) | sort == ["http", "smtp"]' <"$TMP/alerts.json"
assert_jq -s 'map(.raqib.server_name // "-") | sort == ["-", "transfert.example.com"]' <"$TMP/alerts.json"
assert_not_in_redis BK734021 JA501287 007780000123456789012396 ami.demo courrier@

# what each rule did, in the heartbeat the replay left
hb() {
	agent_hb e2e-sanctioned "$1"
}
[ "$(hb rules.allowed.exception.secure-mail)" = 1 ] || fail "heartbeat: secure-mail $(hb rules.allowed.exception.secure-mail)"
[ "$(hb rules.allowed.exception.document-system)" = 1 ] || fail "heartbeat: document-system"
[ "$(hb rules.alerts.policy.network.classified)" = 2 ] || fail "heartbeat: alerts of policy.network.classified"

# the alert schema accepts allowed events
if "$PY" -c 'import jsonschema' 2>/dev/null; then
	"$PY" "$RAQIB_SOURCE_DIR/tests/e2e/validate_alert.py" "$RAQIB_SOURCE_DIR/docs/alert.schema.json" \
		<"$TMP/all.json" >"$TMP/errors" 2>"$TMP/summary" || fail "schema: $(head -5 "$TMP/errors")"
else
	fail "python3-jsonschema is not installed (scripts/install-deps.sh)"
fi

# without the administrator's pack: four alerts
"$AGENT" --redis "$REDIS" --agent-id e2e-plain --quiet replay "$PCAP" || fail "second replay failed"
enroll_streams
"$COLLECTOR" --redis "$REDIS" --drain --quiet || fail "collector failed"
stored_alerts | jq -c 'select(.agent.id == "e2e-plain")' >"$TMP/plain.json"
[ "$(jq -s 'map(select(.event.kind == "alert")) | length' "$TMP/plain.json")" = 4 ] ||
	fail "without the exceptions, expected 4 alerts: $(cat "$TMP/plain.json")"
echo "PASS"
