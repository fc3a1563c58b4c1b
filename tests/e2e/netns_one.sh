# SPDX-License-Identifier: GPL-2.0-only
# One private network namespace for an end-to-end test (sourced after lib.sh): its loopback up,
# a redis-server in it on 127.0.0.1:6379, and its removal with its processes on every exit path.
# For tests whose agents capture on the namespace's loopback. Needs root.

NS=raqib-$$-one
REDIS_PORT=6379

# Creates the namespace (skips the test when it cannot).
one_netns_setup() {
	ip netns add "$NS" || skip "cannot create a network namespace"
	trap one_netns_cleanup EXIT
	nsx ip link set lo up
}

one_netns_cleanup() {
	ip netns pids "$NS" 2>/dev/null | xargs -r kill 2>/dev/null || true
	sleep 0.2
	ip netns del "$NS" 2>/dev/null || true
	cleanup
}

# Runs a command in the namespace.
nsx() {
	ip netns exec "$NS" "$@"
}

# redis-cli in the namespace; lib.sh's helpers (agent_hb, stream_alerts...) read it too.
nrcli() {
	nsx redis-cli -p $REDIS_PORT --raw "$@"
}
rcli() {
	nrcli "$@"
}

# Starts redis-server in the namespace and waits until it answers.
one_netns_redis() {
	ip netns exec "$NS" redis-server --bind 127.0.0.1 --port $REDIS_PORT --dir "$TMP" --save '' \
		--appendonly no >"$TMP/redis.log" 2>&1 &
	track $!
	wait_for '[ "$(nrcli ping 2>/dev/null)" = PONG ]' 10
}
