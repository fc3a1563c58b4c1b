#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Speed and memory of the collector (issue 11). tests/bench/collector_load.c simulates
# RAQIB_BENCH_AGENTS agents (default 10,000) in 10 sites, signing as real agents sign and
# sending heartbeats every 5 s, with a mix of file and network alerts. Measured, each in the
# same run as redis-benchmark's XADD rate on the same server:
#   - drain: RAQIB_BENCH_ALERTS alerts (default 100,000) waiting in the streams, stored by 1
#     collector, then by 2 collectors, on one Redis and on a local Redis Cluster (3 masters):
#     stored alerts per second;
#   - sustained: alerts sent at RAQIB_BENCH_RATE per second (default 2000) while a collector
#     runs: the p50 and p99 delay from XADD (the alert's @timestamp) to stored (its receive
#     time in the site's index), on a sample of the alerts;
#   - memory: Redis bytes per stored alert (used_memory after minus before, streams trimmed).
# Environment: RAQIB_BENCH_AGENTS, RAQIB_BENCH_ALERTS, RAQIB_BENCH_RATE, RAQIB_BENCH_DIR.
set -eu
: "${RAQIB_BUILD_DIR:?run through scripts/bench.sh}" "${RAQIB_SOURCE_DIR:?}"
AGENTS=${RAQIB_BENCH_AGENTS:-10000}
N=${RAQIB_BENCH_ALERTS:-100000}
RATE=${RAQIB_BENCH_RATE:-2000}
DIR=${RAQIB_BENCH_DIR:-/tmp/raqib-bench}/collector
LOAD=$RAQIB_BUILD_DIR/tests/collector_load
COLLECTOR=$RAQIB_BUILD_DIR/collector/raqib-collector
command -v redis-benchmark >/dev/null || { echo "bench: redis-benchmark is not installed" >&2; exit 1; }
rm -rf "$DIR"
mkdir -p "$DIR"
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	for p in $PIDS; do wait "$p" 2>/dev/null || true; done
	rm -rf "$DIR"
}
trap cleanup EXIT
port() { # a port below the ephemeral range whose +10000 is free too (cluster bus)
	local p
	for _ in $(seq 100); do
		p=$((20000 + RANDOM % 12000))
		[ -z "$(ss -Htan "sport = :$p")" ] && [ -z "$(ss -Htan "sport = :$((p + 10000))")" ] && echo "$p" && return
	done
	exit 1
}
start_redis() { # DIR PORT [options...]: a redis-server in the background
	local d=$1 p=$2
	shift 2
	mkdir -p "$d"
	redis-server --bind 127.0.0.1 --port "$p" --dir "$d" --save '' --appendonly no --daemonize no \
		"$@" >"$d/redis.log" 2>&1 &
	PIDS="$PIDS $!"
	for _ in $(seq 100); do
		[ "$(redis-cli -p "$p" ping 2>/dev/null)" = PONG ] && return
		sleep 0.1
	done
	echo "bench: redis-server did not start" >&2
	exit 1
}
used() { redis-cli -p "$1" INFO memory | sed -n 's/^used_memory:\([0-9]*\).*/\1/p'; }
now_ms() { date +%s%3N; }

# stored COUNT-FN: waits until COUNT-FN says N are stored, prints the milliseconds it took
wait_stored() {
	local t0=$1 want=$2 fn=$3
	while [ "$($fn)" -lt "$want" ]; do sleep 0.2; done
	echo $(($(now_ms) - t0))
}

# drain LABEL PORT COLLECTORS [cluster]: stored alerts per second with that many collectors
drain() {
	local label=$1 p=$2 k=$3 t0 ms i cpids=""
	"$LOAD" setup --redis "127.0.0.1:$p" --keys "$DIR/keys" --agents "$AGENTS" --sites 10 >/dev/null
	used "$p" >"$DIR/$label.base"
	"$LOAD" send --redis "127.0.0.1:$p" --keys "$DIR/keys" --agents "$AGENTS" --sites 10 \
		--alerts "$N" --heartbeat-ms 5000 >"$DIR/$label.load"
	used "$p" >"$DIR/$label.streams"
	t0=$(now_ms)
	for i in $(seq "$k"); do
		"$COLLECTOR" --redis "127.0.0.1:$p" --keys "$DIR/keys" --metrics off --consumer "c$i" --quiet &
		cpids="$cpids $!"
		PIDS="$PIDS $!"
	done
	COUNT_PORT=$p
	ms=$(wait_stored "$t0" "$N" stored_count)
	for i in $cpids; do kill "$i"; wait "$i" 2>/dev/null || true; done
	echo $((N * 1000 / (ms > 0 ? ms : 1)))
}
stored_count() {
	local n=0 s
	for s in $(seq 0 9); do
		n=$((n + $(redis-cli -c -p "$COUNT_PORT" ZCARD "raqib:{s:site-0$s}:alerts")))
	done
	echo "$n"
}

echo "agents: $AGENTS in 10 sites, $N alerts (half file alerts with one finding, half network uploads with two)"

