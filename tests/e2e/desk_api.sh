#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# End to end, the desk's HTTP API over TLS, on a store filled by real agents (the investigation
# scenario: one upload per host from two sites, a copy at rest on a third host, whose file name
# carries terminal escape sequences). Every route: refused without a token (401), refused for a
# role that may not (403), answered right for one that may; malformed arguments and bodies get
# 400 with a reason that does not echo them. Paging by cursor gives every alert once. A value
# searched is never echoed, stored or logged. Every read of an incident, change and export is in
# the hash-chained audit log; raqibctl audit verify finds an entry removed or forged, and with an
# anchor a log rewritten whole; concurrent writers never fork the chain. TLS: a key that does not
# match its certificate, and plain HTTP off loopback, stop the collector with the reason.
# raqibctl's case commands: incidents subcommands, timelines (site found, CSV), provenance of a
# local file, export (HTML in three languages, PDF through chromium), control characters stripped.
. "$(dirname "$0")/lib.sh"

command -v curl >/dev/null || fail "curl is not installed"
DOC=$DATA/demo/beneficiaires.txt
SHA=$(sha256sum "$DOC" | cut -d' ' -f1)
# a copy at rest whose name would clear the screen and rewrite the terminal's title
EVIL_NAME=$(printf 'liste\033[2J\033]0;pwned\007.txt')
mkdir -p "$TMP/rest"
cp "$DOC" "$TMP/rest/$EVIL_NAME"

start_redis
enroll ws-a rabat
enroll ws-b casa
enroll ws-c casa
"$AGENT" --redis "$REDIS" --agent-id ws-a --site rabat replay "$DATA/http-upload-cin.pcap" 2>"$TMP/a.err" ||
	fail "agent ws-a failed: $(cat "$TMP/a.err")"
"$AGENT" --redis "$REDIS" --agent-id ws-b --site casa replay "$DATA/http-upload-cin.pcap" 2>"$TMP/b.err" ||
	fail "agent ws-b failed: $(cat "$TMP/b.err")"
"$AGENT" --redis "$REDIS" --agent-id ws-c --site casa scan --report "$TMP/rest/$EVIL_NAME" >/dev/null 2>"$TMP/c.err" ||
	fail "agent ws-c scan --report failed: $(cat "$TMP/c.err")"

# TLS: a certificate for 127.0.0.1, and a key of another certificate
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 -addext "subjectAltName=IP:127.0.0.1" \
	-keyout "$TMP/desk.key" -out "$TMP/desk.crt" 2>/dev/null || fail "openssl req failed"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=other \
	-keyout "$TMP/other.key" -out "$TMP/other.crt" 2>/dev/null || fail "openssl req failed"
rc=0
"$COLLECTOR" --redis "$REDIS" --desk 127.0.0.1:0 --set desk.tls_cert="$TMP/desk.crt" \
	--set desk.tls_key="$TMP/other.key" --drain 2>"$TMP/mismatch.err" || rc=$?
[ "$rc" = 1 ] && grep -q "are not usable" "$TMP/mismatch.err" || fail "a key of another certificate was taken: rc=$rc $(cat "$TMP/mismatch.err")"
rc=0
"$COLLECTOR" --redis "$REDIS" --desk 0.0.0.0:0 --drain 2>"$TMP/clear.err" || rc=$?
[ "$rc" = 2 ] && grep -q "needs TLS" "$TMP/clear.err" || fail "the desk served plain HTTP off loopback: rc=$rc $(cat "$TMP/clear.err")"

DPORT=$(free_port)
"$COLLECTOR" --redis "$REDIS" --desk "127.0.0.1:$DPORT" --set desk.tls_cert="$TMP/desk.crt" \
	--set desk.tls_key="$TMP/desk.key" 2>"$TMP/collector.err" &
track $!
wait_for '[ "$(stored_count)" = 3 ]' 30
URL=https://127.0.0.1:$DPORT
for role in viewer analyst investigator administrator; do
	"$CTL" token-add "$role-1" --role "$role" >"$TMP/token.$role" 2>/dev/null || fail "token-add $role failed"
