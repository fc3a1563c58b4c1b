#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# End to end, the desk's web UI in Debian's Chromium (tests/ui/desk.test.js, playwright-core),
# on a store that raqib agents filled as they do in the field:
#  - ws-live (site rabat): a stand-in Telegram Desktop opens a TOP SECRET letter of
#    ../shared/corpus and uploads it over TLS (real BPF programs, network namespaces): the
#    incident whose story the UI tells;
#  - ws-copy (site casa): the same letter found at rest (scan --report): a spread incident and
#    the document's provenance across two hosts;
#  - ws-net (site casa): a recorded HTTP upload of citizens' CINs and RIBs (replay): what the
#    investigator searches by value.
# The collector serves the desk over TLS. Screenshots of every page in every language go to
# $RAQIB_BUILD_DIR/tests/ui-screenshots (kept after the run). Needs root (BPF), chromium, node
# and npm (playwright-core is installed into the build tree once; no browser is downloaded).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns.sh"

[ "$(id -u)" = 0 ] || skip "needs root to load BPF programs and create network namespaces"
[ -r /sys/kernel/btf/vmlinux ] || skip "kernel without BTF"
[ -x /usr/bin/chromium ] || skip "chromium is not installed (scripts/install-deps.sh)"
command -v node >/dev/null && command -v npm >/dev/null || skip "node and npm are not installed (scripts/install-deps.sh)"
CLIENT=$RAQIB_BUILD_DIR/tests/tls_upload
[ -x "$CLIENT" ] || fail "test client not built: $CLIENT"
LETTER_SRC=$RAQIB_SHARED_DIR/corpus/docs/doc_135.txt # TOP SECRET, two CINs
[ -r "$LETTER_SRC" ] || fail "corpus not found at $LETTER_SRC"

# playwright-core, pinned, into the build tree (no browser download; the tests use Debian's)
UI_DIR=$RAQIB_BUILD_DIR/tests/ui
PW_VERSION=1.65.2
if [ "$(node -p "try { require('$UI_DIR/node_modules/playwright-core/package.json').version } catch (e) { '' }")" != "$PW_VERSION" ]; then
	mkdir -p "$UI_DIR"
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --prefix "$UI_DIR" --no-save --no-audit --no-fund \
		--loglevel=error "playwright-core@$PW_VERSION" >"$TMP/npm.log" 2>&1 ||
		fail "npm could not install playwright-core@$PW_VERSION: $(tail -5 "$TMP/npm.log")"
fi

LETTER=note-circulaire-2026.txt
mkdir -p "$TMP/live" "$TMP/copy" "$TMP/bin"
cp "$LETTER_SRC" "$TMP/live/$LETTER"
cp "$LETTER_SRC" "$TMP/copy/$LETTER"
cp "$CLIENT" "$TMP/bin/telegram-desktop"
DOC_SHA=$(sha256sum "$LETTER_SRC" | cut -d' ' -f1)

netns_setup
start_tls_server 4433
start_redis
enroll ws-live rabat
enroll ws-copy casa
enroll ws-net casa

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=127.0.0.1 \
	-addext "subjectAltName=IP:127.0.0.1" -keyout "$TMP/desk.key" -out "$TMP/desk.crt" 2>/dev/null ||
	fail "cannot make the desk's certificate"
DPORT=$(free_port)
"$COLLECTOR" --redis "$REDIS" --desk "127.0.0.1:$DPORT" --set desk.tls_cert="$TMP/desk.crt" \
	--set desk.tls_key="$TMP/desk.key" 2>"$TMP/collector.err" &
track $!

# ws-live: the app opens the letter and sends it
"$AGENT" --redis "$REDIS" --agent-id ws-live --site rabat run --ready-file "$TMP/ready" --upload-window 3 \
	2>"$TMP/agent.err" &
AGENT_PID=$!
track "$AGENT_PID"
wait_agent_ready
ip netns exec "$NS_CLI" "$TMP/bin/telegram-desktop" --wait-ms 500 --send "$TMP/live/$LETTER" "$SRV_IP" 4433 ||
	fail "the stand-in app could not upload"
