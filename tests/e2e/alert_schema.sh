#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# docs/alert.schema.json against real alerts: a network alert raqib-agent raises replaying the
# bundled capture, and file alerts built by the agent's outbox (outbox_gen), as the collector
# stored them. The schema must accept them all, and must refuse an alert that carries a raw
# value in a finding, an unmasked value, or no agent id.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
"$PY" -c 'import jsonschema' 2>/dev/null || fail "python3-jsonschema is not installed (scripts/install-deps.sh)"
SCHEMA=$RAQIB_SOURCE_DIR/docs/alert.schema.json
validate() {
	"$PY" "$RAQIB_SOURCE_DIR/tests/e2e/validate_alert.py" "$SCHEMA"
}

start_redis
"$AGENT" --redis "$REDIS" --agent-id schema-net replay "$DATA/http-upload-cin.pcap" 2>"$TMP/agent.err" ||
	fail "agent replay failed: $(cat "$TMP/agent.err")"
"$OUTBOX_GEN" --redis "$REDIS" --agent-id schema-file --count 20 --severity cycle >"$TMP/gen.out" 2>&1 ||
	fail "outbox_gen failed: $(cat "$TMP/gen.out")"
enroll_streams
"$COLLECTOR" --metrics off --redis "$REDIS" --drain --quiet || fail "collector failed"
stored_alerts >"$TMP/alerts.json"
[ "$(wc -l <"$TMP/alerts.json")" = 21 ] || fail "expected 21 stored alerts"
# every kind present: a network alert with findings hashed, file alerts with evidence
jq -c 'select(.agent.id == "schema-net")' "$TMP/alerts.json" >"$TMP/net.json"
assert_jq '.raqib.findings | all(.hash | test("^[0-9a-f]{64}$"))' <"$TMP/net.json"
assert_jq '.source.bytes > 0 and (.rule.version | length) > 0 and (.raqib.rules_hash | length) == 64' <"$TMP/net.json"
jq -c 'select(.agent.id == "schema-file" and .raqib.sequence == 1)' "$TMP/alerts.json" >"$TMP/file.json"
assert_jq '.file.name == "gen-0.txt" and (.file.hash.sha256 | length) == 64 and .process.pid > 0' <"$TMP/file.json"
validate <"$TMP/alerts.json" >"$TMP/errors" 2>"$TMP/summary" || fail "real alerts do not match the schema: $(head -5 "$TMP/errors")"
grep -q "^21 documents, 0 errors" "$TMP/summary" || fail "$(cat "$TMP/summary")"

# The schema has teeth.
one=$(jq -c 'select(.agent.id == "schema-net")' "$TMP/alerts.json")
for bad in '.raqib.findings[0].value = "BK734021"' '.raqib.findings[0].masked = "BK734021"' \
	'del(.agent.id)' '.raqib.sequence = 0' '.raqib.findings[0].hash = "BK734021"'; do
	printf '%s\n' "$one" | jq -c "$bad" >"$TMP/bad.json"
	if validate <"$TMP/bad.json" >/dev/null 2>&1; then
		fail "the schema accepts an alert with $bad"
	fi
done
echo "PASS"