done
"$CTL" token-list >"$TMP/tokens" || fail "token-list failed"
grep -qE '^analyst-1 +analyst$' "$TMP/tokens" || fail "token-list: $(cat "$TMP/tokens")"
grep -qf "$TMP/token.viewer" "$RAQIB_KEYS/tokens" && fail "a token was stored in clear"
wait_for 'curl -s --cacert "$TMP/desk.crt" -o /dev/null "$URL/"' 10

# api ROLE METHOD PATH [BODY]: the status in $STATUS, the body in $TMP/body
api() {
	local auth=()
	[ "$1" != none ] && auth=(-H "Authorization: Bearer $(cat "$TMP/token.$1")")
	STATUS=$(curl -s --cacert "$TMP/desk.crt" -o "$TMP/body" -w '%{http_code}' -X "$2" "${auth[@]}" \
		${4+--data-binary "$4"} "$URL$3")
}
expect() {
	[ "$STATUS" = "$1" ] || fail "$2: expected HTTP $1, got $STATUS: $(head -c 300 "$TMP/body")"
}
body_jq() {
	jq -e "$1" "$TMP/body" >/dev/null || fail "$2: expected $1 to hold for: $(head -c 600 "$TMP/body")"
}

# Every route refuses a request without a token, and with a token nobody was given.
ROUTES="GET:/api/session GET:/api/alerts GET:/api/incidents GET:/api/incident?id=s:rabat:1
POST:/api/incident?id=s:rabat:1 GET:/api/timeline?kind=host&id=ws-a GET:/api/provenance?document=$SHA
GET:/api/agents GET:/api/rules GET:/api/audit POST:/api/find GET:/api/export?id=s:rabat:1"
openssl rand -hex 32 >"$TMP/token.stolen"
for r in $ROUTES; do
	api none "${r%%:*}" "${r#*:}" x
	expect 401 "${r} without a token"
	body_jq '.error | test("token")' "$r without a token"
	api stolen "${r%%:*}" "${r#*:}" x
	expect 401 "${r} with a token nobody was given"
done

# session: who and what the role may do
api viewer GET /api/session
expect 200 session
body_jq '.name == "viewer-1" and .role == "viewer" and .may.read and (.may.search_value | not) and (.may.change_incident | not)' session
api investigator GET /api/session
body_jq '.may.search_value and .may.export and .value_search' "investigator session"
api administrator GET /api/session
body_jq '.may.read_audit and (.may.search_value | not) and (.may.change_incident | not)' "administrator session"

# alerts: all of them, filters, pages
api viewer GET '/api/alerts'
expect 200 alerts
body_jq '(.items | length) == 3 and .cursor == null' alerts
body_jq '[.items[].alert.agent.id] | sort == ["ws-a", "ws-b", "ws-c"]' alerts
api viewer GET '/api/alerts?host=ws-a'
body_jq '(.items | length) == 1 and (.items[0].ref | startswith("rabat:ws-a:"))' "alerts of a host, its site found"
api viewer GET '/api/alerts?site=casa'
body_jq '(.items | length) == 2' "alerts of a site"
api viewer GET '/api/alerts?rule=policy.network.personal_data'
body_jq '(.items | length) == 2 and all(.items[]; .alert.rule.id == "policy.network.personal_data")' "alerts of a rule"
api viewer GET "/api/alerts?document=$SHA&site=rabat"
body_jq '(.items | length) == 1' "alerts of a document and a site"
api viewer GET '/api/alerts?severity=critical'
body_jq '(.items | length) == 0' "alerts above a severity"
api viewer GET '/api/alerts?from=2000-01-01T00:00:00Z&to=2000-01-02T00:00:00Z'
body_jq '(.items | length) == 0' "alerts in a range with none"
api viewer GET "/api/alerts?to=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)&from=$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%S%:z | sed 's/+/%2B/')"
body_jq '(.items | length) == 3' "alerts in a range with all"
VALUE_HASH=$(jq -r '.items[0].alert.raqib.findings[0].hash' "$TMP/body")
api viewer GET "/api/alerts?value=$VALUE_HASH"
body_jq '(.items | length) == 3' "alerts of a value hash"
api viewer GET "/api/alerts?value=$VALUE_HASH&app=Nothing"
body_jq '(.items | length) == 0' "alerts of a value hash and an app"
# pages of one: every alert once
seen=""
cursor=""
for _ in 1 2 3 4; do
	api viewer GET "/api/alerts?limit=1${cursor:+&cursor=$cursor}"
	expect 200 "a page"
	seen="$seen $(jq -r '.items[].ref' "$TMP/body")"
	cursor=$(jq -r '.cursor // empty' "$TMP/body")
	[ -n "$cursor" ] || break
