#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# End to end with a real messaging app: Debian's telegram-desktop, started idle under Xvfb
# (logged out, no network), opens hundreds of files of its own -- libraries, fonts, fontconfig
# files whose copyright lines hold e-mail addresses, its working directory -- and must raise
# nothing, while the agent watches it (the test checks that the app's opens reached it).
# Marked RUN_SERIAL: it sees the whole host.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || skip "needs root to load BPF programs"
[ -r /sys/kernel/btf/vmlinux ] || skip "kernel without BTF"
command -v telegram-desktop >/dev/null || fail "telegram-desktop is not installed (scripts/install-deps.sh)"
command -v xvfb-run >/dev/null || fail "xvfb-run is not installed (scripts/install-deps.sh)"
# the packaged program, not a stand-in copied over it (dpkg says when a file was changed)
[ -z "$(dpkg --verify telegram-desktop 2>&1)" ] ||
	fail "/usr/bin/telegram-desktop is not the packaged one (apt-get install --reinstall telegram-desktop)"

mkdir -p "$TMP/home" "$TMP/tg"
start_redis
start_agent_run e2e-telegram --upload-window 5

HOME=$TMP/home timeout 15 xvfb-run -a telegram-desktop -many -workdir "$TMP/tg" \
	>"$TMP/tg.out" 2>&1 || true
kill -TERM "$AGENT_PID"
wait "$AGENT_PID" || fail "agent exited with an error: $(cat "$TMP/agent.err")"
enroll_streams
"$COLLECTOR" --redis "$REDIS" --drain --quiet || fail "collector failed"

# the agent watched it: the app's opens reached the host path, and were its own files
opens=$(sed -n 's/.* \([0-9]*\) opens,.*/\1/p' "$TMP/agent.err")
[ "${opens:-0}" -gt 100 ] || fail "telegram-desktop was not watched: ${opens:-0} opens; $(tail -3 "$TMP/tg.out")"
# and raised nothing
stored_alerts | jq -c 'select(.process.name == "telegram-deskto" or .raqib.app == "Telegram")' \
	>"$TMP/alerts.json"
[ ! -s "$TMP/alerts.json" ] || fail "alerts on an idle Telegram Desktop: $(jq -c '{path: .file.path, rule: .rule.id}' "$TMP/alerts.json")"
echo "PASS"