wait_for '[ "$(stored_count)" -ge 1 ]' 30
kill -TERM "$AGENT_PID"
wait "$AGENT_PID" || fail "agent exited with an error: $(cat "$TMP/agent.err")"
# ws-copy: the same letter at rest; ws-net: citizens' data over HTTP
"$AGENT" --redis "$REDIS" --agent-id ws-copy --site casa scan --report "$TMP/copy/$LETTER" >/dev/null 2>"$TMP/copy.err" ||
	fail "scan --report failed: $(cat "$TMP/copy.err")"
"$AGENT" --redis "$REDIS" --agent-id ws-net --site casa replay "$DATA/http-upload-cin.pcap" 2>"$TMP/net.err" ||
	fail "replay failed: $(cat "$TMP/net.err")"
# ws-old (site casa): an agent whose alerts 2 and 3 never arrived, a coverage gap
enroll ws-old casa
for seq in 1 4; do
	doc=$(printf '{"@timestamp":"%s","event":{"id":"old-%s","kind":"alert","severity":21},"host":{"name":"old"},"agent":{"id":"ws-old"},"rule":{"id":"raqib.test"},"raqib":{"sequence":%s,"findings":[]}}' \
		"$(date -u +%Y-%m-%dT%H:%M:%S.000Z)" "$seq" "$seq")
	sig=$(printf 'raqib-alert-v2\nws-old\n%s\n%s\n%s' "$TEST_EPOCH" "$seq" "$doc" |
		openssl dgst -sha256 -mac HMAC -macopt "hexkey:$(agent_key ws-old)" -r | cut -d' ' -f1)
	rcli XADD "$(stream_of ws-old casa)" '*' agent ws-old epoch "$TEST_EPOCH" seq "$seq" alert "$doc" sig "$sig" >/dev/null
done
wait_for '[ "$(stored_count)" -ge 5 ]' 30
[ -n "$(rcli XRANGE 'raqib:{s:casa}:gaps' - +)" ] || fail "no coverage gap recorded for ws-old: $(dead_letters)"

LIVE_INCIDENT=$(rcli ZREVRANGE raqib:incidents 0 -1 | grep '^s:rabat:' | head -1)
[ -n "$LIVE_INCIDENT" ] || fail "no incident for the live upload: $(rcli ZRANGE raqib:incidents 0 -1)"
stored_alerts | jq -e --arg p "$TMP/live/$LETTER" 'select(.file.path == $p) | .raqib.upload.bytes > 0' >/dev/null ||
	fail "the live alert is not an upload: $(stored_alerts)"
for role in viewer analyst investigator administrator; do
	"$CTL" token-add "$role-1" --role "$role" >"$TMP/token.$role" 2>/dev/null || fail "token-add failed"
done

SHOTS=$RAQIB_BUILD_DIR/tests/ui-screenshots
rm -rf "$SHOTS"
DESK_URL=https://127.0.0.1:$DPORT SHOTS=$SHOTS LIVE_INCIDENT=$LIVE_INCIDENT LETTER_NAME=$LETTER \
	DOC_SHA=$DOC_SHA TOKEN_VIEWER=$(cat "$TMP/token.viewer") TOKEN_ANALYST=$(cat "$TMP/token.analyst") \
	TOKEN_INVESTIGATOR=$(cat "$TMP/token.investigator") TOKEN_ADMINISTRATOR=$(cat "$TMP/token.administrator") \
	NODE_PATH=$UI_DIR/node_modules timeout 300 node "$RAQIB_SOURCE_DIR/tests/ui/desk.test.js" ||
	fail "the UI tests failed (screenshots in $SHOTS); collector: $(tail -5 "$TMP/collector.err")"
# every page, in every language
for lang in en fr ar; do
	for page in signin incidents queue incident provenance search agents rules audit; do
		[ -s "$SHOTS/$page-$lang.png" ] || fail "no screenshot of $page in $lang"
	done
done
echo "PASS"