done
[ "$(echo "$seen" | tr ' ' '\n' | grep -c .)" = 3 ] && [ "$(echo "$seen" | tr ' ' '\n' | grep . | sort -u | wc -l)" = 3 ] ||
	fail "pages of one gave: $seen"
# malformed arguments: 400 with a reason that names the argument, never its value
for bad in 'limit=abc' 'limit=0' 'limit=501' 'from=yesterday' 'from=2026-02-31' 'severity=huge' \
	'host=ws%20a' 'user=ws-a' 'document=BK734021' 'value=BK734021' 'cursor=x%20y' 'colour=red' \
	'host=ws-a&host=ws-b' 'from=2026-12-09&to=2026-12-08' "app=$(printf 'a%%1b%%5b2J')"; do
	api viewer GET "/api/alerts?$bad"
	expect 400 "alerts?$bad"
	body_jq '.error | length > 0' "alerts?$bad"
	grep -q BK734021 "$TMP/body" && fail "a refused argument was echoed: $(cat "$TMP/body")"
done
api viewer GET '/api/alerts?host=nobody'
expect 404 "a host no site knows"

# incidents: list, filters
api viewer GET /api/incidents
expect 200 incidents
body_jq '(.items | length) == 8' "incidents (3 local, 1 document spread, 4 value spread)"
api viewer GET '/api/incidents?kind=local'
body_jq '(.items | length) == 3 and all(.items[]; .kind == "local")' "local incidents"
api viewer GET '/api/incidents?kind=local&site=rabat'
body_jq '(.items | length) == 1 and .items[0].id == "s:rabat:1"' "incidents of a site"
api viewer GET '/api/incidents?state=resolved'
expect 400 "an unknown state"
api viewer GET '/api/incidents?limit=2'
body_jq '(.items | length) == 2 and (.cursor | type) == "string"' "a page of incidents"

# incident: read by every role, audited before it is shown
for role in viewer analyst investigator administrator; do
	api "$role" GET '/api/incident?id=s:rabat:1'
	expect 200 "incident read by $role"
done
body_jq '.incident.id == "s:rabat:1" and .incident.kind == "local" and .incident.count == 1 and (.items | length) == 1' incident
body_jq '.items[0].alert.agent.id == "ws-a"' "incident's alert"
api viewer GET "/api/incident?id=d:$SHA:1"
body_jq '.incident.kind == "spread-document" and .incident.hosts == 3 and (.items | length) == 3' "spread incident"
api viewer GET '/api/incident?id=s:rabat:99'
expect 404 "an incident that does not exist"
api viewer GET '/api/incident?id=rabat'
expect 400 "a malformed incident id"
rcli XRANGE raqib:audit - + >"$TMP/audit"
[ "$(grep -c '^read$' "$TMP/audit")" -ge 5 ] && grep -qx viewer-1 "$TMP/audit" && grep -qx administrator-1 "$TMP/audit" ||
	fail "reads of the incident not audited: $(cat "$TMP/audit")"

# changing an incident: analysts and investigators only
api viewer POST '/api/incident?id=s:rabat:1' '{"state":"triage"}'
expect 403 "a viewer changing an incident"
body_jq '.error | test("viewer")' "403 names the role"
api administrator POST '/api/incident?id=s:rabat:1' '{"state":"triage"}'
expect 403 "an administrator changing an incident"
api analyst POST '/api/incident?id=s:rabat:1' '{"state":"confirmed","assignee":"analyst-1","note":"sent outside: reported to the CNDP"}'
expect 200 "an analyst changing an incident"
body_jq '.incident.state == "confirmed" and .incident.assignee == "analyst-1" and .notes[0].who == "analyst-1" and (.notes[0].text | test("CNDP"))' "changed incident"
api investigator POST '/api/incident?id=s:rabat:1' '{"assignee":""}'
expect 200 "unassigning"
body_jq '.incident.assignee == ""' unassigned
for bad in '' 'null' '[]' '{}' '{"state":"resolved"}' '{"colour":"red"}' '{"note":"\u001b[2J"}' '{"assignee":"a b"}' '{"state":"new"'; do
	api analyst POST '/api/incident?id=s:rabat:1' "$bad"
	expect 400 "a change '$bad'"
	body_jq '.error | length > 0' "change '$bad'"
