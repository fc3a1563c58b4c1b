#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# End to end, live host path with real BPF programs attached: stand-ins named like messaging
# apps (copies of cat and bash called telegram-desktop) open documents of ../shared/corpus.
#  - the app opening a classified letter with two CINs: one alert naming the app and the file;
#  - a child process of the app (bash -> cat) opening a confidential letter: one alert, same app;
#  - the app opening a file with no personal data: nothing;
#  - an unwatched process (plain cat) opening a sensitive document: nothing;
#  - the app opening documents by a relative path on another mount (a tmpfs), and through a
#    symbolic link: the alerts name each file by its absolute, canonical path.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || skip "needs root to load BPF programs"
[ -r /sys/kernel/btf/vmlinux ] || skip "kernel without BTF"

# The documents are copied into this test's directory: other tests may run stand-in apps on the
# same machine at the same time, and their alerts must not be counted here.
CORPUS=$RAQIB_SHARED_DIR/corpus/docs
[ -r "$CORPUS/doc_135.txt" ] || fail "corpus not found at $CORPUS"
DOCS=$TMP/docs
mkdir -p "$DOCS"
cp "$CORPUS/doc_135.txt" "$CORPUS/doc_284.txt" "$CORPUS/doc_015.txt" "$CORPUS/doc_003.txt" "$DOCS/"
start_redis

mkdir -p "$TMP/bin"
cp /bin/cat "$TMP/bin/telegram-desktop"
mkdir -p "$TMP/shell" && cp /bin/bash "$TMP/shell/telegram-desktop"
echo "nothing personal here" >"$TMP/clean.txt"

# a document on its own mount, opened relative to the working directory; another through a link
mkdir -p "$TMP/mnt"
mount -t tmpfs -o size=4m raqib-e2e "$TMP/mnt" || fail "cannot mount a tmpfs"
unmount_tmpfs() { umount "$TMP/mnt"; }
CLEANUP_HOOKS="unmount_tmpfs"
mkdir -p "$TMP/mnt/sub"
cp "$CORPUS/doc_135.txt" "$TMP/mnt/sub/copy.txt"
cp "$CORPUS/doc_284.txt" "$DOCS/target.txt"
ln -s "$DOCS/target.txt" "$TMP/link.txt"

start_agent_run e2e-bpf

"$TMP/bin/telegram-desktop" "$DOCS/doc_135.txt" >/dev/null
"$TMP/shell/telegram-desktop" -c "cat '$DOCS/doc_284.txt' >/dev/null; true"
"$TMP/bin/telegram-desktop" "$TMP/clean.txt" >/dev/null
cat "$DOCS/doc_015.txt" "$DOCS/doc_003.txt" >/dev/null
(cd "$TMP/mnt/sub" && "$TMP/bin/telegram-desktop" copy.txt >/dev/null)
"$TMP/bin/telegram-desktop" "$TMP/link.txt" >/dev/null

# The agent polls its ring buffer every 100 ms; wait for the four alerts, then stop it.
for _ in $(seq 100); do
	[ "$(stream_alert_count)" -ge 4 ] && break
	sleep 0.1
done
sleep 1 # what else would arrive (nothing should)
kill -TERM "$AGENT_PID"
wait "$AGENT_PID" || fail "agent exited with an error: $(cat "$TMP/agent.err")"

enroll_streams

"$COLLECTOR" --metrics off --redis "$REDIS" --drain --quiet || fail "collector failed"
stored_alerts | jq -c "select(.file.path | startswith(\"$TMP/\"))" >"$TMP/alerts.json"
[ "$(wc -l <"$TMP/alerts.json")" = 4 ] || fail "expected 4 alerts, got: $(jq -c .file "$TMP/alerts.json")"

jq -c "select(.file.path == \"$DOCS/doc_135.txt\")" "$TMP/alerts.json" >"$TMP/a135"
assert_jq '.rule.id == "policy.read.classified" and .raqib.document.level == "TOP_SECRET"' <"$TMP/a135"
assert_jq '.raqib.app == "Telegram" and .process.name == "telegram-deskto"' <"$TMP/a135"
assert_jq ".process.executable == \"$TMP/bin/telegram-desktop\"" <"$TMP/a135"
assert_jq '.file.size > 0 and .agent.id == "e2e-bpf" and .raqib.confidence == "medium"' <"$TMP/a135"
assert_jq ".file.hash.sha256 == \"$(sha256sum "$DOCS/doc_135.txt" | cut -d' ' -f1)\"" <"$TMP/a135"
assert_jq '[.raqib.findings[] | select(.type == "CIN")] | length == 2' <"$TMP/a135"
assert_jq '[.raqib.findings[] | select(.type == "CIN") | .masked] | sort == ["BJ8****", "SH2****"]' <"$TMP/a135"

jq -c "select(.file.path == \"$DOCS/doc_284.txt\")" "$TMP/alerts.json" >"$TMP/a152"
assert_jq '.raqib.app == "Telegram" and .process.name == "cat"' <"$TMP/a152"
assert_jq '[.raqib.findings[] | select(.type == "CIN")] | length >= 1' <"$TMP/a152"

# paths from the kernel's dentries: absolute, across the mount, the link resolved
jq -c "select(.file.path == \"$TMP/mnt/sub/copy.txt\")" "$TMP/alerts.json" >"$TMP/amnt"
assert_jq '.raqib.document.level == "TOP_SECRET" and .file.name == "copy.txt"' <"$TMP/amnt"
jq -c "select(.file.path == \"$DOCS/target.txt\")" "$TMP/alerts.json" >"$TMP/alink"
assert_jq '.raqib.app == "Telegram"' <"$TMP/alink"

assert_not_in_redis BJ82161 BJ-82161 SH25661 GA93543
echo "PASS"
