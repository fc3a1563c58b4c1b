# SPDX-License-Identifier: GPL-2.0-only
# Network-namespace helpers of the host sensor's end-to-end tests (sourced after lib.sh): a
# client and a server namespace joined by a veth pair on 10.x test addresses, a TLS server in
# the server namespace, and their removal on every exit path. Names are unique per test run;
# nothing is routed out of the namespaces. (../shared/notes/ebpf-on-this-kernel.md section 11.)

NS_CLI=raqib-$$-cli
NS_SRV=raqib-$$-srv
VETH_CLI=rq$$c
VETH_SRV=rq$$s
NET_PREFIX=10.$((200 + RANDOM % 50)).$((RANDOM % 250))
CLI_IP=$NET_PREFIX.1
SRV_IP=$NET_PREFIX.2

netns_cleanup() {
	local ns pid
	for ns in "$NS_CLI" "$NS_SRV"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill "$pid" 2>/dev/null || true
		done
	done
	sleep 0.2
	for ns in "$NS_CLI" "$NS_SRV"; do
		ip netns del "$ns" 2>/dev/null || true
	done
}

# Creates both namespaces and the veth pair between them.
netns_setup() {
	command -v ip >/dev/null || fail "ip (iproute2) is not installed"
	trap 'netns_cleanup; cleanup' EXIT
	ip netns add "$NS_CLI" || skip "cannot create network namespaces"
	ip netns add "$NS_SRV"
	ip link add "$VETH_CLI" type veth peer name "$VETH_SRV"
	ip link set "$VETH_CLI" netns "$NS_CLI"
	ip link set "$VETH_SRV" netns "$NS_SRV"
	ip -n "$NS_CLI" addr add "$CLI_IP/24" dev "$VETH_CLI"
	ip -n "$NS_SRV" addr add "$SRV_IP/24" dev "$VETH_SRV"
	for ns in "$NS_CLI" "$NS_SRV"; do
		ip -n "$ns" link set lo up
	done
	ip -n "$NS_CLI" link set "$VETH_CLI" up
	ip -n "$NS_SRV" link set "$VETH_SRV" up
}

# Starts an OpenSSL TLS server on $SRV_IP:$1 in the server namespace that reads and discards.
# Its standard input stays open: s_server stops decrypting when it sees end of file.
start_tls_server() {
	local port=$1
	command -v openssl >/dev/null || fail "openssl is not installed (scripts/install-deps.sh)"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
		-subj /CN=raqib-test -keyout "$TMP/key.pem" -out "$TMP/cert.pem" 2>/dev/null ||
		fail "cannot make a test certificate"
	ip netns exec "$NS_SRV" sh -c "tail -f /dev/null | exec openssl s_server -accept $SRV_IP:$port -cert '$TMP/cert.pem' -key '$TMP/key.pem' -quiet >/dev/null 2>&1" &
	track $!
	for _ in $(seq 50); do
		if ip netns exec "$NS_SRV" ss -Htln "sport = :$port" | grep -q .; then
			return 0
		fi
		sleep 0.1
	done
	fail "the TLS server did not start"
}

# Starts the agent with its arguments after `run`; waits until it is attached.
start_agent() {
	start_agent_run "$AGENT_ID" "$@"
}

# Stops the agent (it decides what is pending) and drains the stream into the store.
stop_agent() {
	kill -TERM "$AGENT_PID"
	wait "$AGENT_PID" || fail "agent exited with an error: $(cat "$TMP/agent.err")"
	enroll_streams
	"$COLLECTOR" --metrics off --redis "$REDIS" --drain --quiet || fail "collector failed"
}