done
api analyst POST '/api/incident?id=s:rabat:99' '{"state":"closed"}'
expect 404 "changing an incident that does not exist"
api viewer GET '/api/incidents?state=confirmed'
body_jq '(.items | length) == 1 and .items[0].id == "s:rabat:1"' "incidents by state"

# timelines
api viewer GET '/api/timeline?kind=host&id=ws-b'
expect 200 "host timeline"
body_jq '(.items | length) == 1 and .items[0].alert.agent.id == "ws-b"' "host timeline"
api viewer GET "/api/timeline?kind=document&id=$SHA"
body_jq '(.items | length) == 3' "document timeline"
api viewer GET '/api/timeline?kind=incident&id=s:casa:1'
body_jq '(.items | length) == 1' "incident timeline"
api viewer GET '/api/timeline?kind=app&id=Nothing'
body_jq '(.items | length) == 0' "app timeline"
api viewer GET '/api/timeline?kind=user&id=ws-a/0'
expect 200 "user timeline"
api viewer GET '/api/timeline?kind=host'
expect 400 "a timeline without id"
api viewer GET '/api/timeline?kind=site&id=x'
expect 400 "an unknown timeline kind"
api viewer GET '/api/timeline?kind=document&id=abc'
expect 400 "a document timeline of no SHA-256"

# provenance
api viewer GET "/api/provenance?document=$SHA"
expect 200 provenance
jq -e --arg sha "$SHA" '.document == $sha and (.items | length) == 3' "$TMP/body" >/dev/null ||
	fail "provenance: $(cat "$TMP/body")"
body_jq '[.items[].alert.event.dataset] | sort == ["raqib.at_rest", "raqib.network", "raqib.network"]' "provenance actions"
api viewer GET '/api/provenance'
expect 400 "provenance without a document"

# agents, with coverage gaps; rules, with hit counts
api viewer GET /api/agents
expect 200 agents
body_jq '(.agents | length) == 3 and (.agents | map(.agent) | sort) == ["ws-a", "ws-b", "ws-c"] and (.gaps | type) == "array"' agents
api viewer GET /api/rules
expect 200 rules
body_jq '[.rules[] | select(.id == "policy.network.personal_data")][0].hits == 2 and .packs.builtin.detectors > 0' rules

# value search: investigators only; the value never comes back
for role in viewer analyst administrator; do
	api "$role" POST /api/find 'BK 734021'
	expect 403 "$role searching by value"
	grep -q 734021 "$TMP/body" && fail "the value was echoed to a $role"
done
api investigator POST /api/find 'BK 734021'
expect 200 "an investigator searching by value"
body_jq '.type == "CIN" and .total == 3 and (.alerts | length) == 3' "search by value"
grep -q 734021 "$TMP/body" && fail "the value was echoed"
api investigator POST /api/find 'bonjour'
expect 422 "a search for no identifier"
grep -q bonjour "$TMP/body" && fail "the text searched was echoed"

# the audit log: administrators all of it, investigators an incident's trail
api analyst GET /api/audit
expect 403 "an analyst reading the audit log"
api investigator GET /api/audit
expect 403 "an investigator reading the whole audit log"
api investigator GET '/api/audit?incident=s:rabat:1'
expect 200 "an investigator reading an incident's trail"
body_jq 'all(.items[]; .incident == "s:rabat:1") and ([.items[] | select(.action == "incident")] | length) == 2' "incident trail"
api investigator GET '/api/audit?incident=s:rabat:1&verify=1'
expect 403 "an investigator verifying the chain"
api administrator GET '/api/audit?verify=1&limit=500'
expect 200 "the audit log"
body_jq '.chain.intact and .chain.entries >= 10 and ([.items[] | select(.action == "find")] | length) == 1' "audit log"
grep -qiE 'BK.?734021|bonjour' "$TMP/body" && fail "the audit log holds a value searched"
api administrator GET '/api/audit?cursor=123'
expect 400 "a malformed audit cursor"

