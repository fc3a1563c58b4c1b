#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# End to end with a real browser: Debian's Chromium, driven by playwright-core, uploads
# documents through stand-in web clients served under the real services' names from a TLS
# server in another network namespace (tests/e2e/webclients/), while `raqib-agent run` runs
# with no option at all (no --interface). One browser launch for every case:
#  (a) WhatsApp Web: a TOP SECRET letter encrypted in the page (AES-CBC + 10-byte MAC) and
#      POSTed by fetch to mmg.whatsapp.net: one high-confidence upload alert naming WhatsApp
#      as the channel and Chromium as the app instance;
#  (b) two files picked, one sent: the sent one is the upload (the choice explained), the
#      other a medium read alert;
#  (c) Telegram Web: MTProto parts of 512 KiB POSTed to venus.web.telegram.org;
#  (d) Messenger: an HTML form (multipart) with a list of citizens;
#  (e) personal webmail -- Gmail (resumable upload), Outlook.com (base64 in JSON), Yahoo Mail
#      (FormData) -- and file transfer / personal cloud -- WeTransfer (5 MiB chunks PUT to
#      storage), Google Drive (resumable), Dropbox (API upload), OneDrive (upload session),
#      MEGA (AES-CTR in the page, growing chunks): each one upload alert under a policy of its
#      kind, naming the channel;
#  and nothing for the browser's own files: its launcher (a script holding its maintainer's
#  address), libraries, fonts, fontconfig, profile -- hundreds of opens, not one alert.
# Marked RUN_SERIAL: it sees the whole host.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns.sh"
. "$(dirname "$0")/webclients.sh"

[ "$(id -u)" = 0 ] || skip "needs root to load BPF programs and create network namespaces"
[ -r /sys/kernel/btf/vmlinux ] || skip "kernel without BTF"
CORPUS=$RAQIB_SHARED_DIR/corpus/docs
[ -r "$CORPUS/doc_135.txt" ] || fail "corpus not found at $CORPUS"

mkdir -p "$TMP/docs"
D=$TMP/docs
make_pdf "$CORPUS/doc_135.txt" 180000 "$D/wa-letter.pdf" # TOP SECRET, two CINs
make_pdf "$CORPUS/doc_279.txt" 75000 "$D/pick-a.pdf" # SECRET
make_pdf "$CORPUS/doc_152.txt" 260000 "$D/pick-b.pdf" # SECRET, a list of 8 persons
make_pdf "$CORPUS/doc_135.txt" 1300000 "$D/tg-report.pdf"
# webmail and file transfer: one file each, sizes apart by more than the tolerances
set -- gmail:400000 outlook:330000 yahoo:550000 wetransfer:700000 drive:900000 \
	dropbox:1100000 onedrive:1650000 mega:2100000
for c in "$@"; do
	make_pdf "$CORPUS/doc_279.txt" "${c#*:}" "$D/${c%%:*}.pdf" # SECRET official letter
done
{
	cat "$CORPUS/doc_094.csv" # 20 persons: CIN and phone
	for i in $(seq 1500); do
		echo "Remarque $i,dossier en cours de traitement au service,,"
	done
} >"$D/liste.csv"

netns_setup
start_web_server
install_playwright
start_redis
AGENT_ID=e2e-browser
start_agent --upload-window 20

cat >"$TMP/cases.json" <<EOF
[
 {"origin": "web.whatsapp.com", "files": ["$D/wa-letter.pdf"]},
 {"origin": "web.telegram.org", "files": ["$D/tg-report.pdf"]},
 {"origin": "www.messenger.com", "files": ["$D/liste.csv"], "form": true},
 {"origin": "mail.google.com", "files": ["$D/gmail.pdf"]},
 {"origin": "outlook.live.com", "files": ["$D/outlook.pdf"]},
 {"origin": "mail.yahoo.com", "files": ["$D/yahoo.pdf"]},
 {"origin": "wetransfer.com", "files": ["$D/wetransfer.pdf"]},
 {"origin": "drive.google.com", "files": ["$D/drive.pdf"]},
 {"origin": "www.dropbox.com", "files": ["$D/dropbox.pdf"]},
 {"origin": "onedrive.live.com", "files": ["$D/onedrive.pdf"]},
 {"origin": "mega.nz", "files": ["$D/mega.pdf"]},
 {"origin": "web.whatsapp.com", "files": ["$D/pick-a.pdf", "$D/pick-b.pdf"], "which": 1}
]
EOF
drive_browser "$TMP/cases.json"
# uploads are decided as soon as the bytes are counted (every 250 ms)
wait_for "[ \"\$(stream_alert_count)\" -ge 12 ]" 30
stop_agent # the read of pick-a.pdf is decided now

