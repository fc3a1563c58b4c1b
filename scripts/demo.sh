#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The README's first command: installs what is needed, builds, starts a private redis-server on
# a free loopback port and the collector with its desk (web UI and API), enrols two agents as an
# administrator would (raqibctl agent-add: keys, Redis ACL users), then shows raqib detecting two
# leaks:
#  1. offline: ws-casa-07 replays tests/data/http-upload-cin.pcap, a recorded HTTP upload of a
#     synthetic list of beneficiaries with national ID (CIN) and bank account (RIB) numbers;
#  2. live (eBPF): on ws-rabat-01, a stand-in Telegram Desktop opens a classified official letter
#     from ../shared/corpus and sends it over TLS to a local server.
# It prints the incidents, then opens the desk: the address and a token to sign in with, the
# incident to look at and how to export it. The desk stays up until Ctrl-C; then everything the
# demo started is stopped. Needs root (packages, BPF).
# Environment: RAQIB_DEMO_DOC, another document to send; RAQIB_DEMO_DESK=ADDR:PORT, where the
# desk listens (default: a free loopback port, plain HTTP; another address gets a self-signed
# certificate and HTTPS); RAQIB_DEMO_WAIT=0, exit at once instead of keeping the desk up.
set -eu
cd "$(dirname "$0")/.."
ROOT=$PWD

if [ "$(id -u)" != 0 ]; then
	echo "demo: needs root to install packages and load BPF programs: run $0 as root" >&2
	exit 1
fi
scripts/install-deps.sh
echo "== building"
cmake --preset default >/dev/null
cmake --build --preset default >/dev/null

BUILD=$ROOT/build
AGENT=$BUILD/agent/raqib-agent
CTL=$BUILD/collector/raqibctl
TMP=$(mktemp -d /tmp/raqib-demo.XXXXXX)
PIDS=""
# the messaging service's address: on an interface of the demo's own (raqib does not count
# uploads to loopback addresses)
SRV_IF=rqdemo$$
SRV_IP=10.$((200 + RANDOM % 50)).$((RANDOM % 250)).$((2 + RANDOM % 250))
cleanup() {
	for pid in $PIDS; do kill "$pid" 2>/dev/null || true; done
	for pid in $PIDS; do wait "$pid" 2>/dev/null || true; done
	ip link del "$SRV_IF" 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 0' INT TERM
# the agents' spools and every key stay in the demo's directory (their defaults are
# /var/lib/raqib and /etc/raqib: docs/deployment.md)
export RAQIB_SPOOL=$TMP/spool RAQIB_KEYS=$TMP/keys

free_port() {
	local candidate
	for _ in $(seq 100); do
		# below the ephemeral range (32768 on): outgoing connections hold ports there
		candidate=$((20000 + RANDOM % 12000))
		if [ -z "$(ss -Htan "sport = :$candidate")" ]; then
			echo "$candidate"
			return 0
		fi
	done
	echo "demo: no free port" >&2
	exit 1
}

port=$(free_port)
REDIS=127.0.0.1:$port
redis-server --bind 127.0.0.1 --port "$port" --dir "$TMP" --save '' --appendonly no \
	>"$TMP/redis.log" 2>&1 &
PIDS="$PIDS $!"
for _ in $(seq 100); do
	[ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ] && break
	sleep 0.1
done
export RAQIB_REDIS=$REDIS

echo "== enrolling two agents (raqibctl agent-add: their keys, their Redis ACL users)"
"$CTL" agent-add ws-rabat-01 --site rabat 2>/dev/null | redis-cli -p "$port" >/dev/null
"$CTL" agent-add ws-casa-07 --site casa 2>/dev/null | redis-cli -p "$port" >/dev/null

DESK=${RAQIB_DEMO_DESK:-127.0.0.1:$(free_port)}
DESK_OPTS=(--desk "$DESK")
SCHEME=http
case "$DESK" in
127.* | "[::1]"*) ;;
*)
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
		-subj "/CN=raqib demo" -keyout "$TMP/desk.key" -out "$TMP/desk.crt" 2>/dev/null
	DESK_OPTS+=(--set "desk.tls_cert=$TMP/desk.crt" --set "desk.tls_key=$TMP/desk.key")
	SCHEME=https
	;;