# export: analysts and investigators; audited; a self-contained report
api viewer GET '/api/export?id=s:rabat:1'
expect 403 "a viewer exporting"
api administrator GET '/api/export?id=s:rabat:1'
expect 403 "an administrator exporting"
api investigator GET '/api/export?id=s:rabat:1&lang=fr'
expect 200 "an investigator exporting"
grep -q '<html lang="fr" dir="ltr">' "$TMP/body" || fail "export: not the French report"
grep -q 's:rabat:1' "$TMP/body" && grep -q 'CNDP' "$TMP/body" && grep -q 'investigator-1' "$TMP/body" ||
	fail "export lacks the incident, its note or the audit trail"
grep -qiE '<script|src=|href=' "$TMP/body" && fail "the report loads something: $(grep -oiE '<script[^>]*>|(src|href)=[^ >]*' "$TMP/body" | head -3)"
curl -s --cacert "$TMP/desk.crt" -D "$TMP/headers" -o /dev/null -H "Authorization: Bearer $(cat "$TMP/token.analyst")" \
	"$URL/api/export?id=s:rabat:1" || fail "export headers"
grep -qi '^Content-Disposition: attachment; filename="raqib-case-s-rabat-1.html"' "$TMP/headers" || fail "export headers: $(cat "$TMP/headers")"
api viewer GET '/api/export?id=s:rabat:99'
expect 403 "a viewer exporting nothing"
api analyst GET '/api/export?id=s:rabat:99'
expect 404 "exporting an incident that does not exist"
[ "$(rcli XRANGE raqib:audit - + | grep -c '^export$')" = 2 ] || fail "exports not audited"

# the UI: served without a token, with a policy that loads nothing from elsewhere
curl -s --cacert "$TMP/desk.crt" -D "$TMP/headers" -o "$TMP/index" "$URL/" || fail "no UI"
grep -q '<script src="desk.js"' "$TMP/index" || fail "the UI's page: $(head -5 "$TMP/index")"
grep -qi "^Content-Security-Policy: default-src 'none'; script-src 'self'" "$TMP/headers" || fail "no CSP: $(cat "$TMP/headers")"
grep -qi '^Strict-Transport-Security' "$TMP/headers" || fail "no HSTS over TLS"
for f in index.html desk.js desk.css i18n.js; do
	grep -oE "(https?:)?//[a-z0-9.-]+\.[a-z]{2,}[^\"' ]*" "$RAQIB_SOURCE_DIR/collector/ui/$f" | grep -v '^http://www.w3.org/2000/svg$' &&
		fail "the UI's $f names an outside address"
done
[ "$(curl -s --cacert "$TMP/desk.crt" -o /dev/null -w '%{http_code}' "$URL/nothing")" = 404 ] || fail "an unknown path answered"
[ "$(curl -s --cacert "$TMP/desk.crt" -o /dev/null -w '%{http_code}' -X DELETE "$URL/api/alerts")" = 405 ] || fail "a wrong method answered"
# plain HTTP to the TLS port gets nothing
curl -s -m 3 -o /dev/null "http://127.0.0.1:$DPORT/api/session" && fail "plain HTTP was answered"

# docs/api.yaml says what the server does: every route it documents answers (401 without a
# token), every query argument it documents is known to the route (a malformed value is refused
# naming it), and an argument it does not document is unknown.
python3 - "$RAQIB_SOURCE_DIR/docs/api.yaml" >"$TMP/documented" <<'PY' || fail "docs/api.yaml does not parse"
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
params = doc["components"]["parameters"]
for path, item in doc["paths"].items():
    for method, op in item.items():
        names = [params[p["$ref"].split("/")[-1]]["name"] if "$ref" in p else p["name"] for p in op.get("parameters", [])]
        print(method.upper(), path, " ".join(names))
