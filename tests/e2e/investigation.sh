#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# End to end, the back office filled by real agents: the same document (with the same CINs and
# RIBs) is sent over the network from two hosts of two sites (agent replay of a capture) and
# found at rest on a third (agent scan --report); the collector makes one incident per host,
# a spread incident for the document and for each value, the document's provenance in order,
# the hosts' timelines; an analyst triages an incident (audited); an investigator finds the
# alerts of a CIN through the collector with a token, the value on standard input; the store
# holds neither the values nor the agents' hashes of them; /metrics counts it all.
. "$(dirname "$0")/lib.sh"

DOC=$DATA/demo/beneficiaires.txt
SHA=$(sha256sum "$DOC" | cut -d' ' -f1)
start_redis
enroll ws-a rabat
enroll ws-b casa
enroll ws-c casa

"$AGENT" --redis "$REDIS" --agent-id ws-a --site rabat replay "$DATA/http-upload-cin.pcap" 2>"$TMP/a.err" ||
	fail "agent ws-a failed: $(cat "$TMP/a.err")"
"$AGENT" --redis "$REDIS" --agent-id ws-b --site casa replay "$DATA/http-upload-cin.pcap" 2>"$TMP/b.err" ||
	fail "agent ws-b failed: $(cat "$TMP/b.err")"
"$AGENT" --redis "$REDIS" --agent-id ws-c --site casa scan --report "$DOC" >"$TMP/scan.out" 2>"$TMP/c.err" ||
	fail "agent ws-c scan --report failed: $(cat "$TMP/c.err")"
grep -q "1 copies at rest reported" "$TMP/c.err" || fail "scan --report: $(cat "$TMP/c.err")"

MPORT=$(free_port)
"$COLLECTOR" --redis "$REDIS" --metrics "127.0.0.1:$MPORT" --quiet 2>"$TMP/collector.err" &
COLLECTOR_PID=$!
track $COLLECTOR_PID
wait_for '[ "$(stored_count)" = 3 ]' 30

# Incidents: one per host, one spread incident for the document, one per value (2 CINs, 2 RIBs).
"$CTL" --redis "$REDIS" incidents --json >"$TMP/incidents" || fail "raqibctl incidents failed"
[ "$(jq -s '[.[] | select(.kind == "local")] | length' "$TMP/incidents")" = 3 ] ||
	fail "local incidents: $(cat "$TMP/incidents")"
jq -se '[.[] | select(.kind == "spread-document")] | length == 1' "$TMP/incidents" >/dev/null || fail "expected [.[] | select(.kind == \"spread-document\")] | length == 1: $(cat "$TMP/incidents")"
jq -se '[.[] | select(.kind == "spread-document")][0] | .hosts == "3" and .count == "3" and .document == $sha' \
	--arg sha "$SHA" "$TMP/incidents" >/dev/null || fail "spread-document incident: $(cat "$TMP/incidents")"
[ "$(jq -s '[.[] | select(.kind == "spread-value")] | length' "$TMP/incidents")" = 4 ] ||
	fail "spread-value incidents: $(cat "$TMP/incidents")"
SPREAD="d:$SHA:1"
"$CTL" --redis "$REDIS" incident "$SPREAD" >"$TMP/spread" || fail "raqibctl incident failed"
grep -q "kind       spread-document" "$TMP/spread" || fail "incident view: $(cat "$TMP/spread")"
[ "$(grep -c "127.0.0.1:18080" "$TMP/spread")" = 2 ] || fail "the spread incident lacks the two uploads: $(cat "$TMP/spread")"

# Provenance: every host that sent or holds the document, in every site.
"$CTL" --redis "$REDIS" provenance "$SHA" >"$TMP/prov" || fail "raqibctl provenance failed"
grep -qE '^[0-9-]+ [0-9:]+ +rabat +.* sent \(network\)' "$TMP/prov" || fail "provenance lacks ws-a's upload: $(cat "$TMP/prov")"
grep -qE '^[0-9-]+ [0-9:]+ +casa +.* sent \(network\)' "$TMP/prov" || fail "provenance lacks ws-b's upload: $(cat "$TMP/prov")"
grep -qE "^[0-9-]+ [0-9:]+ +casa +.* holds a copy +- +$DOC" "$TMP/prov" || fail "provenance lacks the copy at rest: $(cat "$TMP/prov")"
[ "$(grep -c '^20' "$TMP/prov")" = 3 ] || fail "provenance rows: $(cat "$TMP/prov")"

# A host's timeline; an analyst triages its incident.
"$CTL" --redis "$REDIS" timeline --site rabat --host ws-a --json >"$TMP/tl" || fail "raqibctl timeline failed"
jq -se 'length == 1 and .[0].agent.id == "ws-a"' "$TMP/tl" >/dev/null || fail "expected length == 1 and .[0].agent.id == \"ws-a\": $(cat "$TMP/tl")"
"$CTL" --redis "$REDIS" alerts --site casa --app none --json >"$TMP/none" || fail "alerts --app failed"
[ ! -s "$TMP/none" ] || fail "an app filter matched alerts of no app"
RAQIB_AS=amina "$CTL" --redis "$REDIS" incident-set s:rabat:1 --state confirmed --assign amina \
	--note "sent outside: reported" >/dev/null || fail "incident-set failed"
"$CTL" --redis "$REDIS" incident s:rabat:1 >"$TMP/inc" || fail "raqibctl incident failed"
grep -q "state      confirmed" "$TMP/inc" && grep -q "assignee   amina" "$TMP/inc" &&
	grep -q "note: .* amina: sent outside: reported" "$TMP/inc" || fail "incident after triage: $(cat "$TMP/inc")"
