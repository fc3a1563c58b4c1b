# SPDX-License-Identifier: GPL-2.0-only
# Shared helpers of the end-to-end tests: a private temporary directory, a real redis-server on
# a free loopback port chosen at run time, background processes stopped by pid on every exit
# path, and skip/fail conventions (exit 4 = skipped; with RAQIB_NO_SKIP set, a skip fails).
set -eu

: "${RAQIB_SOURCE_DIR:?run through ctest, or set RAQIB_SOURCE_DIR}"
: "${RAQIB_BUILD_DIR:?run through ctest, or set RAQIB_BUILD_DIR}"
RAQIB_SHARED_DIR=${RAQIB_SHARED_DIR:-$RAQIB_SOURCE_DIR/../shared}

AGENT=$RAQIB_BUILD_DIR/agent/raqib-agent
OUTBOX_GEN=$RAQIB_BUILD_DIR/tests/outbox_gen
COLLECTOR=$RAQIB_BUILD_DIR/collector/raqib-collector
CTL=$RAQIB_BUILD_DIR/collector/raqibctl
DATA=$RAQIB_SOURCE_DIR/tests/data

TMP=$(mktemp -d /tmp/raqib-e2e.XXXXXX)
BG_PIDS=""
REDIS_PORT=""
# Every agent's spool and every key stay in this test's directory (agents create their keys
# there; the collector reads them from there). The tests' Redis has no ACL users: agents send
# as the default user (the development set-up, named as such) unless a test unsets this.
export RAQIB_SPOOL=$TMP/spool RAQIB_KEYS=$TMP/keys RAQIB_INSECURE_NO_ACL=1
# The epoch of entries the tests write by hand (xadd_signed).
TEST_EPOCH=00000000000000e1

cleanup() {
	local hook
	for pid in $BG_PIDS; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in $BG_PIDS; do
		wait "$pid" 2>/dev/null || true
	done
	# a test's own undo steps (CLEANUP_HOOKS: function names), e.g. unmounting what it mounted
	for hook in ${CLEANUP_HOOKS:-}; do
		"$hook" || true
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

skip() {
	echo "SKIP: $*"
	if [ -n "${RAQIB_NO_SKIP:-}" ]; then
		echo "RAQIB_NO_SKIP is set: a skipped test fails" >&2
		exit 1
	fi
	exit 4
}

# Remembers a background process to stop at exit.
track() {
	BG_PIDS="$BG_PIDS $1"
}

# A TCP port on 127.0.0.1 that no socket uses now, below the kernel's ephemeral range: a port
# that an outgoing connection holds as its local port cannot be bound (EADDRINUSE).
free_port() {
	local port low
	low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
	[ "$low" -gt 21000 ] || low=60000 # an unusual range: fall back on the old window
	for _ in $(seq 100); do
		port=$((20000 + RANDOM % (low - 20000)))
		if [ -z "$(ss -Htan "sport = :$port")" ]; then
			echo "$port"
			return 0
		fi
	done
	fail "no free port found"
}

# Starts redis-server in $TMP on a free loopback port; sets REDIS_PORT and REDIS.
start_redis() {
	command -v redis-server >/dev/null || fail "redis-server is not installed (scripts/install-deps.sh)"
	for _ in 1 2 3; do
		REDIS_PORT=$(free_port)
		# shellcheck disable=SC2086 # REDIS_EXTRA: more options, word-split on purpose
		redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$TMP" --save '' \
			--appendonly no --daemonize no ${REDIS_EXTRA:-} >"$TMP/redis.log" 2>&1 &
		local pid=$!
		REDIS_PID=$pid
		REDIS_EXTRA_USED=${REDIS_EXTRA:-}
		track "$pid"
		for _ in $(seq 100); do
			if [ "$(redis-cli -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; then
				REDIS=127.0.0.1:$REDIS_PORT
				return 0
			fi
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
	done
	fail "redis-server did not start: $(tail -3 "$TMP/redis.log")"
}

rcli() {
	redis-cli -p "$REDIS_PORT" --raw "$@"
}

# Every value in the Redis database, for privacy checks: streams, strings, sorted sets, sets.
dump_redis() {
	local key
	for key in $(rcli --scan); do
		case "$(rcli TYPE "$key")" in
		stream) rcli XRANGE "$key" - + ;;
		string) rcli GET "$key" ;;
		zset) rcli ZRANGE "$key" 0 -1 ;;
		hash) rcli HGETALL "$key" ;;
		set) rcli SMEMBERS "$key" ;;
		list) rcli LRANGE "$key" 0 -1 ;;
		esac
	done
}