PY
[ "$(wc -l <"$TMP/documented")" = 12 ] || fail "docs/api.yaml: $(cat "$TMP/documented")"
while read -r method path names; do
	case "$method $path" in
	"POST /api/incident" | "GET /api/export") role=analyst ;;
	"GET /api/audit") role=administrator ;;
	"POST /api/find") role=investigator ;;
	*) role=viewer ;;
	esac
	api none "$method" "$path" x
	expect 401 "documented $method $path"
	for name in $names; do
		api "$role" "$method" "$path?$name=%01" x
		expect 400 "documented argument $name of $method $path"
		jq -e --arg n "$name" '.error | startswith("argument '"'"'" + $n + "'"'"'")' "$TMP/body" >/dev/null ||
			fail "$method $path does not know its documented argument $name: $(cat "$TMP/body")"
	done
	if [ "$method" = GET ]; then
		api "$role" GET "$path?undocumented=1"
		expect 400 "an undocumented argument of $path"
	fi
done <"$TMP/documented"

# raqibctl: incidents, timelines, provenance, export
RAQIB_AS=amina "$CTL" --redis "$REDIS" incidents state s:casa:1 triage >/dev/null || fail "incidents state"
RAQIB_AS=amina "$CTL" --redis "$REDIS" incidents assign s:casa:1 amina >/dev/null || fail "incidents assign"
echo 'reported by phone' | RAQIB_AS=amina "$CTL" --redis "$REDIS" incidents note s:casa:1 - >/dev/null || fail "incidents note -"
rc=0
"$CTL" --redis "$REDIS" incidents state s:casa:1 resolved 2>/dev/null || rc=$?
[ "$rc" = 2 ] || fail "a bad state was accepted"
RAQIB_AS=omar "$CTL" --redis "$REDIS" incidents show s:casa:1 >"$TMP/show" || fail "incidents show"
grep -q "state      triage" "$TMP/show" && grep -q "assignee   amina" "$TMP/show" && grep -q "note: .* amina: reported by phone" "$TMP/show" ||
	fail "incidents show: $(cat "$TMP/show")"
"$CTL" --redis "$REDIS" audit list --incident s:casa:1 >"$TMP/trail" || fail "audit list"
grep -qE ' omar +read ' "$TMP/trail" || fail "raqibctl's read not audited: $(cat "$TMP/trail")"
"$CTL" --redis "$REDIS" incidents >"$TMP/incidents" || fail "incidents"
grep -qE '^s:casa:2 +local +new +low +1 +1 [0-9-]+ [0-9:]+ ws-c / -$' "$TMP/incidents" ||
	fail "incidents table: $(cat -v "$TMP/incidents")"
