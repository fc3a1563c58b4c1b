#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Heartbeats of the live agent: started while Redis is not there yet (it starts anyway, its
# heartbeats and alerts wait), it adds a signed heartbeat to its stream every second once Redis is up: the
# BPF sensor attached, counters, the spool, the rules hash; raqibctl agents shows it ok, then
# stopped after SIGTERM with a last heartbeat.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || skip "needs root to load BPF programs"
[ -r /sys/kernel/btf/vmlinux ] || skip "kernel without BTF"

REDIS_PORT=$(free_port)
"$AGENT" --redis "127.0.0.1:$REDIS_PORT" --agent-id e2e-hb --heartbeat-interval 1 run \
	--ready-file "$TMP/ready" 2>"$TMP/agent.err" &
AGENT_PID=$!
track $AGENT_PID
wait_for '[ -e "$TMP/ready" ] || ! kill -0 $AGENT_PID 2>/dev/null' 30
kill -0 $AGENT_PID 2>/dev/null || fail "the agent did not start without redis: $(cat "$TMP/agent.err")"
grep -q "alerts stay in the spool until it answers" "$TMP/agent.err" || fail "the missing redis was not reported: $(cat "$TMP/agent.err")"

# Redis arrives on the port the agent was given.
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$TMP" --save '' --appendonly no \
	>"$TMP/redis.log" 2>&1 &
REDIS_PID=$!
track $REDIS_PID
wait_for '[ "$(redis-cli -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]' 20
wait_for '[ "$(agent_hb e2e-hb status)" = running ]' 30
first=$(agent_hb e2e-hb ts)
wait_for "[ \"\$(agent_hb e2e-hb ts)\" -gt $first ]" 10
rcli XREVRANGE "$(stream_of e2e-hb)" + - | awk 'prev=="hb"{print; exit} {prev=$0}' | jq -r 'to_entries[] | "\(.key)\t\(.value)"' >"$TMP/hb"
field() { awk -v k="$1" -F'\t' '$1 == k { print $2 }' "$TMP/hb"; }
[ "$(field sensor.bpf)" = attached ] || fail "sensor.bpf: $(cat "$TMP/hb")"
[ "$(field mode)" = run ] || fail "mode: $(field mode)"
[ "$(field interval_ms)" = 1000 ] || fail "interval_ms: $(field interval_ms)"
[ "$(field rules_hash | wc -c)" = 65 ] || fail "rules_hash: $(field rules_hash)"
[ "$(field spool.pending)" = 0 ] || fail "spool.pending: $(field spool.pending)"
[ "$(field outbox.connected)" = yes ] || fail "outbox.connected: $(field outbox.connected)"
for k in events findings alerts bpf.drops.ringbuf host.drops.inspect_failed outbox.refused.low outbox.last_seq spool.corrupt_records; do
	[ -n "$(field "$k")" ] || fail "heartbeat lacks $k: $(cat "$TMP/hb")"
done
# the collector keeps the newest heartbeat of each agent for raqibctl
enroll e2e-hb
"$COLLECTOR" --metrics off --redis "127.0.0.1:$REDIS_PORT" --drain --quiet || fail "collector failed"
"$CTL" --redis "127.0.0.1:$REDIS_PORT" agents >"$TMP/agents" || fail "raqibctl agents failed"
grep -qE '^e2e-hb +ok ' "$TMP/agents" || fail "agents: $(cat "$TMP/agents")"

kill -TERM $AGENT_PID
wait $AGENT_PID || fail "the agent exited with an error: $(cat "$TMP/agent.err")"
[ "$(agent_hb e2e-hb status)" = stopped ] || fail "no last heartbeat"
"$COLLECTOR" --metrics off --redis "127.0.0.1:$REDIS_PORT" --drain --quiet || fail "collector failed"
"$CTL" --redis "127.0.0.1:$REDIS_PORT" agents --json >"$TMP/agents.json" || fail "raqibctl agents --json failed"
assert_jq 'select(.agent == "e2e-hb") | .status == "stopped" and .heartbeat["sensor.bpf"] == "attached"' <"$TMP/agents.json"
echo "PASS"
