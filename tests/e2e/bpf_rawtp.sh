#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# End to end, the core tier's fallback: the agent runs in a private mount namespace where
# tracefs cannot be mounted (/sys/kernel is a tmpfs holding only the kernel's BTF and a plain
# file named "tracing"), so classic tracepoints have no id. It must still start, on its
# raw_tp/sys_exit program, and alert when a stand-in messaging app (cat named telegram-desktop)
# opens a sensitive document -- and stay silent for an unwatched cat.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || skip "needs root to load BPF programs and unshare mounts"
[ -r /sys/kernel/btf/vmlinux ] || skip "kernel without BTF"
command -v unshare >/dev/null || fail "unshare (util-linux) is not installed"

mkdir -p "$TMP/bin" "$TMP/docs" "$TMP/sysk"
cp /bin/cat "$TMP/bin/telegram-desktop"
printf 'Attestation pour Mme Demo\nTitulaire de la CIN n\xc2\xb0 BK734021\n' >"$TMP/docs/cin.txt"
cp "$TMP/docs/cin.txt" "$TMP/docs/unwatched.txt"
start_redis

cat >"$TMP/ns.sh" <<NS
set -eu
mount --make-rprivate /
mount --bind /sys/kernel "$TMP/sysk"
mount -t tmpfs tmpfs /sys/kernel
mkdir /sys/kernel/btf
mount --bind "$TMP/sysk/btf" /sys/kernel/btf
touch /sys/kernel/tracing
umount -l "$TMP/sysk"
[ -f /sys/kernel/tracing ] || { echo "setup: tracing is not a plain file" >&2; exit 3; }
exec "$AGENT" --redis "$REDIS" --agent-id e2e-rawtp run --upload-window 1 --ready-file "$TMP/ready"
NS
unshare -m bash "$TMP/ns.sh" 2>"$TMP/agent.err" &
AGENT_PID=$!
track "$AGENT_PID"
wait_agent_ready
[ -d /sys/kernel/tracing ] || fail "the test changed the host's /sys/kernel"

"$TMP/bin/telegram-desktop" "$TMP/docs/cin.txt" >/dev/null
cat "$TMP/docs/unwatched.txt" >/dev/null
for _ in $(seq 100); do
	[ "$(stream_alert_count)" -ge 1 ] && break
	sleep 0.1
done
sleep 0.5
kill -TERM "$AGENT_PID"
wait "$AGENT_PID" || fail "agent exited with an error: $(cat "$TMP/agent.err")"
enroll_streams
"$COLLECTOR" --metrics off --redis "$REDIS" --drain --quiet || fail "collector failed"

stored_alerts | jq -c "select((.file.path // \"\") | startswith(\"$TMP/\"))" >"$TMP/alerts.json"
[ "$(wc -l <"$TMP/alerts.json")" = 1 ] || fail "expected one alert, got: $(cat "$TMP/alerts.json")"
assert_jq ".file.path == \"$TMP/docs/cin.txt\" and .raqib.app == \"Telegram\"" <"$TMP/alerts.json"
assert_jq '[.raqib.findings[] | select(.type == "CIN") | .masked] == ["BK73****"]' <"$TMP/alerts.json"
echo "PASS"
