#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# End to end, the host sensor's file-to-upload correlation, with real BPF programs and a TLS
# upload between two network namespaces (OpenSSL client in one, s_server in the other):
#  (a) a client named like a messaging app (telegram-desktop) opens a TOP SECRET official letter
#      of ../shared/corpus and uploads it over TLS: exactly one alert for the file, high
#      confidence, with the file, its SHA-256, masked findings, the app, the destination and the
#      bytes -- and no second alert from the TLS plaintext of the same upload;
#  (b) the same client opens the letter, then uploads an unrelated, larger file: no upload
#      alert; the read alone gives at most a medium-confidence alert;
#  (d) unwatched processes (cat, and the same client under a neutral name) opening and
#      uploading the letter: nothing.
# Other tests may run BPF programs and stand-in apps at the same time: every assertion filters
# on this test's own directory.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns.sh"

[ "$(id -u)" = 0 ] || skip "needs root to load BPF programs and create network namespaces"
[ -r /sys/kernel/btf/vmlinux ] || skip "kernel without BTF"
CLIENT=$RAQIB_BUILD_DIR/tests/tls_upload
[ -x "$CLIENT" ] || fail "test client not built: $CLIENT"

CORPUS=$RAQIB_SHARED_DIR/corpus/docs
[ -r "$CORPUS/doc_135.txt" ] || fail "corpus not found at $CORPUS"
mkdir -p "$TMP/a" "$TMP/b" "$TMP/d" "$TMP/bin" "$TMP/plain"
for d in a b d; do
	cp "$CORPUS/doc_135.txt" "$TMP/$d/letter.txt" # TOP SECRET, two CINs
done
head -c 65536 /dev/urandom >"$TMP/b/holiday-photo.jpg"
cp "$CLIENT" "$TMP/bin/telegram-desktop"
cp "$CLIENT" "$TMP/plain/uploader"

netns_setup
PORT=4433
start_tls_server "$PORT"
start_redis
AGENT_ID=e2e-upload
start_agent --upload-window 3

# (a) read and upload; the client waits after its handshake so that its TLS library is hooked
# before it writes: the plaintext of the upload is then seen too, and must not add an alert
ip netns exec "$NS_CLI" "$TMP/bin/telegram-desktop" --wait-ms 500 --send "$TMP/a/letter.txt" "$SRV_IP" "$PORT" ||
	fail "client (a) failed"
# (b) read, then upload something else
ip netns exec "$NS_CLI" "$TMP/bin/telegram-desktop" --open-only "$TMP/b/letter.txt" \
	--send "$TMP/b/holiday-photo.jpg" "$SRV_IP" "$PORT" || fail "client (b) failed"
# (d) unwatched processes
cat "$TMP/d/letter.txt" >/dev/null
ip netns exec "$NS_CLI" "$TMP/plain/uploader" --send "$TMP/d/letter.txt" "$SRV_IP" "$PORT" ||
	fail "client (d) failed"

# (a) is decided as soon as the bytes are read (every 250 ms); (b) when its 3 s window closes.
for _ in $(seq 100); do
	[ "$(stream_alert_count)" -ge 2 ] && break
	sleep 0.1
done
sleep 1 # anything else that would arrive (nothing should)
stop_agent

stored_alerts | jq -c "select((.file.path // \"\") | startswith(\"$TMP/\"))" >"$TMP/alerts.json"
stored_alerts | jq -c "select(.process.name == \"telegram-deskto\" or .process.name == \"uploader\")" \
	>"$TMP/by_process.json"