esac
"$BUILD/collector/raqib-collector" --redis "$REDIS" "${DESK_OPTS[@]}" --quiet &
PIDS="$PIDS $!"
echo "== redis-server on $REDIS, the collector and its desk started"

echo "== 1. ws-casa-07 replays a recorded HTTP upload of citizens' data (tests/data/http-upload-cin.pcap)"
"$AGENT" --agent-id ws-casa-07 --site casa replay tests/data/http-upload-cin.pcap

DOC=${RAQIB_DEMO_DOC:-$ROOT/../shared/corpus/docs/doc_135.txt}
[ -r "$DOC" ] || DOC=$ROOT/tests/data/demo/beneficiaires.txt
mkdir -p "$TMP/Documents" "$TMP/bin"
LETTER=$TMP/Documents/$(basename "$DOC")
cp "$DOC" "$LETTER"
echo "== 2. live, ws-rabat-01: a stand-in Telegram Desktop opens $(basename "$DOC") and sends it"
# the messaging service: a TLS server that takes what it is sent
ip link add "$SRV_IF" type veth peer name "${SRV_IF}p"
ip addr add "$SRV_IP/32" dev "$SRV_IF"
ip link set "$SRV_IF" up
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
	-subj /CN=telegram-stand-in -keyout "$TMP/srv.key" -out "$TMP/srv.crt" 2>/dev/null
srv_port=$(free_port)
# its standard input stays open (s_server stops at end of file): a FIFO the demo holds
mkfifo "$TMP/srv.in"
exec 9<>"$TMP/srv.in"
openssl s_server -accept "$SRV_IP:$srv_port" -cert "$TMP/srv.crt" -key "$TMP/srv.key" -quiet \
	<&9 >/dev/null 2>&1 &
PIDS="$PIDS $!"
"$AGENT" --agent-id ws-rabat-01 --site rabat run --ready-file "$TMP/ready" --upload-window 3 \
	2>"$TMP/agent.err" &
AGENT_PID=$!
PIDS="$PIDS $AGENT_PID"
for _ in $(seq 300); do
	[ -e "$TMP/ready" ] && break
	kill -0 "$AGENT_PID" 2>/dev/null || { echo "demo: the agent failed to start: $(cat "$TMP/agent.err")" >&2; exit 1; }
	sleep 0.1
done
cp "$BUILD/tests/tls_upload" "$TMP/bin/telegram-desktop"
for _ in $(seq 50); do
	ss -Htln "sport = :$srv_port" | grep -q . && break
	sleep 0.1
done
"$TMP/bin/telegram-desktop" --send "$LETTER" "$SRV_IP" "$srv_port" ||
	echo "demo: the stand-in app could not send (its alert may then say the letter was only read)" >&2
for _ in $(seq 100); do
	"$CTL" incidents --json 2>/dev/null | grep -q '"id":"s:rabat:' && break
	sleep 0.2
done
kill -TERM "$AGENT_PID"
wait "$AGENT_PID" || true

INCIDENT=$("$CTL" incidents --json | jq -r 'select(.id | startswith("s:rabat:")) | .id' | head -1)
echo
echo "== the incidents the collector opened (raqibctl incidents)"
"$CTL" incidents
echo
echo "== the alerts (raqibctl alerts)"
"$CTL" alerts
TOKEN=$(RAQIB_AS=demo "$CTL" token-add demo-investigator --role investigator 2>/dev/null)
cat <<EOF

== the desk is open: $SCHEME://$DESK/
   Sign in with this token (role investigator; raqibctl token-add makes others):
       $TOKEN
   The letter ws-rabat-01 sent is incident ${INCIDENT:-s:rabat:1}: open it from the Incidents page
   to read its story, follow the document's provenance, then "Export case report".
   From a terminal:
       RAQIB_REDIS=$REDIS $CTL export ${INCIDENT:-s:rabat:1} -o case.html
EOF
if [ "${RAQIB_DEMO_WAIT:-1}" = 0 ]; then
	exit 0
fi
echo "== Ctrl-C stops the demo and everything it started"
while true; do
	# waited for in the background, so that Ctrl-C or a TERM stops the demo at once
	sleep 3600 &
	PIDS="$PIDS $!"
	wait $!
done
