#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The agent's link to Redis over TLS, as docs/deployment.md describes it (hiredis 0.14 has no
# TLS): the agent and the collector speak to a local stunnel client, which verifies the server
# against the deployment's CA and shows its own client certificate. Two servers: redis-server's
# own TLS port (mutual TLS), and a stunnel server in front of a Redis that listens on loopback
# only. Everything on loopback; the CA and certificates are made here with openssl.
. "$(dirname "$0")/lib.sh"

command -v stunnel4 >/dev/null || command -v stunnel >/dev/null || fail "stunnel4 is not installed (scripts/install-deps.sh)"
STUNNEL=$(command -v stunnel4 || command -v stunnel)
PKI=$TMP/pki
mkdir -p "$PKI"
cd "$PKI"
# A CA, a server certificate for 127.0.0.1, a client certificate: the deployment's PKI.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=raqib test CA" \
	-keyout ca.key -out ca.crt 2>/dev/null
cert() { # name subject [extension]
	openssl req -newkey rsa:2048 -nodes -subj "/CN=$2" -keyout "$1.key" -out "$1.csr" 2>/dev/null
	openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
		-extfile <(printf '%s\n' "$3") -out "$1.crt" 2>/dev/null
}
cert server "redis.test" "subjectAltName=IP:127.0.0.1"
cert client "ws-tls" "extendedKeyUsage=clientAuth"
# a CA the server does not come from, to check that the client verifies
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=other CA" \
	-keyout other.key -out other.crt 2>/dev/null
chmod 600 ./*.key
cd - >/dev/null

listening() {
	[ -n "$(ss -Htln "sport = :$1")" ]
}

# Runs a listener (its command line: the arguments, with @PORT@ for the port to listen on) on a
# free loopback port, and sets LISTEN_PORT. Tests run two at a time: a port another test takes
# between free_port and the bind makes the listener exit, and another port is tried.
start_listener() {
	local log=$1 port pid
	shift
	for _ in 1 2 3; do
		port=$(free_port)
		"${@//@PORT@/$port}" >>"$log" 2>&1 &
		pid=$!
		track $pid
		for _ in $(seq 200); do
			if listening "$port"; then
				LISTEN_PORT=$port
				return 0
			fi
			kill -0 $pid 2>/dev/null || break
			sleep 0.1
		done
	done
	fail "$* did not listen: $(tail -5 "$log")"
}

# stunnel NAME CONNECT client|server [CAFILE]: listens on a free port, set in LISTEN_PORT.
start_stunnel() {
	local conf=$TMP/stunnel-$1.conf
	{
		echo "foreground = yes"
		echo "pid ="
		echo "output = $TMP/stunnel-$1.log"
		echo "[$1]"
		echo "accept = 127.0.0.1:ACCEPT_PORT"
		echo "connect = 127.0.0.1:$2"
		echo "CAfile = ${4:-$PKI/ca.crt}"
		echo "verifyChain = yes"
		if [ "$3" = client ]; then
			echo "client = yes"
			echo "checkIP = 127.0.0.1"
			echo "cert = $PKI/client.crt"
			echo "key = $PKI/client.key"
		else
			echo "cert = $PKI/server.crt"
			echo "key = $PKI/server.key"
		fi
	} >"$conf.in"
	# the port goes into the configuration file: stunnel reads it at start
	start_listener "$TMP/stunnel-$1.log" sh -c 'sed "s/ACCEPT_PORT/$1/" "$2" >"$3" && exec "$4" "$3"' \
		stunnel @PORT@ "$conf.in" "$conf" "$STUNNEL"
}

# A: redis-server's own TLS port, client certificates required.
start_listener "$TMP/redis-tls.log" redis-server --bind 127.0.0.1 --port 0 --tls-port @PORT@ \
	--dir "$TMP" --save '' --tls-cert-file "$PKI/server.crt" --tls-key-file "$PKI/server.key" \
	--tls-ca-cert-file "$PKI/ca.crt" --tls-auth-clients yes
TLS_PORT=$LISTEN_PORT
start_stunnel a "$TLS_PORT" client
LOCAL_A=$LISTEN_PORT
REDIS_PORT=$LOCAL_A # rcli goes through the tunnel too
[ "$(rcli PING)" = PONG ] || fail "no PING through the tunnel: $(cat "$TMP/stunnel-a.log")"
# the TLS port speaks no plaintext
[ "$(timeout 5 redis-cli -p "$TLS_PORT" PING 2>/dev/null)" != PONG ] || fail "the TLS port answered in plaintext"

"$AGENT" --redis "127.0.0.1:$LOCAL_A" --agent-id ws-tls replay "$DATA/http-upload-cin.pcap" \
	2>"$TMP/agent-a.err" || fail "agent through TLS failed: $(cat "$TMP/agent-a.err")"
enroll_streams
"$COLLECTOR" --metrics off --redis "127.0.0.1:$LOCAL_A" --drain --quiet || fail "collector through TLS failed"
[ "$(stored_count)" = 1 ] || fail "the alert did not arrive through TLS"
[ "$(agent_hb ws-tls status)" = stopped ] || fail "the heartbeat did not arrive through TLS"

# B: a stunnel server in front of a Redis bound to loopback without TLS.
start_redis
PLAIN_PORT=$REDIS_PORT
start_stunnel b-server "$PLAIN_PORT" server
SERVER_PORT=$LISTEN_PORT
start_stunnel b "$SERVER_PORT" client
LOCAL_B=$LISTEN_PORT
"$OUTBOX_GEN" --redis "127.0.0.1:$LOCAL_B" --agent-id ws-tls-b --count 500 >"$TMP/gen.out" 2>&1 ||
	fail "the outbox through the stunnel pair failed: $(cat "$TMP/gen.out")"
enroll_streams
"$COLLECTOR" --metrics off --redis "127.0.0.1:$LOCAL_B" --drain --quiet || fail "collector through the stunnel pair failed"
REDIS_PORT=$PLAIN_PORT
[ "$(seq_field ws-tls-b stored)" = 500 ] || fail "not every alert went through: $(seq_state ws-tls-b)"

# A client that does not trust the server's CA gets nothing through.
start_stunnel c "$SERVER_PORT" client "$PKI/other.crt"
LOCAL_C=$LISTEN_PORT
[ "$(timeout 5 redis-cli -p "$LOCAL_C" PING 2>/dev/null)" != PONG ] || fail "a server of another CA was trusted"
echo "PASS"