"$CTL" --redis "$REDIS" incidents list --csv >"$TMP/incidents.csv" || fail "incidents --csv"
head -1 "$TMP/incidents.csv" | grep -q '^"id","kind","state"' && [ "$(grep -c '^"' "$TMP/incidents.csv")" = 9 ] ||
	fail "incidents --csv: $(cat "$TMP/incidents.csv")"
"$CTL" --redis "$REDIS" timeline --host ws-c --json >"$TMP/tl" || fail "timeline --host (no --site)"
jq -se 'length == 1 and .[0].agent.id == "ws-c"' "$TMP/tl" >/dev/null || fail "timeline --host: $(cat "$TMP/tl")"
"$CTL" --redis "$REDIS" timeline --document "$SHA" --since 1h --until "$(date -u -d '+1 min' +%Y-%m-%dT%H:%M:%SZ)" --csv >"$TMP/tl.csv" ||
	fail "timeline --document --csv"
[ "$(grep -c '^"' "$TMP/tl.csv")" = 4 ] || fail "timeline --csv: $(cat "$TMP/tl.csv")"
"$CTL" --redis "$REDIS" timeline --document "$SHA" --until 2000-01-01 >"$TMP/tl.none" || fail "timeline --until"
grep -qx "no timeline entries stored" "$TMP/tl.none" || fail "timeline --until: $(cat "$TMP/tl.none")"
rc=0
"$CTL" --redis "$REDIS" timeline --host ws-c --since tomorrow 2>/dev/null || rc=$?
[ "$rc" = 2 ] || fail "a bad --since was accepted"
"$CTL" --redis "$REDIS" provenance "$TMP/rest/$EVIL_NAME" >"$TMP/prov" || fail "provenance FILE"
grep -q "^document $SHA " "$TMP/prov" && [ "$(grep -c '^20' "$TMP/prov")" = 3 ] || fail "provenance FILE: $(cat "$TMP/prov")"
# nothing printed from alerts drives the terminal
"$CTL" --redis "$REDIS" alerts >>"$TMP/prov" && "$CTL" --redis "$REDIS" timeline --host ws-c >>"$TMP/prov" &&
	"$CTL" --redis "$REDIS" timeline --host ws-c --csv >>"$TMP/prov" || fail "raqibctl listing failed"
grep -q 'liste?\[2J?\]0;pwned?\.txt' "$TMP/prov" || fail "the hostile name is not shown cleaned: $(cat -v "$TMP/prov")"
LC_ALL=C grep -q "$(printf '[\001-\010\013\014\016-\037\177]')" "$TMP/prov" && fail "raqibctl printed control characters: $(cat -v "$TMP/prov")"
"$CTL" --redis "$REDIS" timeline --host ws-c --json >"$TMP/tl.json" || fail "timeline --json"
grep -qi "liste\\\\u001b\\[2J" "$TMP/tl.json" || fail "--json lost the name as stored: $(cat "$TMP/tl.json")"
# export: HTML in Arabic, right to left; PDF through chromium
RAQIB_AS=amina "$CTL" --redis "$REDIS" export "d:$SHA:1" --lang ar -o "$TMP/case.html" 2>/dev/null || fail "raqibctl export"
grep -q '<html lang="ar" dir="rtl">' "$TMP/case.html" && grep -q 'سجل التدقيق' "$TMP/case.html" ||
	fail "export --lang ar: $(head -5 "$TMP/case.html")"
grep -q 'liste&#65533;\[2J&#65533;\]0;pwned&#65533;\.txt\|liste�\[2J�\]0;pwned�\.txt' "$TMP/case.html" || fail "the report does not clean the hostile name"
grep -c '<tr><td class="t">' "$TMP/case.html" >/dev/null || fail "export: no rows"
if command -v chromium >/dev/null; then
	"$CTL" --redis "$REDIS" export s:rabat:1 -o "$TMP/case1.html" --pdf "$TMP/case1.pdf" 2>"$TMP/pdf.err" ||
		fail "export --pdf: $(cat "$TMP/pdf.err")"
	[ "$(head -c 5 "$TMP/case1.pdf")" = "%PDF-" ] || fail "export --pdf wrote no PDF"
elif [ -n "${RAQIB_NO_SKIP:-}" ]; then
	fail "chromium is not installed (scripts/install-deps.sh)"
fi

cp "$TMP/case.html" /tmp/desk-scratch/case-ar.html 2>/dev/null || true
# A registered document (a fingerprint rule) and an edited copy of it on another host: the
# document's provenance brings the copy, with its similarity; so does the fingerprint's.
cp "$DOC" "$TMP/liste.txt"
{ cat "$DOC"; echo "Note: liste revue le 3 mars, deux lignes ajoutees pour le service."
	echo "Service des affaires sociales"; } >"$TMP/liste-revue.txt"
digest=$("$AGENT" scan --digest "$TMP/liste.txt" | sed -n 's/^  ssdeep //p')
cat >"$TMP/registered.yml" <<PACK
pack: {name: registered, version: 1, description: e2e.desk_api}
rules:
  - {id: fp.liste, kind: fingerprint, description: the list, tags: [test], enabled: true,
     mode: alert, ssdeep: "$digest", similarity: 50, level: CONFIDENTIAL, official: true}
  - {id: policy.rest.registered, kind: policy, description: registered at rest, tags: [test],
     enabled: true, mode: alert, name: Registered document at rest, events: [data_at_rest],
     when: {fingerprint: true}, severity: critical, confidence: high}
  - {id: test.none, kind: detector, description: placeholder, tags: [test], enabled: true,
     mode: alert, entity: NONE_CODE, patterns: ['NONE-[0-9]{9}'], validator: none}
PACK
enroll ws-p1 tanger
enroll ws-p2 tanger
for p in p1:liste p2:liste-revue; do
	"$AGENT" --redis "$REDIS" --agent-id "ws-${p%%:*}" --site tanger --rules "$TMP/registered.yml" \
		scan --report "$TMP/${p#*:}.txt" >/dev/null 2>"$TMP/scan.err" || fail "scan --report failed: $(cat "$TMP/scan.err")"
done
wait_for '[ "$(rcli ZCARD "raqib:{s:tanger}:alerts")" = 2 ]' 30
REG_SHA=$(sha256sum "$TMP/liste.txt" | cut -d' ' -f1)
api viewer GET "/api/provenance?document=$REG_SHA"
expect 200 "provenance of a registered document"
body_jq '[.items[] | select(.ref | startswith("tanger:"))] | length == 1' "the registered document's own sighting"
body_jq '.registered | length == 1 and .[0].fingerprint == "fp.liste" and (.[0].items | length) == 1 and .[0].items[0].alert.raqib.document.similarity < 100' \
	"the registered document's edited copy"
api viewer GET "/api/provenance?fingerprint=fp.liste"
body_jq '.fingerprint == "fp.liste" and (.items | length) == 2' "a registered document's sightings"
api viewer GET "/api/provenance?fingerprint=fp.liste&document=$REG_SHA"
expect 400 "provenance of a document and a fingerprint at once"

# The audit log's chain: concurrent writers never fork it; a removed or forged entry is found;
# with an anchor, so is a log rewritten whole.
for i in 1 2 3 4; do
	(for _ in 1 2 3 4 5; do RAQIB_AS="w$i" "$CTL" --redis "$REDIS" incidents show s:casa:2 >/dev/null || exit 1; done) &
	eval "W$i=\$!"
done
wait "$W1" && wait "$W2" && wait "$W3" && wait "$W4" || fail "concurrent readers failed"
"$CTL" --redis "$REDIS" audit verify --anchor "$TMP/anchor" >"$TMP/verify" || fail "audit verify: $(cat "$TMP/verify")"
grep -q "^audit log intact: " "$TMP/verify" || fail "audit verify: $(cat "$TMP/verify")"
[ "$(rcli XRANGE raqib:audit - + | grep -cx 's:casa:2')" -ge 20 ] || fail "concurrent reads not all audited"
N=$(rcli XLEN raqib:audit)
grep -q "^$N:[0-9a-f]\{64\}$" "$TMP/anchor" || fail "anchor file: $(cat "$TMP/anchor")"
# a forged entry appended without the chain
rcli XADD raqib:audit '*' action read who nobody ts 0 >/dev/null
rc=0
"$CTL" --redis "$REDIS" audit verify >"$TMP/verify" || rc=$?
[ "$rc" = 1 ] && grep -q "BROKEN" "$TMP/verify" || fail "a forged entry was not found: rc=$rc $(cat "$TMP/verify")"
# an entry removed from the middle
rcli XDEL raqib:audit "$(rcli XREVRANGE raqib:audit + - COUNT 1 | head -1)" >/dev/null
"$CTL" --redis "$REDIS" audit verify >/dev/null || fail "the log did not verify again once the forgery was removed"
MID=$(rcli XRANGE raqib:audit - + COUNT 5 | grep -E '^[0-9]+-[0-9]+$' | sed -n 3p)
NEXT=$(rcli XRANGE raqib:audit "($MID" + COUNT 1 | head -1)
rcli XDEL raqib:audit "$MID" >/dev/null
rc=0
"$CTL" --redis "$REDIS" audit verify --json >"$TMP/verify" || rc=$?
[ "$rc" = 1 ] && jq -e --arg id "$NEXT" '.intact == false and .bad_id == $id and (.reason | test("removed"))' "$TMP/verify" >/dev/null ||
	fail "a removed entry was not found: rc=$rc $(cat "$TMP/verify")"
# a log rewritten whole: valid from its first entry, but the anchored entry is gone
rcli DEL raqib:audit >/dev/null
for _ in 1 2 3; do "$CTL" --redis "$REDIS" incidents show s:casa:2 >/dev/null; done
"$CTL" --redis "$REDIS" audit verify >/dev/null || fail "a fresh log does not verify"
rc=0
"$CTL" --redis "$REDIS" audit verify --anchor "$TMP/anchor" >"$TMP/verify" || rc=$?
[ "$rc" = 1 ] && grep -q "cut or rewritten" "$TMP/verify" || fail "a rewritten log passed its anchor: rc=$rc $(cat "$TMP/verify")"

# The store and the collector's log hold none of the values searched or found.
assert_not_in_redis BK734021 JA501287 "BK 734021"
grep -qiE 'BK.?734021|bonjour' "$TMP/collector.err" && fail "the collector logged a value"
echo "PASS"