# Asserts that none of the given strings appears anywhere in Redis (stored documents decoded:
# they are stored compressed).
assert_not_in_redis() {
	{ dump_redis; stored_alerts; } >"$TMP/dump"
	local value
	for value in "$@"; do
		if grep -qF -- "$value" "$TMP/dump"; then
			fail "raw personal data '$value' reached Redis"
		fi
	done
}

# The stream of agent $1 in site $2 (default: "default").
stream_of() {
	echo "raqib:{s:${2:-default}}:in:$1"
}

# Enrols agent $1 in site $2 (default: "default"), as `raqibctl agent-add` tells an
# administrator to: the registry entry the collectors read (the key is made on first use).
enroll() {
	agent_key "$1" >/dev/null
	rcli HSET raqib:registry "$1" "${2:-default}" >/dev/null
	rcli SADD raqib:sites "${2:-default}" >/dev/null
}

# Enrols every agent that has a stream now (agents whose ids a test does not set).
enroll_streams() {
	local key rest
	for key in $(rcli --scan --pattern 'raqib:{s:*}:in:*'); do
		rest=${key#raqib:\{s:}
		enroll "${rest#*\}:in:}" "${rest%%\}*}"
	done
}

# Every site's prefix ("raqib:{s:SITE}:"), from raqib:sites and the registry.
site_prefixes() {
	{ rcli SMEMBERS raqib:sites; rcli HVALS raqib:registry; } | sort -u | sed 's/.*/raqib:{s:&}:/'
}

# The alert documents in every agent's stream (not yet trimmed), one JSON per line.
stream_alerts() {
	local key
	for key in $(rcli --scan --pattern 'raqib:{s:*}:in:*'); do
		rcli XRANGE "$key" - + | awk 'prev=="alert"{print} {prev=$0}'
	done
}

# How many alerts are in the agents' streams.
stream_alert_count() {
	stream_alerts | grep -c . || true
}

# The newest heartbeat field $2 of agent $1 as the agent sent it (its stream), or as the
# collector kept it when the stream was trimmed.
agent_hb() {
	local key value
	key=$(stream_of "$1" "${3:-default}")
	value=$(rcli XREVRANGE "$key" + - | awk 'prev=="hb"{print; exit} {prev=$0}' |
		jq -r --arg f "$2" '.[$f] // empty' 2>/dev/null || true)
	if [ -z "$value" ]; then
		value=$(rcli HGET "raqib:{s:${3:-default}}:agent:$1" "$2")
	fi
	printf '%s\n' "$value"
}

# The stored alert documents of every site, one JSON per line (stored compressed: read
# through raqibctl, as people do).
stored_alerts() {
	"$CTL" --redis "127.0.0.1:$REDIS_PORT" alerts --limit 100000 --json
}

# How many alerts are stored, every site.
stored_count() {
	local prefix n=0
	for prefix in $(site_prefixes); do
		n=$((n + $(rcli ZCARD "${prefix}alerts")))
	done
	echo "$n"
}

# A field of the sequence state of agent $1 (its current epoch, or the only one): seq_field
# AGENT FIELD [SITE].
seq_field() {
	local key
	key=$(rcli --scan --pattern "raqib:{s:${3:-default}}:seq:$1:*" | head -1)
	[ -n "$key" ] && rcli HGET "$key" "$2"
}

# The whole sequence state of agent $1, for messages.
seq_state() {
	local key
	for key in $(rcli --scan --pattern "raqib:{s:${2:-default}}:seq:$1:*"); do
		rcli HGETALL "$key" | paste -sd' '
	done
}

# Whether alert $2 of agent $1 is stored (any epoch): prints 1 or 0.
alert_exists() {
	if [ -n "$(rcli --scan --pattern "raqib:{s:${3:-default}}:a:$1:*:$2")" ]; then echo 1; else echo 0; fi
}

# Dead letters of every site, as XRANGE prints them.
dead_letters() {
	local prefix
	for prefix in $(site_prefixes); do
		rcli XRANGE "${prefix}dead" - +
	done
}

# Asserts a jq expression holds for the JSON on stdin.
assert_jq() {
	local input
	input=$(cat)
	if ! printf '%s\n' "$input" | jq -e "$1" >/dev/null; then
		fail "expected $1 to hold for: $input"
	fi
}

# The hex key of agent $1 in $RAQIB_KEYS, made when missing (as raqibctl agent-add does).
agent_key() {
	local file=$RAQIB_KEYS/$1.key
	if [ ! -e "$file" ]; then
		mkdir -p -m 700 "$RAQIB_KEYS"
		(umask 077 && openssl rand -hex 32 >"$file")
	fi
	cat "$file"
}

# The signature (field sig) of an alert entry: agent $1, sequence $2, alert document $3, in
# epoch $TEST_EPOCH.
sign_entry() {
	printf 'raqib-alert-v2\n%s\n%s\n%s\n%s' "$1" "$TEST_EPOCH" "$2" "$3" |
		openssl dgst -sha256 -mac HMAC -macopt "hexkey:$(agent_key "$1")" -r | cut -d' ' -f1
}

# XADDs a signed alert entry to agent $1's stream: sequence $2, alert document $3.
xadd_signed() {
	rcli XADD "$(stream_of "$1")" '*' agent "$1" epoch "$TEST_EPOCH" seq "$2" alert "$3" \
		sig "$(sign_entry "$1" "$2" "$3")" >/dev/null
}

# Stops the redis-server of start_redis (SHUTDOWN: with REDIS_EXTRA="--appendonly yes" what it
# holds is on disk) and waits for it to exit.
stop_redis() {
	rcli SHUTDOWN >/dev/null 2>&1 || true
	wait "$REDIS_PID" 2>/dev/null || true
}

# Starts redis-server again on the same port and directory, with the same options.
restart_redis() {
	# shellcheck disable=SC2086
	redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$TMP" --save '' \
		--appendonly no --daemonize no ${REDIS_EXTRA_USED:-} >>"$TMP/redis.log" 2>&1 &
	REDIS_PID=$!
	track "$REDIS_PID"
	for _ in $(seq 100); do
		[ "$(redis-cli -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ] && return 0
		sleep 0.1
	done
	fail "redis-server did not start again: $(tail -3 "$TMP/redis.log")"
}

# Waits until the agent started in the background as AGENT_PID has created $TMP/ready (its
# sensors are attached); fails with its log, $TMP/agent.err, if it exits or takes over 30 s.
wait_agent_ready() {
	for _ in $(seq 300); do
		[ -e "$TMP/ready" ] && return 0
		kill -0 "$AGENT_PID" 2>/dev/null || fail "agent exited: $(cat "$TMP/agent.err")"
		sleep 0.1
	done
	fail "agent not ready after 30 s: $(cat "$TMP/agent.err")"
}

# start_agent_run ID [RUN OPTIONS...]: raqib-agent run against $REDIS as agent ID, in the
# background (AGENT_PID, log in $TMP/agent.err), waited for until it is ready.
start_agent_run() {
	local id=$1
	shift
	"$AGENT" --redis "$REDIS" --agent-id "$id" run --ready-file "$TMP/ready" "$@" \
		2>"$TMP/agent.err" &
	AGENT_PID=$!
	track "$AGENT_PID"
	wait_agent_ready
}

# Waits up to $2 seconds (default 60) for the shell condition $1 to hold.
wait_for() {
	local i
	for i in $(seq $((${2:-60} * 10))); do
		eval "$1" && return 0
		sleep 0.1
	done
	fail "timed out waiting for: $1"
}

# A field of outbox_gen's "stats" line in file $1: stat FILE NAME.
gen_stat() {
	grep '^stats ' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}