# (a): exactly one alert, high confidence, with everything an investigator needs
jq -c "select(.file.path == \"$TMP/a/letter.txt\")" "$TMP/alerts.json" >"$TMP/a.json"
[ "$(wc -l <"$TMP/a.json")" = 1 ] || fail "(a) expected exactly one alert, got: $(cat "$TMP/a.json")"
[ "$(jq -c "select(.destination.ip == \"$SRV_IP\")" "$TMP/by_process.json" | wc -l)" = 1 ] ||
	fail "(a) the TLS plaintext of the upload raised a second alert: $(cat "$TMP/by_process.json")"
assert_jq '.raqib.confidence == "high" and (.rule.id | startswith("policy.upload."))' <"$TMP/a.json"
assert_jq '.event.dataset == "raqib.file" and .event.severity > 0' <"$TMP/a.json"
assert_jq '.raqib.app == "Telegram" and .process.name == "telegram-deskto"' <"$TMP/a.json"
assert_jq ".process.executable == \"$TMP/bin/telegram-desktop\" and .process.pid > 0" <"$TMP/a.json"
assert_jq ".file.hash.sha256 == \"$(sha256sum "$TMP/a/letter.txt" | cut -d' ' -f1)\"" <"$TMP/a.json"
assert_jq ".file.size == $(stat -c %s "$TMP/a/letter.txt")" <"$TMP/a.json"
assert_jq ".destination.ip == \"$SRV_IP\" and .destination.port == $PORT" <"$TMP/a.json"
assert_jq ".source.ip == \"$CLI_IP\" and .network.transport == \"tcp\"" <"$TMP/a.json"
assert_jq ".raqib.upload.bytes >= $(stat -c %s "$TMP/a/letter.txt") and .raqib.upload.flows >= 1" <"$TMP/a.json"
assert_jq '.raqib.upload.expected_bytes > 0' <"$TMP/a.json"
assert_jq '.raqib.document.official == true and .raqib.document.level == "TOP_SECRET"' <"$TMP/a.json"
assert_jq '[.raqib.findings[] | select(.type == "CIN")] | length == 2' <"$TMP/a.json"
assert_jq '[.raqib.findings[] | select(.type == "CIN") | .masked] | sort == ["BJ8****", "SH2****"]' <"$TMP/a.json"

# (b): no upload alert for the letter; the read alone is medium at most
jq -c "select(.file.path == \"$TMP/b/letter.txt\")" "$TMP/alerts.json" >"$TMP/b.json"
[ "$(jq -c 'select(.raqib.confidence == "high")' "$TMP/b.json" | wc -l)" = 0 ] ||
	fail "(b) an upload alert for a file that was not uploaded: $(cat "$TMP/b.json")"
[ "$(wc -l <"$TMP/b.json")" = 1 ] || fail "(b) expected one read alert, got: $(cat "$TMP/b.json")"
assert_jq '.raqib.confidence == "medium" and (.rule.id | startswith("policy.read.")) and (.raqib.upload == null)' <"$TMP/b.json"
[ "$(jq -c "select(.file.path == \"$TMP/b/holiday-photo.jpg\")" "$TMP/alerts.json" | wc -l)" = 0 ] ||
	fail "(b) an alert for the unrelated file"

# (d): nothing for unwatched processes
[ "$(jq -c "select(.file.path | startswith(\"$TMP/d/\"))" "$TMP/alerts.json" | wc -l)" = 0 ] ||
	fail "(d) an alert for an unwatched process: $(cat "$TMP/alerts.json")"
[ "$(jq -c 'select(.process.name == "uploader")' "$TMP/by_process.json" | wc -l)" = 0 ] ||
	fail "(d) an alert for the unwatched uploader"

# the host alerts (upload, read) match the published schema
cat "$TMP/a.json" "$TMP/b.json" | /usr/bin/python3 "$RAQIB_SOURCE_DIR/tests/e2e/validate_alert.py" \
	"$RAQIB_SOURCE_DIR/docs/alert.schema.json" >"$TMP/schema.err" 2>&1 ||
	fail "host alerts do not match docs/alert.schema.json: $(head -5 "$TMP/schema.err")"

assert_not_in_redis BJ82161 BJ-82161 SH25661
echo "PASS"
