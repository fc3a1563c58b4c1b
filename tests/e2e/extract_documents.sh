#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Documents through the real host path: a stand-in Telegram (a copy of cat) opens a DOCX whose
# CIN is split across Word runs, a PDF named scan.jpg, and a password-protected zip; the agent
# (real BPF programs) extracts them by content and alerts on the first two with the findings
# masked. The DOCX is opened again by a second process: a second alert for that process, same
# file hash (the verdict comes from the cache, the alert from the new opening).
set -eu
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || skip "needs root to load BPF programs"
[ -r /sys/kernel/btf/vmlinux ] || skip "kernel without BTF"

DOCS=$TMP/docs
mkdir -p "$DOCS" "$TMP/bin"
cp "$DATA/extract/letter.docx" "$DATA/extract/scan.jpg" "$DATA/hostile/encrypted.zip" "$DOCS/"
touch -d '2024-01-01' "$DOCS"/* # settled file versions: cacheable
cp /bin/cat "$TMP/bin/telegram-desktop"
start_redis

start_agent_run e2e-extract

"$TMP/bin/telegram-desktop" "$DOCS/letter.docx" >/dev/null
"$TMP/bin/telegram-desktop" "$DOCS/scan.jpg" >/dev/null
"$TMP/bin/telegram-desktop" "$DOCS/encrypted.zip" >/dev/null
"$TMP/bin/telegram-desktop" "$DOCS/letter.docx" >/dev/null

for _ in $(seq 100); do
	[ "$(stream_alert_count)" -ge 3 ] && break
	sleep 0.1
done
sleep 1
kill -TERM "$AGENT_PID"
wait "$AGENT_PID" || fail "agent exited with an error: $(cat "$TMP/agent.err")"

enroll_streams

"$COLLECTOR" --metrics off --redis "$REDIS" --drain --quiet || fail "collector failed"
stored_alerts | jq -c "select(.file.path | startswith(\"$DOCS/\"))" >"$TMP/alerts.json"

jq -c "select(.file.path == \"$DOCS/letter.docx\")" "$TMP/alerts.json" >"$TMP/docx"
[ "$(wc -l <"$TMP/docx")" = 2 ] || fail "expected 2 DOCX alerts, got: $(cat "$TMP/alerts.json")"
[ "$(jq -r .process.pid "$TMP/docx" | sort -u | wc -l)" = 2 ] || fail "DOCX alerts not from 2 processes"
[ "$(jq -r .file.hash.sha256 "$TMP/docx" | sort -u)" = "$(sha256sum "$DOCS/letter.docx" | cut -d' ' -f1)" ] ||
	fail "DOCX alerts do not carry the file's SHA-256"
jq -s '.[0]' "$TMP/docx" >"$TMP/docx1"
# the CIN split across Word runs is found whole, and the RIB of the table
assert_jq 'any(.raqib.findings[]; .type == "CIN" and .masked == "BK73****")' <"$TMP/docx1"
assert_jq 'any(.raqib.findings[]; .type == "RIB")' <"$TMP/docx1"

jq -c "select(.file.path == \"$DOCS/scan.jpg\")" "$TMP/alerts.json" >"$TMP/pdf"
[ "$(wc -l <"$TMP/pdf")" = 1 ] || fail "expected 1 alert for the PDF named scan.jpg, got: $(cat "$TMP/alerts.json")"
# the second CIN is split over TJ operators in the PDF
assert_jq 'any(.raqib.findings[]; .type == "CIN" and .masked == "BK73****")' <"$TMP/pdf"
assert_jq 'any(.raqib.findings[]; .type == "CIN" and .masked == "JA50****")' <"$TMP/pdf"

assert_not_in_redis BK734021 JA501287 007780000123456789012396
echo "PASS"
