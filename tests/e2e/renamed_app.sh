#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# End to end, apps that no name gives away: a process counts as a channel's app when its
# connection goes to that channel, whatever it is called.
#  (a) a copy of a messaging client renamed "notes-helper" opens a letter, then connects to
#      mmg.whatsapp.net (its ClientHello matched in the kernel) and uploads it: the files it
#      held open before connecting are found, the upload alert names WhatsApp;
#  (b) curl PUTs a letter to venus.web.telegram.org: an upload alert naming Telegram;
#  (c) a renamed client uploads to an address of Telegram's published ranges, with no server
#      name at all: an upload alert naming Telegram;
#  (d) the same client sending the same kind of letter to a server of no channel: nothing;
#  (e) generic names left the catalog: a program named Updater is not Telegram's, but one at
#      Telegram's install path (.../Telegram/Updater) is, from its exec on.
# Marked RUN_SERIAL: it sees the whole host.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns.sh"
. "$(dirname "$0")/webclients.sh"

[ "$(id -u)" = 0 ] || skip "needs root to load BPF programs and create network namespaces"
[ -r /sys/kernel/btf/vmlinux ] || skip "kernel without BTF"
CLIENT=$RAQIB_BUILD_DIR/tests/tls_upload
[ -x "$CLIENT" ] || fail "test client not built: $CLIENT"
command -v curl >/dev/null || fail "curl is not installed"
CORPUS=$RAQIB_SHARED_DIR/corpus/docs
[ -r "$CORPUS/doc_135.txt" ] || fail "corpus not found at $CORPUS"
TG_IP=149.154.167.51 # in Telegram's published range 149.154.160.0/20

D=$TMP/docs
mkdir -p "$D" "$TMP/bin" "$TMP/Telegram"
make_pdf "$CORPUS/doc_135.txt" 90000 "$D/a.pdf"
make_pdf "$CORPUS/doc_135.txt" 130000 "$D/b.pdf"
make_pdf "$CORPUS/doc_279.txt" 170000 "$D/c.pdf"
make_pdf "$CORPUS/doc_279.txt" 60000 "$D/d.pdf"
cp "$CORPUS/doc_135.txt" "$D/e.txt"
cp "$CORPUS/doc_135.txt" "$D/f.txt"
for name in notes-helper sync-tool backup Updater; do
	cp "$CLIENT" "$TMP/bin/$name"
done
cp "$CLIENT" "$TMP/Telegram/Updater"

netns_setup
# an address of Telegram's range on the server's side, routed to it from the client only
ip -n "$NS_SRV" addr add "$TG_IP/32" dev "$VETH_SRV"
ip -n "$NS_CLI" route add "$TG_IP/32" dev "$VETH_CLI"
start_web_server # for curl: an HTTPS server that answers
# for the clients: a TLS server that reads and discards, on every address of its namespace
ip netns exec "$NS_SRV" sh -c "tail -f /dev/null | exec openssl s_server -accept 4433 -cert '$TMP/web-cert.pem' -key '$TMP/web-key.pem' -quiet >/dev/null 2>&1" &
track $!
wait_for "ip netns exec \"$NS_SRV\" ss -Htln 'sport = :4433' | grep -q ." 10
start_redis
AGENT_ID=e2e-renamed
start_agent --upload-window 5

inns() {
	ip netns exec "$NS_CLI" "$@"
}
# (a) opened before the connection, sent after it
inns "$TMP/bin/notes-helper" --early "$D/a.pdf" --sni mmg.whatsapp.net "$SRV_IP" 4433 ||
	fail "client (a) failed"
# (b)
inns curl -sk --max-time 10 -H 'Expect:' --resolve "venus.web.telegram.org:443:$SRV_IP" \
	-T "$D/b.pdf" https://venus.web.telegram.org/apiw1 >/dev/null || fail "curl (b) failed"
# (c) no server name: the address alone
inns "$TMP/bin/sync-tool" --send "$D/c.pdf" "$TG_IP" 4433 || fail "client (c) failed"
# (d) a server of no channel
inns "$TMP/bin/backup" --early "$D/d.pdf" --sni files.example.org "$SRV_IP" 4433 ||
	fail "client (d) failed"
# (e) the files are opened well after the exec: by then a watched process has been marked
inns "$TMP/bin/Updater" --wait-ms 800 --open-only "$D/e.txt" --sni files.example.org "$SRV_IP" 4433 ||
	fail "client (e) failed"
inns "$TMP/Telegram/Updater" --wait-ms 800 --open-only "$D/f.txt" --sni files.example.org "$SRV_IP" 4433 ||
	fail "client (e') failed"

wait_for "[ \"\$(stream_alert_count)\" -ge 3 ]" 30
stop_agent
stored_alerts | jq -c "select((.file.path // \"\") | startswith(\"$D/\"))" >"$TMP/alerts.json"
one() { # the alert about file $1
	jq -c "select(.file.path == \"$D/$1\")" "$TMP/alerts.json" >"$TMP/$1.json"
	[ "$(wc -l <"$TMP/$1.json")" = 1 ] || fail "$1: expected one alert, got: $(cat "$TMP/alerts.json")"
}
one a.pdf
assert_jq '.raqib.confidence == "high" and .raqib.channel.id == "whatsapp" and .raqib.app == "WhatsApp"' <"$TMP/a.pdf.json"
assert_jq '.process.name == "notes-helper" and .raqib.server_name == "mmg.whatsapp.net"' <"$TMP/a.pdf.json"
assert_jq '.raqib.why | test("a program the catalog does not name")' <"$TMP/a.pdf.json"
one b.pdf
assert_jq '.raqib.confidence == "high" and .raqib.channel.id == "telegram" and .process.name == "curl"' <"$TMP/b.pdf.json"
one c.pdf
assert_jq ".raqib.confidence == \"high\" and .raqib.channel.id == \"telegram\" and .destination.ip == \"$TG_IP\"" <"$TMP/c.pdf.json"
[ "$(jq -c "select(.file.path == \"$D/d.pdf\" or .file.path == \"$D/e.txt\")" "$TMP/alerts.json" | wc -l)" = 0 ] ||
	fail "(d, e) alerts for programs of no channel: $(cat "$TMP/alerts.json")"
one f.txt
assert_jq '.raqib.confidence == "medium" and .raqib.app == "Telegram" and .process.name == "Updater"' <"$TMP/f.txt.json"
echo "PASS"