# One Redis: redis-benchmark's XADD, then 1 and 2 collectors.
P1=$(port)
start_redis "$DIR/r1" "$P1"
xadd=$(redis-benchmark -p "$P1" -n 200000 -c 10 -P 64 -q -d 1200 XADD bench '*' alert __data__ 2>/dev/null |
	sed -n 's/.*: \([0-9.]*\) requests per second.*/\1/p' | head -1)
redis-cli -p "$P1" DEL bench >/dev/null
one=$(drain one "$P1" 1)
# what the collectors stored is trimmed from the streams (a drain ends with that)
"$COLLECTOR" --redis "127.0.0.1:$P1" --keys "$DIR/keys" --metrics off --drain --quiet
STORED_MEM=$(used "$P1")
BASE_MEM=$(cat "$DIR/one.base")
per_alert=$(((STORED_MEM - BASE_MEM) / N))
stream_per_alert=$((($(cat "$DIR/one.streams") - BASE_MEM) / N))
redis-cli -p "$P1" FLUSHALL >/dev/null
two=$(drain two "$P1" 2)

# Sustained load on one Redis: the delay from XADD to stored.
redis-cli -p "$P1" FLUSHALL >/dev/null
"$LOAD" setup --redis "127.0.0.1:$P1" --keys "$DIR/keys" --agents "$AGENTS" --sites 10 >/dev/null
"$COLLECTOR" --redis "127.0.0.1:$P1" --keys "$DIR/keys" --metrics off --consumer live --quiet &
PIDS="$PIDS $!"
LIVE=$!
sustained=$((RATE * 20))
"$LOAD" send --redis "127.0.0.1:$P1" --keys "$DIR/keys" --agents "$AGENTS" --sites 10 \
	--alerts "$sustained" --rate "$RATE" --heartbeat-ms 5000 >"$DIR/live.load"
COUNT_PORT=$P1
wait_stored "$(now_ms)" "$sustained" stored_count >/dev/null
kill $LIVE
# delay = receive time (score) - @timestamp, on one alert in 50
for s in $(seq 0 9); do
	redis-cli -p "$P1" --raw ZRANGE "raqib:{s:site-0$s}:alerts" 0 -1 WITHSCORES | paste - - |
		awk 'NR % 50 == 1' | while read -r ref rx; do
			"$RAQIB_BUILD_DIR/collector/raqibctl" --redis "127.0.0.1:$P1" alert "site-0$s:$ref" |
				jq -r --arg rx "$rx" '(."@timestamp" | capture("(?<s>.*)\\.(?<ms>[0-9]+)Z")) as $t |
					($rx | tonumber) - (($t.s + "Z" | fromdate) * 1000 + ($t.ms | tonumber))'
		done
done | sort -n >"$DIR/delays"
p50=$(awk '{ a[NR] = $1 } END { print a[int(NR * 0.50) + 1] }' "$DIR/delays")
p99=$(awk '{ a[NR] = $1 } END { i = int(NR * 0.99) + 1; if (i > NR) i = NR; print a[i] }' "$DIR/delays")

# A local Redis Cluster: three masters, no replicas.
CP=()
for i in 1 2 3; do
	p=$(port)
	CP+=("$p")
	start_redis "$DIR/c$i" "$p" --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 5000
done
redis-cli --cluster create $(printf '127.0.0.1:%s ' "${CP[@]}") --cluster-yes >/dev/null 2>&1
for p in "${CP[@]}"; do
	until redis-cli -p "$p" CLUSTER INFO | grep -q cluster_state:ok; do sleep 0.2; done
done
cluster1=$(drain cluster1 "${CP[0]}" 1)
for p in "${CP[@]}"; do redis-cli -p "$p" FLUSHALL >/dev/null; done
cluster2=$(drain cluster2 "${CP[0]}" 2)

echo "redis-benchmark XADD (1200-byte entries, pipelined): ${xadd%.*} entries/s"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
printf 'one Redis, 1 collector:  %6d stored alerts/s  (%s x redis-benchmark XADD)\n' "$one" "$(ratio "$one" "$xadd")"
printf 'one Redis, 2 collectors: %6d stored alerts/s  (%s x redis-benchmark XADD, %s x 1 collector)\n' \
	"$two" "$(ratio "$two" "$xadd")" "$(ratio "$two" "$one")"
printf 'cluster (3 masters), 1 collector:  %6d stored alerts/s  (%s x one Redis)\n' "$cluster1" "$(ratio "$cluster1" "$one")"
printf 'cluster (3 masters), 2 collectors: %6d stored alerts/s  (%s x one Redis)\n' "$cluster2" "$(ratio "$cluster2" "$one")"
echo "sustained $RATE alerts/s + heartbeats of $AGENTS agents: delay XADD -> stored p50 ${p50} ms, p99 ${p99} ms ($(wc -l <"$DIR/delays") alerts sampled)"
echo "memory: $per_alert Redis bytes per stored alert (indexes, incidents, trimmed streams included); $stream_per_alert bytes per alert while it waits in a stream"
echo "goals: 50,000 stored alerts/s with p99 < 1 s (floor 20,000/s); <= 1 KB per alert"
