#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Speed of the durable outbox (issue 7): alerts per second from the outbox into Redis (numbered,
# built, signed, spooled, pipelined XADD, acknowledged in the spool) with the spool synced for
# every alert (--spool-fsync always, the default) and never synced, and redis-benchmark's XADD
# rate on the same redis-server in the same run, with entries of the same size, the same
# pipeline depth (256) and one connection. The spool is on RAQIB_BENCH_DIR's file system.
# Environment: RAQIB_BENCH_ALERTS (default 20000), RAQIB_BENCH_DIR (default /tmp/raqib-bench).
set -eu
: "${RAQIB_BUILD_DIR:?run through scripts/bench.sh}" "${RAQIB_SOURCE_DIR:?}"
N=${RAQIB_BENCH_ALERTS:-20000}
DIR=${RAQIB_BENCH_DIR:-/tmp/raqib-bench}/outbox
GEN=$RAQIB_BUILD_DIR/tests/outbox_gen
export RAQIB_INSECURE_NO_ACL=1 # the benchmark's Redis has no ACL users
command -v redis-benchmark >/dev/null || { echo "bench: redis-benchmark is not installed" >&2; exit 1; }
rm -rf "$DIR"
mkdir -p "$DIR"
PORT=$((20000 + RANDOM % 12000)) # below the ephemeral range
redis-server --bind 127.0.0.1 --port "$PORT" --dir "$DIR" --save '' --appendonly no \
	--daemonize no >"$DIR/redis.log" 2>&1 &
REDIS_PID=$!
trap 'kill $REDIS_PID 2>/dev/null; wait $REDIS_PID 2>/dev/null; rm -rf "$DIR"' EXIT
for _ in $(seq 100); do
	[ "$(redis-cli -p "$PORT" ping 2>/dev/null)" = PONG ] && break
	sleep 0.1
done
df -h "$DIR" | tail -1 | awk '{ print "spool file system: " $1 " on " $6 }'

# rate LABEL FSYNC: alerts/s of outbox_gen, from the first alert to the last one delivered
rate() {
	redis-cli -p "$PORT" FLUSHALL >/dev/null
	"$GEN" --redis "127.0.0.1:$PORT" --agent-id "bench-$1" --spool-dir "$DIR/spool" \
		--keys "$DIR/keys" --count "$N" --fsync "$2" >"$DIR/$1.out" 2>"$DIR/$1.err" ||
		{ echo "bench: outbox_gen failed: $(cat "$DIR/$1.out" "$DIR/$1.err")" >&2; exit 1; }
	grep '^stats ' "$DIR/$1.out" | tr ' ' '\n' | sed -n 's/^elapsed_us=//p' |
		awk -v n="$N" '{ printf "%.0f\n", n / ($1 / 1e6) }'
}
never=$(rate never never)
always=$(rate always always)
syncs=$(grep '^stats ' "$DIR/always.out" | tr ' ' '\n' | sed -n 's/^syncs=//p')

# redis-benchmark: XADD of an entry as large as the outbox's (fields agent, seq, alert, sig)
redis-cli -p "$PORT" FLUSHALL >/dev/null
"$GEN" --redis "127.0.0.1:$PORT" --agent-id bench-size --spool-dir "$DIR/spool" --keys "$DIR/keys" \
	--count 1 >/dev/null 2>&1
alert_bytes=$(redis-cli -p "$PORT" --raw XRANGE 'raqib:{s:default}:in:bench-size' - + | awk 'prev=="alert"{print; exit} {prev=$0}' | wc -c)
payload=$(head -c "$alert_bytes" /dev/zero | tr '\0' 'x')
sig=$(head -c 64 /dev/zero | tr '\0' 'f')
redis-cli -p "$PORT" FLUSHALL >/dev/null
peer=$(redis-benchmark -p "$PORT" -c 1 -P 256 -n "$N" --csv \
	XADD raqib:bench '*' agent bench seq __rand_int__ alert "$payload" sig "$sig" |
	tail -1 | cut -d, -f2 | tr -d '"' | cut -d. -f1)

echo "alerts: $N, about $alert_bytes bytes each"
printf 'outbox, fsync never         : %8d alerts/s\n' "$never"
printf 'outbox, fsync always        : %8d alerts/s  (%s fdatasync calls)\n' "$always" "$syncs"
printf 'redis-benchmark XADD (-P256): %8d entries/s\n' "$peer"
awk -v a="$always" -v n="$never" -v p="$peer" 'BEGIN {
	printf "ratios: fsync never = %.2f of redis-benchmark, fsync always = %.3f of redis-benchmark, always/never = %.3f\n",
		n / p, a / p, a / n
}'
