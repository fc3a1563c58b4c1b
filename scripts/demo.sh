#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The README's first command: installs what is needed, builds, starts a private redis-server on
# a free loopback port and the collector, then shows raqib detecting two leaks:
#  1. offline: raqib-agent replays tests/data/http-upload-cin.pcap, a recorded HTTP upload of a
#     synthetic list of beneficiaries with national ID (CIN) and bank account (RIB) numbers;
#  2. live (eBPF): a stand-in messaging app (a copy of cat named telegram-desktop) opens a
#     classified official letter from ../shared/corpus.
# and prints the alerts the collector stored. Everything it starts is stopped at the end.
# Needs root (packages, BPF). Environment: RAQIB_DEMO_DOC to open another document.
set -eu
cd "$(dirname "$0")/.."
ROOT=$PWD

if [ "$(id -u)" != 0 ]; then
	echo "demo: needs root to install packages and load BPF programs: sudo $0" >&2
	exit 1
fi
scripts/install-deps.sh
echo "== building"
cmake --preset default >/dev/null
cmake --build --preset default >/dev/null

BUILD=$ROOT/build
TMP=$(mktemp -d /tmp/raqib-demo.XXXXXX)
PIDS=""
cleanup() {
	for pid in $PIDS; do kill "$pid" 2>/dev/null || true; done
	for pid in $PIDS; do wait "$pid" 2>/dev/null || true; done
	rm -rf "$TMP"
}
trap cleanup EXIT
# the agents' spools and keys stay in the demo's directory (their defaults are /var/lib/raqib
# and /etc/raqib: docs/deployment.md); the demo's Redis has no ACL users, which the agents
# must be told (a deployment enrols each agent: raqibctl agent-add)
export RAQIB_SPOOL=$TMP/spool RAQIB_KEYS=$TMP/keys RAQIB_INSECURE_NO_ACL=1

port=""
for _ in $(seq 100); do
	# below the ephemeral range (32768 on): outgoing connections hold ports there
	candidate=$((20000 + RANDOM % 12000))
	if [ -z "$(ss -Htan "sport = :$candidate")" ]; then
		port=$candidate
		break
	fi
done
[ -n "$port" ] || { echo "demo: no free port" >&2; exit 1; }
REDIS=127.0.0.1:$port
redis-server --bind 127.0.0.1 --port "$port" --dir "$TMP" --save '' --appendonly no \
	>"$TMP/redis.log" 2>&1 &
PIDS="$PIDS $!"
for _ in $(seq 100); do
	[ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ] && break
	sleep 0.1
done
# enrol this host's agent in the registry the collector reads (its key is made on first use)
AGENT_ID=$(hostname | tr -c 'A-Za-z0-9._\n-' '_')
"$BUILD/collector/raqibctl" agent-add "$AGENT_ID" 2>/dev/null | sed 1d | redis-cli -p "$port" >/dev/null
echo "== redis-server on $REDIS, collector started"
"$BUILD/collector/raqib-collector" --redis "$REDIS" --quiet &
PIDS="$PIDS $!"

echo "== 1. replaying a recorded HTTP upload (tests/data/http-upload-cin.pcap)"
"$BUILD/agent/raqib-agent" --redis "$REDIS" replay tests/data/http-upload-cin.pcap

DOC=${RAQIB_DEMO_DOC:-$ROOT/../shared/corpus/docs/doc_135.txt}
[ -r "$DOC" ] || DOC=$ROOT/tests/data/demo/beneficiaires.txt
DOC=$(realpath "$DOC")
echo "== 2. live: a stand-in Telegram Desktop opens $DOC"
"$BUILD/agent/raqib-agent" --redis "$REDIS" run --ready-file "$TMP/ready" &
AGENT=$!
PIDS="$PIDS $AGENT"
for _ in $(seq 300); do
	[ -e "$TMP/ready" ] && break
	kill -0 "$AGENT" 2>/dev/null || { echo "demo: the agent failed to start" >&2; exit 1; }
	sleep 0.1
done
mkdir -p "$TMP/bin"
cp /bin/cat "$TMP/bin/telegram-desktop"
"$TMP/bin/telegram-desktop" "$DOC" >/dev/null
for _ in $(seq 50); do
	[ "$("$BUILD/collector/raqibctl" --redis "$REDIS" alerts --json | grep -c .)" -ge 2 ] && break
	sleep 0.2
done
kill -TERM "$AGENT"
wait "$AGENT" || true

echo
echo "== alerts stored by the collector (raqibctl alerts)"
"$BUILD/collector/raqibctl" --redis "$REDIS" alerts
echo
echo "== the newest alert as stored (raqibctl alerts --json --limit 1)"
"$BUILD/collector/raqibctl" --redis "$REDIS" alerts --json --limit 1 | jq .
echo
echo "== incidents (raqibctl incidents)"
"$BUILD/collector/raqibctl" --redis "$REDIS" incidents
