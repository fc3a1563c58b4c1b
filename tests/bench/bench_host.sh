#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Benchmark of the host sensor's cost to the processes of the host (run by scripts/bench.sh host;
# never a test). A syscall-heavy workload (tests/bench/syscall_load.c: open, 4 KiB reads, close,
# a 256-byte TCP write, in a loop) runs under an unwatched name and under a messaging app's name,
# with the agent detached and attached, alternated within each round of the same run; each
# round's own ratio is taken, in wall time and in the workload's own CPU time, and the median over
# the rounds printed with its quartiles (their spread says how noisy the machine was). The
# kernel's accounting of the programs' run time (bpf_stats) follows: steadier than any clock
# here; it includes the accounting's own clock reads and leaves out the tracepoint dispatch. Goals (issue 5): at most 2 % slowdown unwatched, 10 % watched. The watched workload
# reopens one file: with the default --reopen-quiet-ms the kernel reports it once a second.
# Then the watched workload is paced at growing rates to find the record rate at which the ring
# buffer starts dropping (the kernel's per-CPU drop counter, read with bpftool).
# Last, the names tier and destination watching (issue 16): a network workload of an unwatched
# process (tests/bench/net_load.c: small UDP datagrams, a TCP stream, TCP connections) with the
# agent detached, attached with --no-names, and attached as it starts by default; the ratios
# say what the cgroup_skb programs (every packet) and the connect hook (every connect) cost.
# Needs root. Figures are ratios measured in the same run: the machine is shared and noisy.
set -eu
: "${RAQIB_BUILD_DIR:?run through scripts/bench.sh}"
[ "$(id -u)" = 0 ] || { echo "bench_host: needs root (BPF)"; exit 0; }
AGENT=$RAQIB_BUILD_DIR/agent/raqib-agent
LOAD=$RAQIB_BUILD_DIR/tests/syscall_load
NET_LOAD=$RAQIB_BUILD_DIR/tests/net_load
ROUNDS=${ROUNDS:-9}
ITER=${ITER:-100000}
TMP=$(mktemp -d /tmp/raqib-bench.XXXXXX)
REDIS_PID=""
AGENT_PID=""
cleanup() {
	[ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null && wait "$AGENT_PID" 2>/dev/null
	[ -n "$REDIS_PID" ] && kill "$REDIS_PID" 2>/dev/null && wait "$REDIS_PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
# the agent's spool and keys stay in this run's directory
# the benchmark's Redis has no ACL users: the agent is told so (docs/deployment.md)
export RAQIB_SPOOL=$TMP/spool RAQIB_KEYS=$TMP/keys RAQIB_INSECURE_NO_ACL=1

PORT=$((20000 + RANDOM % 12000)) # below the ephemeral range
redis-server --bind 127.0.0.1 --port "$PORT" --save '' --appendonly no >/dev/null 2>&1 &
REDIS_PID=$!
cp "$LOAD" "$TMP/bench-plain"
cp "$LOAD" "$TMP/telegram-desktop" # watched: a messaging app's name
head -c 16384 /dev/zero | tr '\0' 'a' >"$TMP/file.txt" # 4 reads, nothing sensitive

start_agent() { # extra options of run
	rm -f "$TMP/ready"
	"$AGENT" --quiet --redis "127.0.0.1:$PORT" --agent-id bench run --ready-file "$TMP/ready" \
		"$@" 2>>"$TMP/agent.err" &
	AGENT_PID=$!
	for _ in $(seq 300); do
		[ -e "$TMP/ready" ] && return 0
		sleep 0.1
	done
	echo "bench_host: agent not ready: $(tail -3 "$TMP/agent.err")" >&2
	exit 1
}
stop_agent() {
	kill -TERM "$AGENT_PID"
	wait "$AGENT_PID" || true
	AGENT_PID=""
}
median() {
	sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Each round runs every workload twice detached and twice attached, ordered off-on-on-off in odd
# rounds and on-off-off-on in even ones, so that a drift of the machine's speed during a round
# weighs on both sides alike; the slowdown is the median over rounds of each round's own ratio.
run_pair() { # off|on
	"$TMP/bench-plain" "$ITER" "$TMP/file.txt" >>"$TMP/plain.$1.$i"
	"$TMP/telegram-desktop" "$ITER" "$TMP/file.txt" >>"$TMP/watched.$1.$i"
}
for i in $(seq "$ROUNDS"); do
	if [ $((i % 2)) = 1 ]; then
		run_pair off
		start_agent
		run_pair on
		run_pair on
		stop_agent
		run_pair off
	else
		start_agent
		run_pair on
		stop_agent
		run_pair off
		run_pair off
		start_agent
		run_pair on
		stop_agent
	fi
done
# Column 1: wall time, column 2: CPU time of the workload, per iteration.
mean_col() { awk -v col="$1" '{ s += $col } END { print s / NR }' "$2"; }
for who in plain watched; do
	for col in 1 2; do
		for i in $(seq "$ROUNDS"); do
			awk -v off="$(mean_col "$col" "$TMP/$who.off.$i")" \
				-v on="$(mean_col "$col" "$TMP/$who.on.$i")" 'BEGIN { print (on / off - 1) * 100 }'
		done | sort -n >"$TMP/ratios"
		awk -v who="$who" -v col="$col" -v rounds="$ROUNDS" '{ v[NR] = $1 } END {
			med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			q1 = v[int((NR + 3) / 4)]; q3 = v[int((3 * NR + 3) / 4)]
			goal = who == "plain" ? 2 : 10
			printf "%-9s %-4s slowdown %+6.1f %% (median of %d rounds; quartiles %+.1f .. %+.1f %%)  (goal <= %d %%)\n",
				who == "plain" ? "unwatched" : "watched", col == 1 ? "wall" : "cpu",
				med, rounds, q1, q3, goal }' "$TMP/ratios"
	done
done
DETACHED=$(cat "$TMP"/plain.off.* | cut -d' ' -f1 | median)
echo "detached: $DETACHED ns per iteration (median)"
# What each BPF program costs per run, from the kernel's own accounting (kernel.bpf_stats_enabled,
# switched on for this step only and restored): steadier than any wall-clock figure here.
prog_stats() {
	bpftool -j prog show | jq -r '.[] | select(.name | test("^(handle|tls)_")) |
		"\(.name) \(.run_cnt // 0) \(.run_time_ns // 0)"' | sort
}
per_run() { # before after label
	join "$1" "$2" | awk -v label="$3" '{ c = $4 - $2; t = $5 - $3
		if (c > 1000) { printf "%s %-22s %8d runs %5.0f ns/run\n", label, $1, c, t / c; sum += t }
	} END { printf "%s total BPF time per iteration: %.0f ns, %.1f %% of a detached iteration\n",
		label, sum / ITER, sum / ITER / DET * 100 }' ITER="$ITER" DET="$DETACHED"
}
STATS_OLD=$(sysctl -n kernel.bpf_stats_enabled)
trap 'sysctl -qw kernel.bpf_stats_enabled="$STATS_OLD"; cleanup' EXIT
start_agent
sysctl -qw kernel.bpf_stats_enabled=1
prog_stats >"$TMP/s0"
"$TMP/bench-plain" "$ITER" "$TMP/file.txt" >/dev/null
prog_stats >"$TMP/s1"
"$TMP/telegram-desktop" "$ITER" "$TMP/file.txt" >/dev/null
prog_stats >"$TMP/s2"
sysctl -qw kernel.bpf_stats_enabled="$STATS_OLD"
stop_agent
per_run "$TMP/s0" "$TMP/s1" unwatched
per_run "$TMP/s1" "$TMP/s2" watched

# Ring-buffer drops: the watched workload paced at growing rates, with every open reported
# (--reopen-quiet-ms 0), so that each iteration sends two records (an open and a close). A drop
# is counted by the kernel's per-CPU drop counter.
drops() {
	bpftool -j map dump name raqib_drops 2>/dev/null |
		jq '[.[] | select(.key == 0 or .key == 4) | .values[].value] | add // 0'
}
start_agent --reopen-quiet-ms 0
prev=$(drops)
for rate in 5000 10000 20000 50000 100000 200000 400000; do
	"$TMP/telegram-desktop" $((rate * 2)) "$TMP/file.txt" "$rate" >"$TMP/paced"
	sleep 0.3 # the agent's last poll
	now=$(drops)
	achieved=$(awk -v ns="$(cut -d' ' -f1 "$TMP/paced")" 'BEGIN { printf "%d", 1e9 / ns }')
	printf "ring: %7d iterations/s requested, %7d achieved, %8d records/s: %d dropped\n" \
		"$rate" "$achieved" $((achieved * 2)) $((now - prev))
	prev=$now
done
# Saturation: two unpaced workloads at once, so the agent competes with them for the two CPUs.
start=$(date +%s%N)
"$TMP/telegram-desktop" $((ITER * 2)) "$TMP/file.txt" >"$TMP/sat1" &
sat1=$!
"$TMP/telegram-desktop" $((ITER * 2)) "$TMP/file.txt" >"$TMP/sat2"
wait "$sat1" # not a bare wait: the agent and redis-server are children too
elapsed_ns=$(($(date +%s%N) - start))
sleep 0.3
now=$(drops)
printf "ring: 2 unpaced workloads, %d records/s offered: %d dropped\n" \
	$((ITER * 2 * 2 * 2 * 1000000000 / elapsed_ns)) $((now - prev))
stop_agent

# Names tier and destination watching: per packet (UDP, TCP) and per connection, an unwatched
# process, CPU time (its own: the programs run in its context for what it sends, and in softirq
# for loopback delivery, which is accounted to it too). Detached, --no-names, default.
net_run() { # config round
	"$NET_LOAD" udp 100000 >>"$TMP/net.udp.$1.$2"
	"$NET_LOAD" tcp 400 >>"$TMP/net.tcp.$1.$2"
	"$NET_LOAD" connect 500 >>"$TMP/net.connect.$1.$2"
}
for i in $(seq "$ROUNDS"); do
	net_run off "$i"
	start_agent --no-names
	net_run core "$i"
	stop_agent
	start_agent
	net_run names "$i"
	stop_agent
done
for load in udp tcp connect; do
	for pair in "core off" "names core" "names off"; do
		set -- $pair
		for i in $(seq "$ROUNDS"); do
			awk -v a="$(mean_col 2 "$TMP/net.$load.$2.$i")" \
				-v b="$(mean_col 2 "$TMP/net.$load.$1.$i")" 'BEGIN { print (b / a - 1) * 100 }'
		done | sort -n >"$TMP/ratios"
		awk -v load="$load" -v what="$1 vs $2" '{ v[NR] = $1 } END {
			med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "net %-7s cpu %-13s %+6.1f %% (median; quartiles %+.1f .. %+.1f %%)\n",
				load, what, med, v[int((NR + 3) / 4)], v[int((3 * NR + 3) / 4)] }' "$TMP/ratios"
	done
	echo "net $load detached: $(cat "$TMP"/net.$load.off.* | cut -d' ' -f2 | median) ns CPU per unit"
done
start_agent
sysctl -qw kernel.bpf_stats_enabled=1
prog_stats >"$TMP/n0"
"$NET_LOAD" udp 100000 >/dev/null
"$NET_LOAD" connect 500 >/dev/null
prog_stats >"$TMP/n1"
sysctl -qw kernel.bpf_stats_enabled="$STATS_OLD"
stop_agent
join "$TMP/n0" "$TMP/n1" | awk '$1 ~ /egress|ingress|connect|send/ { c = $4 - $2; t = $5 - $3
	if (c > 100) printf "net %-22s %8d runs %5.0f ns/run\n", $1, c, t / c }'