stored_alerts >"$TMP/all.json"
jq -c "select(.raqib.app_instance.name == \"chromium\")" "$TMP/all.json" >"$TMP/browser.json"
one() { # the alert about file $1
	jq -c "select(.file.path == \"$D/$1\")" "$TMP/browser.json" >"$TMP/$1.json"
	[ "$(wc -l <"$TMP/$1.json")" = 1 ] ||
		fail "$1: expected one alert, got: $(cat "$TMP/$1.json"); server saw: $(cat "$TMP/web.log")"
}

# nothing about the browser's own files: every alert is about a file of this test
jq -c "select(.file.path | startswith(\"$D/\") | not) | {path: .file.path, rule: .rule.id}" \
	"$TMP/browser.json" >"$TMP/own.json"
[ ! -s "$TMP/own.json" ] || fail "alerts about the browser's own files: $(cat "$TMP/own.json")"
opens=$(sed -n 's/.* \([0-9]*\) opens,.*/\1/p' "$TMP/agent.err")
[ "${opens:-0}" -gt 300 ] || fail "the browser was not watched: $opens opens"

# (a)
one wa-letter.pdf
assert_jq '.raqib.confidence == "high" and .rule.id == "policy.upload.classified"' <"$TMP/wa-letter.pdf.json"
assert_jq '.raqib.channel == {"id": "whatsapp", "name": "WhatsApp", "kind": "messaging"}' <"$TMP/wa-letter.pdf.json"
assert_jq '.raqib.server_name == "mmg.whatsapp.net" and .raqib.app == "Web browser"' <"$TMP/wa-letter.pdf.json"
assert_jq '.process.name == "chromium" and .raqib.app_instance.pid > 0' <"$TMP/wa-letter.pdf.json"
assert_jq ".destination.ip == \"$SRV_IP\" and .destination.port == 443" <"$TMP/wa-letter.pdf.json"
size=$(stat -c %s "$D/wa-letter.pdf")
assert_jq ".raqib.upload.expected_bytes == $size + 26 and .raqib.upload.bytes > $size" <"$TMP/wa-letter.pdf.json"
# (b): the file sent is the upload, and the alert says why it and not the other
one pick-b.pdf
assert_jq '.raqib.confidence == "high" and .raqib.channel.id == "whatsapp"' <"$TMP/pick-b.pdf.json"
assert_jq '.raqib.upload.choice.candidates == 2 and .raqib.upload.choice.in_range == 1' <"$TMP/pick-b.pdf.json"
assert_jq '.raqib.why | test("of 2 files it had opened")' <"$TMP/pick-b.pdf.json"
one pick-a.pdf
assert_jq '.raqib.confidence == "medium" and .raqib.upload == null' <"$TMP/pick-a.pdf.json"
# (c)
one tg-report.pdf
assert_jq '.raqib.confidence == "high" and .raqib.channel.id == "telegram"' <"$TMP/tg-report.pdf.json"
assert_jq '.raqib.server_name == "venus.web.telegram.org"' <"$TMP/tg-report.pdf.json"
# (d)
one liste.csv
assert_jq '.raqib.confidence == "high" and .raqib.channel.id == "messenger"' <"$TMP/liste.csv.json"
assert_jq '.raqib.document.bulk_personal_data == true' <"$TMP/liste.csv.json"

# (e)
channel() { # FILE ID KIND RULE-PREFIX
	one "$1.pdf"
	assert_jq ".raqib.confidence == \"high\" and .raqib.channel.id == \"$2\" and .raqib.channel.kind == \"$3\"" <"$TMP/$1.pdf.json"
	assert_jq ".rule.id | startswith(\"$4\")" <"$TMP/$1.pdf.json"
}
channel gmail gmail webmail policy.webmail.
channel outlook outlook webmail policy.webmail.
channel yahoo yahoomail webmail policy.webmail.
channel wetransfer wetransfer file_transfer policy.transfer.
channel drive googledrive file_transfer policy.transfer.
channel dropbox dropbox file_transfer policy.transfer.
channel onedrive onedrive file_transfer policy.transfer.
channel mega mega file_transfer policy.transfer.
# Outlook.com sends base64: a third more bytes than the file, and the catalog expects so
assert_jq '.raqib.upload.bytes > .file.size * 1.3' <"$TMP/outlook.pdf.json"

# the alerts match the published schema
/usr/bin/python3 "$RAQIB_SOURCE_DIR/tests/e2e/validate_alert.py" \
	"$RAQIB_SOURCE_DIR/docs/alert.schema.json" <"$TMP/browser.json" >"$TMP/schema.err" 2>&1 ||
	fail "alerts do not match docs/alert.schema.json: $(head -5 "$TMP/schema.err")"
echo "PASS"
