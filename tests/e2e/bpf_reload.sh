#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Rules reload in a running agent (SIGHUP), with real BPF programs: a broken pack is refused and
# the running rules stay in force (the agent still alerts); a valid change takes effect (a
# detector switched off no longer alerts).
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || skip "needs root to load BPF programs"
[ -r /sys/kernel/btf/vmlinux ] || skip "kernel without BTF"
start_redis

mkdir -p "$TMP/rules" "$TMP/bin" "$TMP/docs"
cp "$RAQIB_SOURCE_DIR"/rules/packs/*.yml "$TMP/rules/"
cp /bin/cat "$TMP/bin/telegram-desktop"
for i in 1 2 3; do
	printf 'Attestation pour Mme Demo %s\nTitulaire de la CIN n\xc2\xb0 BK73402%s\n' "$i" "$i" >"$TMP/docs/cin$i.txt"
done

"$AGENT" --redis "$REDIS" --agent-id e2e-reload --rules "$TMP/rules" run --ready-file "$TMP/ready" \
	2>"$TMP/agent.err" &
AGENT_PID=$!
track "$AGENT_PID"
wait_agent_ready

alerts_for() { # file: number of stream entries naming it
	stream_alerts | grep -c "\"path\":\"$1\"" || true
}
wait_alert() { # file
	for _ in $(seq 50); do
		[ "$(alerts_for "$1")" -ge 1 ] && return 0
		sleep 0.1
	done
	fail "no alert for $1: $(tail -3 "$TMP/agent.err")"
}

"$TMP/bin/telegram-desktop" "$TMP/docs/cin1.txt" >/dev/null
wait_alert "$TMP/docs/cin1.txt"

# a broken pack: refused, the running rules stay
printf 'pack: {name: broken, version: 1, description: x}\nrules:\n  - id: x\n    kind: nonsense\n' >"$TMP/rules/zz-broken.yml"
kill -HUP "$AGENT_PID"
sleep 0.6
kill -0 "$AGENT_PID" 2>/dev/null || fail "agent died on a bad pack: $(cat "$TMP/agent.err")"
"$TMP/bin/telegram-desktop" "$TMP/docs/cin2.txt" >/dev/null
wait_alert "$TMP/docs/cin2.txt"

# a valid change: the CIN detector switched off
rm "$TMP/rules/zz-broken.yml"
awk '/id: pii.cin$/ { incin = 1 } incin && /enabled: true/ { sub("true", "false"); incin = 0 } { print }' \
	"$TMP/rules/morocco-pii.yml" >"$TMP/rules/morocco-pii.yml.new"
mv "$TMP/rules/morocco-pii.yml.new" "$TMP/rules/morocco-pii.yml"
"$AGENT" check "$TMP/rules" | grep -q "1 disabled" || fail "setup: the CIN detector is not disabled"
kill -HUP "$AGENT_PID"
sleep 0.6
"$TMP/bin/telegram-desktop" "$TMP/docs/cin3.txt" >/dev/null
sleep 1
[ "$(alerts_for "$TMP/docs/cin3.txt")" = 0 ] || fail "an alert for a CIN after the CIN detector was switched off"

kill -TERM "$AGENT_PID"
wait "$AGENT_PID" || fail "agent exited with an error: $(cat "$TMP/agent.err")"
echo "PASS"
