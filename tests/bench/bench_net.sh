#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Speed of the network path (issue 6): a capture of >= 1 GiB (the captures of ../shared/pcaps
# and the synthetic cleartext uploads of tests/data/cleartext, repeated, see
# make_bench_pcap.py) replayed in the same run by
#   raqib-agent replay (inspection on: flows, nDPI, attribution, reassembly, HTTP/SMTP/FTP
#                       parsing, extraction and rules on every upload; alerts to a local Redis),
#   ndpiReader -i FILE (Debian libndpi-bin, the nDPI 4.2 reference reader),
#   tcpdump -r FILE -w /dev/null (the cost of reading the file),
# each on one core. Prints packets/s and Gbit/s of each, the ratios (goals: raqib >= 1.0x
# ndpiReader; tcpdump within 3x of raqib), peak memory and raqib's state bytes per flow.
# Environment: RAQIB_BENCH_MB (default 1024), RAQIB_BENCH_DIR (default /tmp/raqib-bench).
set -eu
: "${RAQIB_BUILD_DIR:?run through scripts/bench.sh}" "${RAQIB_SHARED_DIR:?}" "${RAQIB_SOURCE_DIR:?}"
MB=${RAQIB_BENCH_MB:-1024}
DIR=${RAQIB_BENCH_DIR:-/tmp/raqib-bench}
AGENT=$RAQIB_BUILD_DIR/agent/raqib-agent
CAP=$DIR/net-$MB.pcap
mkdir -p "$DIR"
# the agent's spool and keys stay in the bench directory (a fresh spool each run)
rm -rf "$DIR/spool"
# the benchmark's Redis has no ACL users: the agent is told so (docs/deployment.md)
export RAQIB_SPOOL=$DIR/spool RAQIB_KEYS=$DIR/keys RAQIB_INSECURE_NO_ACL=1
for tool in ndpiReader tcpdump editcap capinfos redis-server; do
	command -v $tool >/dev/null || { echo "bench: $tool is not installed (scripts/install-deps.sh)" >&2; exit 1; }
done

if [ ! -s "$CAP" ]; then
	echo "building a ${MB} MiB capture..."
	mkdir -p "$DIR/in"
	for f in "$RAQIB_SHARED_DIR"/pcaps/*.pcap* "$RAQIB_SOURCE_DIR"/tests/data/cleartext/*.pcap; do
		editcap -F pcap "$f" "$DIR/in/$(basename "$f").pcap" 2>/dev/null
	done
	python3 "$RAQIB_SOURCE_DIR/tests/bench/make_bench_pcap.py" "$CAP.tmp" "$MB" "$DIR"/in/*.pcap
	mv "$CAP.tmp" "$CAP"
fi
BYTES=$(stat -c %s "$CAP")
PACKETS=$(capinfos -c -M "$CAP" | awk '/Number of packets/ {print $NF}')

REDIS_PORT=$((20000 + RANDOM % 12000)) # below the ephemeral range
redis-server --bind 127.0.0.1 --port $REDIS_PORT --save '' --appendonly no --daemonize no \
	>"$DIR/redis.log" 2>&1 &
REDIS_PID=$!
trap 'kill $REDIS_PID 2>/dev/null; wait $REDIS_PID 2>/dev/null || true' EXIT
for _ in $(seq 50); do
	[ "$(redis-cli -p $REDIS_PORT ping 2>/dev/null)" = PONG ] && break
	sleep 0.1
done

# run NAME COMMAND...: elapsed seconds and peak RSS (KiB) of COMMAND, pinned to one core
run() {
	local name=$1
	shift
	cat "$CAP" >/dev/null # the file in the page cache for everyone
	/usr/bin/time -f "%e %M" -o "$DIR/$name.time" taskset -c 0 "$@" >"$DIR/$name.out" 2>"$DIR/$name.err" ||
		{ echo "bench: $name failed: $(tail -3 "$DIR/$name.err")" >&2; exit 1; }
	read -r secs rss <"$DIR/$name.time"
	printf '%-10s %8.2f s %12.0f pkt/s %7.3f Gbit/s %8d MiB peak RSS\n' "$name" "$secs" \
		"$(echo "$PACKETS / $secs" | bc -l)" "$(echo "$BYTES * 8 / $secs / 1000000000" | bc -l)" \
		$((rss / 1024))
	eval "${name}_secs=$secs"
}

echo "capture: $CAP, $((BYTES >> 20)) MiB, $PACKETS packets"
run raqib "$AGENT" --redis 127.0.0.1:$REDIS_PORT replay "$CAP"
run ndpiReader ndpiReader -q -i "$CAP"
run tcpdump tcpdump -r "$CAP" -w /dev/null
grep -h "replay:" "$DIR/raqib.err" | sed 's/^/raqib: /'
printf 'raqib / ndpiReader speed: %.2fx (goal >= 1.0)\n' "$(echo "$ndpiReader_secs / $raqib_secs" | bc -l)"
printf 'raqib time / tcpdump time: %.2fx (goal <= 3.0)\n' "$(echo "$raqib_secs / $tcpdump_secs" | bc -l)"