rcli XRANGE raqib:audit - + | tr '\n' ' ' | grep -q "action incident who amina incident s:rabat:1 state confirmed" ||
	fail "the change was not audited: $(rcli XRANGE raqib:audit - +)"
rc=0
"$CTL" --redis "$REDIS" incident-set s:rabat:1 --state resolved 2>"$TMP/bad" || rc=$?
[ "$rc" = 2 ] || fail "a bad state was accepted"

# Searching by value goes through the collector, with an investigator's token.
"$CTL" investigator-add inv1 >"$TMP/token" 2>/dev/null || fail "investigator-add failed"
URL=http://127.0.0.1:$MPORT
echo 'BK 734021' | "$CTL" find --collector "$URL" --token-file "$TMP/token" >"$TMP/found" 2>&1 ||
	fail "raqibctl find failed: $(cat "$TMP/found")"
[ "$(grep -c "CIN:2" "$TMP/found")" = 3 ] || fail "find did not show the 3 alerts: $(cat "$TMP/found")"
echo 'ja-501287' | "$CTL" find --json --collector "$URL" --token-file "$TMP/token" >"$TMP/found.json" ||
	fail "raqibctl find --json failed"
[ "$(jq -s length "$TMP/found.json")" = 3 ] || fail "find --json: expected 3 alerts"
echo 'AB123456' | "$CTL" find --collector "$URL" --token-file "$TMP/token" >"$TMP/absent" 2>&1 ||
	fail "find of an absent value failed"
grep -qx "no stored alert holds this CIN" "$TMP/absent" || fail "find of an absent value: $(cat "$TMP/absent")"
grep -q "AB123456" "$TMP/absent" && fail "find echoed the value"
rc=0
echo 'bonjour' | "$CTL" find --collector "$URL" --token-file "$TMP/token" >"$TMP/bad" 2>&1 || rc=$?
[ "$rc" = 2 ] && grep -q "not an identifier raqib detects" "$TMP/bad" || fail "find of a non-identifier: rc=$rc $(cat "$TMP/bad")"
rc=0
"$CTL" find --collector "$URL" --token-file "$TMP/token" 'BK 734021' >"$TMP/argv" 2>&1 || rc=$?
[ "$rc" = 2 ] && grep -q "never from the command line" "$TMP/argv" || fail "find took a value in argv"
openssl rand -hex 32 >"$TMP/stolen"
rc=0
echo 'BK 734021' | "$CTL" find --collector "$URL" --token-file "$TMP/stolen" >"$TMP/denied" 2>&1 || rc=$?
[ "$rc" = 1 ] && grep -q "HTTP 401" "$TMP/denied" || fail "a token nobody was given searched: $(cat "$TMP/denied")"
# every search is audited, without the value
rcli XRANGE raqib:audit - + >"$TMP/audit"
[ "$(grep -cx find "$TMP/audit")" = 3 ] || fail "searches not audited: $(cat "$TMP/audit")"
grep -qx inv1 "$TMP/audit" || fail "the investigator is not named in the audit"
grep -qiE "BK.?734021|JA.?501287" "$TMP/audit" && fail "the audit holds a value"

# The store holds no value, and none of the agents' hashes of them: only the collector's.
AGENT_HASH=$(printf 'raqib-value-v1\nCIN\nBK734021' |
	openssl dgst -sha256 -mac HMAC -macopt "hexkey:$(cat "$RAQIB_KEYS/deployment.key")" -r | cut -d' ' -f1)
STORED_HASH=$(printf 'raqib-store-value-v1\nCIN\n%s' "$AGENT_HASH" |
	openssl dgst -sha256 -mac HMAC -macopt "hexkey:$(cat "$RAQIB_KEYS/collector.key")" -r | cut -d' ' -f1)
stored_alerts | grep -q "$STORED_HASH" || fail "the stored alerts do not carry the collector's hash"
rcli --scan --pattern 'raqib:{s:*}:in:*' | while read -r key; do rcli XTRIM "$key" MAXLEN 0 >/dev/null; done
assert_not_in_redis BK734021 JA501287 007780000123456789012396 230510000045781206339194 "$AGENT_HASH"

# /metrics
curl -sf "$URL/metrics" >"$TMP/metrics" || fail "no /metrics"
grep -qx 'raqib_alerts_stored_total 3' "$TMP/metrics" || fail "metrics: $(grep stored "$TMP/metrics")"
grep -qx 'raqib_agents_enrolled 3' "$TMP/metrics" || fail "metrics: $(grep enrolled "$TMP/metrics")"
grep -qx 'raqib_alerts_by_rule_total{rule="policy.network.personal_data",mode="alert"} 2' "$TMP/metrics" ||
	fail "metrics per rule: $(grep by_rule "$TMP/metrics")"
grep -qx 'raqib_incidents_opened_total 3' "$TMP/metrics" || fail "metrics: $(grep incidents "$TMP/metrics")"
grep -q '^raqib_consumer_lag{site="casa",agent="ws-b"} 0$' "$TMP/metrics" || fail "metrics: $(grep lag "$TMP/metrics")"
grep -q '^raqib_dead_letters_total{reason="signature"} 0$' "$TMP/metrics" || fail "metrics: $(grep dead "$TMP/metrics")"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/nothing")" = 404 ] || fail "an unknown path answered"
echo "PASS"
