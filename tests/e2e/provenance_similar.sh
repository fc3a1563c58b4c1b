#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Provenance follows a registered document's edited copies: a fingerprint rule registers a
# document by the ssdeep digest of its text; one host holds the document, another an edited
# copy (another SHA-256). The document's provenance lists the first, then, under the
# registered document, the copy with its similarity; provenance fingerprint:ID lists both.
. "$(dirname "$0")/lib.sh"

cp "$DATA/demo/beneficiaires.txt" "$TMP/liste.txt"
{ cat "$TMP/liste.txt"; echo "Note: liste revue le 3 mars, deux lignes ajoutees pour le service."
	echo "Service des affaires sociales"; } >"$TMP/liste-revue.txt"
digest=$("$AGENT" scan --digest "$TMP/liste.txt" | sed -n 's/^  ssdeep //p')
[ -n "$digest" ] || fail "no digest"
cat >"$TMP/registered.yml" <<PACK
pack: {name: registered, version: 1, description: e2e.provenance_similar}
rules:
  - {id: fp.liste, kind: fingerprint, description: the list, tags: [test], enabled: true,
     mode: alert, ssdeep: "$digest", similarity: 50, level: CONFIDENTIAL, official: true}
  - {id: policy.rest.registered, kind: policy, description: registered at rest, tags: [test],
     enabled: true, mode: alert, name: Registered document at rest, events: [data_at_rest],
     when: {fingerprint: true}, severity: critical, confidence: high}
  - {id: test.none, kind: detector, description: placeholder, tags: [test], enabled: true,
     mode: alert, entity: NONE_CODE, patterns: ['NONE-[0-9]{9}'], validator: none}
PACK
start_redis
enroll ws-p1
enroll ws-p2
"$AGENT" --redis "$REDIS" --agent-id ws-p1 --rules "$TMP/registered.yml" scan --report "$TMP/liste.txt" \
	>/dev/null 2>"$TMP/p1.err" || fail "scan --report failed: $(cat "$TMP/p1.err")"
"$AGENT" --redis "$REDIS" --agent-id ws-p2 --rules "$TMP/registered.yml" scan --report "$TMP/liste-revue.txt" \
	>/dev/null 2>"$TMP/p2.err" || fail "scan --report failed: $(cat "$TMP/p2.err")"
"$COLLECTOR" --metrics off --redis "$REDIS" --drain --quiet || fail "collector failed"
[ "$(stored_count)" = 2 ] || fail "stored: $(stored_count)"

SHA=$(sha256sum "$TMP/liste.txt" | cut -d' ' -f1)
"$CTL" --redis "$REDIS" provenance "$SHA" >"$TMP/prov" || fail "provenance failed"
grep -qE "holds a copy +100 +$TMP/liste.txt$" "$TMP/prov" || fail "provenance lacks the document: $(cat "$TMP/prov")"
grep -q "the registered document fp.liste" "$TMP/prov" || fail "no similar versions: $(cat "$TMP/prov")"
grep -qE "holds a copy +[5-9][0-9] +$TMP/liste-revue.txt$" "$TMP/prov" || fail "provenance lacks the edited copy: $(cat "$TMP/prov")"
[ "$(grep -c "holds a copy" "$TMP/prov")" = 2 ] || fail "a row shown twice: $(cat "$TMP/prov")"
"$CTL" --redis "$REDIS" provenance fingerprint:fp.liste --json >"$TMP/fp.json" || fail "provenance fingerprint: failed"
[ "$(jq -s length "$TMP/fp.json")" = 2 ] || fail "fingerprint sightings: $(cat "$TMP/fp.json")"
# two hosts hold the registered document: a spread incident of it
"$CTL" --redis "$REDIS" incidents --json | jq -se 'any(.kind == "spread-fingerprint" and .hosts == "2")' >/dev/null ||
	fail "no spread incident of the registered document: $("$CTL" --redis "$REDIS" incidents)"
echo "PASS"
