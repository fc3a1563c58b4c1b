#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Agent identity against a real redis-server 7 with ACLs: the default user is off, an
# administrator runs what `raqibctl agent-add` prints, and the agent, authenticating as its own
# ACL user, adds alerts and writes its heartbeat; the collector (its own ACL user) stores them.
# As the agent's user, nothing else works: reading alerts or the stream, other keys, other
# agents' heartbeats, other streams, administration.
. "$(dirname "$0")/lib.sh"

start_redis
ADMIN_PW=$(openssl rand -hex 16)
COLL_PW=$(openssl rand -hex 16)
rcli ACL SETUSER admin on ">$ADMIN_PW" '~*' '&*' +@all >/dev/null
rcli ACL SETUSER collector on ">$COLL_PW" '~raqib:*' +@all -@dangerous >/dev/null
rcli ACL SETUSER default off >/dev/null
acli() { REDISCLI_AUTH=$ADMIN_PW redis-cli -p "$REDIS_PORT" --user admin --raw "$@"; }
[ "$(acli PING)" = PONG ] || fail "admin cannot log in"

# Enrolment: the key is made, the ACL command printed; an administrator runs it.
"$CTL" agent-add ws-acl >"$TMP/acl.cmd" 2>"$TMP/acl.err" || fail "agent-add failed: $(cat "$TMP/acl.err")"
[ -s "$RAQIB_KEYS/ws-acl.key" ] && [ -s "$RAQIB_KEYS/deployment.key" ] || fail "agent-add made no keys"
[ "$(stat -c %a "$RAQIB_KEYS/ws-acl.key")" = 600 ] || fail "the agent key is readable by others"
grep -q "copy both to the agent's keys directory" "$TMP/acl.err" || fail "agent-add gave no directions"
[ "$(wc -l <"$TMP/acl.cmd")" = 1 ] || fail "agent-add printed more than the ACL command"
acli <"$TMP/acl.cmd" >"$TMP/acl.out"
[ "$(cat "$TMP/acl.out")" = OK ] || fail "redis refused the ACL command: $(cat "$TMP/acl.out")"
# adding the agent again keeps its key and gives the same command
"$CTL" agent-add ws-acl >"$TMP/acl2.cmd" 2>/dev/null || fail "agent-add again failed"
cmp -s "$TMP/acl.cmd" "$TMP/acl2.cmd" || fail "agent-add again changed the agent's key"
# the password is derived from the key; Redis holds only its hash
PW=$(printf 'raqib-redis-password-v1' |
	openssl dgst -sha256 -mac HMAC -macopt "hexkey:$(cat "$RAQIB_KEYS/ws-acl.key")" -r | cut -d' ' -f1)
grep -q "$PW" "$TMP/acl.cmd" && fail "the ACL command holds the password itself"
as_agent() { REDISCLI_AUTH=$PW redis-cli -p "$REDIS_PORT" --user raqib-agent-ws-acl --raw "$@" 2>&1; }
[ "$(as_agent PING)" = PONG ] || fail "the agent's user cannot log in: $(as_agent PING)"

# The agent, for real: alerts and heartbeats as its own user.
"$AGENT" --redis "$REDIS" --agent-id ws-acl replay "$DATA/http-upload-cin.pcap" 2>"$TMP/agent.err" ||
	fail "agent replay failed: $(cat "$TMP/agent.err")"
[ "$(acli XLEN raqib:events)" = 1 ] || fail "the agent's alert did not arrive"
[ "$(acli HGET raqib:agent:ws-acl outbox.redis_user)" = raqib-agent-ws-acl ] ||
	fail "the agent did not authenticate as its user: $(acli HGETALL raqib:agent:ws-acl | paste - - | grep redis_user)"
[ "$(acli HGET raqib:agent:ws-acl status)" = stopped ] || fail "no final heartbeat"
RAQIB_REDIS_USER=collector RAQIB_REDIS_PASSWORD=$COLL_PW "$COLLECTOR" --redis "$REDIS" --drain --quiet ||
	fail "the collector failed as its ACL user"
[ "$(acli ZCARD raqib:alerts)" = 1 ] || fail "the alert was not stored: $(acli XRANGE raqib:events:dead - +)"

# What the agent's user may do...
as_agent XADD raqib:events '*' agent ws-acl seq 99 alert x sig y | grep -qE '^[0-9]+-[0-9]+$' || fail "XADD refused"
as_agent HSET raqib:agent:ws-acl probe 1 | grep -qx 1 || fail "HSET of its heartbeat refused"
as_agent GET raqib:rules:default | grep -q NOPERM && fail "reading rule packs refused"
# ...and what it may not (no globbing of the '*' in the commands).
set -f
for cmd in "XRANGE raqib:events - +" "XREAD STREAMS raqib:events 0" "XLEN raqib:events" \
	"GET raqib:alert:ws-acl:1" "ZRANGE raqib:alerts 0 -1" "HGETALL raqib:agent:ws-acl" \
	"HSET raqib:agent:ws-other status ok" "DEL raqib:alerts" "XADD raqib:events:dead * a b" \
	"XADD raqib:agent:ws-acl * a b" "SET raqib:rules:default x" "KEYS *" "FLUSHALL" \
	"CONFIG GET *" "ACL LIST" "XGROUP DESTROY raqib:events collectors" \
	"XACK raqib:events collectors 0-1" "SCAN 0"; do
	# shellcheck disable=SC2086 # the command's words
	out=$(as_agent $cmd)
	case "$out" in
	*NOPERM*) ;;
	*) fail "the agent's user may run '$cmd': $out" ;;
	esac
done
set +f
echo "PASS"
