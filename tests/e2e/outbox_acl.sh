#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Agent identity against a real redis-server 7 with ACLs: the default user is off, an
# administrator runs what `raqibctl agent-add` prints, and the agent, authenticating as its own
# ACL user, adds alerts and heartbeats to its own stream; the collector (its own ACL user)
# stores them. As the agent's user, nothing else works: reading its stream back, trimming or
# deleting it, another agent's stream, the store, the registry, administration. An agent whose
# user Redis refuses sends nothing (fail closed), says why once, and delivers its spool once
# its user works.
. "$(dirname "$0")/lib.sh"

start_redis
ADMIN_PW=$(openssl rand -hex 16)
COLL_PW=$(openssl rand -hex 16)
rcli ACL SETUSER admin on ">$ADMIN_PW" '~*' '&*' +@all >/dev/null
rcli ACL SETUSER collector on ">$COLL_PW" '~raqib:*' +@all -@dangerous >/dev/null
rcli ACL SETUSER default off >/dev/null
acli() { REDISCLI_AUTH=$ADMIN_PW redis-cli -p "$REDIS_PORT" --user admin --raw "$@"; }
rcli() { acli "$@"; } # lib.sh's helpers read as the administrator from here on
[ "$(acli PING)" = PONG ] || fail "admin cannot log in"
unset RAQIB_INSECURE_NO_ACL # production: each agent as its own user, or nothing

# Enrolment: the key is made, the commands printed; an administrator runs them.
"$CTL" agent-add ws-acl --site rabat >"$TMP/acl.cmd" 2>"$TMP/acl.err" || fail "agent-add failed: $(cat "$TMP/acl.err")"
[ -s "$RAQIB_KEYS/ws-acl.key" ] && [ -s "$RAQIB_KEYS/deployment.key" ] || fail "agent-add made no keys"
[ "$(stat -c %a "$RAQIB_KEYS/ws-acl.key")" = 600 ] || fail "the agent key is readable by others"
grep -q "copy both to the agent's keys directory" "$TMP/acl.err" || fail "agent-add gave no directions"
[ "$(wc -l <"$TMP/acl.cmd")" = 3 ] || fail "agent-add printed more than the enrolment commands: $(cat "$TMP/acl.cmd")"
acli <"$TMP/acl.cmd" >"$TMP/acl.out"
[ "$(head -1 "$TMP/acl.out")" = OK ] || fail "redis refused the ACL command: $(cat "$TMP/acl.out")"
[ "$(acli HGET raqib:registry ws-acl)" = rabat ] || fail "the agent is not in the registry"
# adding the agent again keeps its key and gives the same commands
"$CTL" agent-add ws-acl --site rabat >"$TMP/acl2.cmd" 2>/dev/null || fail "agent-add again failed"
cmp -s "$TMP/acl.cmd" "$TMP/acl2.cmd" || fail "agent-add again changed the agent's key"
# the password is derived from the key; Redis holds only its hash
PW=$(printf 'raqib-redis-password-v1' |
	openssl dgst -sha256 -mac HMAC -macopt "hexkey:$(cat "$RAQIB_KEYS/ws-acl.key")" -r | cut -d' ' -f1)
grep -q "$PW" "$TMP/acl.cmd" && fail "the ACL command holds the password itself"
as_agent() { REDISCLI_AUTH=$PW redis-cli -p "$REDIS_PORT" --user raqib-agent-ws-acl --raw "$@" 2>&1; }
[ "$(as_agent PING)" = PONG ] || fail "the agent's user cannot log in: $(as_agent PING)"

# The agent, for real: alerts and heartbeats as its own user, in its own stream.
STREAM=$(stream_of ws-acl rabat)
"$AGENT" --redis "$REDIS" --agent-id ws-acl --site rabat replay "$DATA/http-upload-cin.pcap" 2>"$TMP/agent.err" ||
	fail "agent replay failed: $(cat "$TMP/agent.err")"
[ "$(stream_alert_count)" = 1 ] || fail "the agent's alert did not arrive"
[ "$(agent_hb ws-acl outbox.redis_user rabat)" = raqib-agent-ws-acl ] ||
	fail "the agent did not authenticate as its user: $(agent_hb ws-acl outbox.redis_user rabat)"
[ "$(agent_hb ws-acl status rabat)" = stopped ] || fail "no final heartbeat"
RAQIB_REDIS_USER=collector RAQIB_REDIS_PASSWORD=$COLL_PW "$COLLECTOR" --metrics off --redis "$REDIS" --drain --quiet ||
	fail "the collector failed as its ACL user"
[ "$(stored_count)" = 1 ] || fail "the alert was not stored: $(dead_letters)"

# What the agent's user may do...
as_agent XADD "$STREAM" '*' agent ws-acl hb '{}' sig x | grep -qE '^[0-9]+-[0-9]+$' || fail "XADD to its stream refused"
as_agent GET raqib:rules:default | grep -q NOPERM && fail "reading rule packs refused"
# ...and what it may not (no globbing of the '*' in the commands).
set -f
for cmd in "XRANGE $STREAM - +" "XREAD STREAMS $STREAM 0" "XLEN $STREAM" "XTRIM $STREAM MAXLEN 0" \
	"DEL $STREAM" "XDEL $STREAM 0-1" "XADD raqib:{s:rabat}:in:ws-other * a b" \
	"XADD raqib:{s:default}:in:ws-acl * a b" "XGROUP DESTROY $STREAM collectors" \
	"XACK $STREAM collectors 0-1" "XAUTOCLAIM $STREAM collectors me 0 0" \
	"GET raqib:{s:rabat}:a:ws-acl:x:1" "ZRANGE raqib:{s:rabat}:alerts 0 -1" \
	"HSET raqib:{s:rabat}:agent:ws-acl status ok" "HSET raqib:registry ws-evil rabat" \
	"XADD raqib:{s:rabat}:dead * a b" "SET raqib:rules:default x" "KEYS *" "FLUSHALL" \
	"CONFIG GET *" "ACL LIST" "SCAN 0" "EVAL return 1 0"; do
	# shellcheck disable=SC2086 # the command's words
	out=$(as_agent $cmd)
	case "$out" in
	*NOPERM*) ;;
	*) fail "the agent's user may run '$cmd': $out" ;;
	esac
done
set +f

# Fail closed: the agent with a key Redis does not know sends nothing, not even as the
# default user, keeps its alerts, and says why once at warning level.
mkdir -p "$TMP/wrong-keys"
cp "$RAQIB_KEYS/deployment.key" "$TMP/wrong-keys/"
(umask 077 && openssl rand -hex 32 >"$TMP/wrong-keys/ws-acl.key")
before=$(stream_alert_count)
"$AGENT" --redis "$REDIS" --agent-id ws-acl --site rabat --keys "$TMP/wrong-keys" replay \
	"$DATA/http-upload-cin.pcap" 2>"$TMP/closed.err" && fail "the replay ran without its user"
grep -q "refused AUTH as 'raqib-agent-ws-acl'" "$TMP/closed.err" || fail "no reason given: $(cat "$TMP/closed.err")"
# a running agent keeps spooling while it is refused, and says so once
"$OUTBOX_GEN" --redis "$REDIS" --agent-id ws-acl --site rabat --keys "$TMP/wrong-keys" --count 20 \
	--flush-timeout 3000 >"$TMP/gen.out" 2>"$TMP/gen.err" && fail "the generator delivered without its user"
[ "$(grep -c "refused AUTH as 'raqib-agent-ws-acl'.*not sending" "$TMP/gen.err")" = 1 ] ||
	fail "the refusal was not said once: $(cat "$TMP/gen.err")"
[ "$(gen_stat "$TMP/gen.out" pending)" = 20 ] || fail "the spool did not keep the alerts: $(cat "$TMP/gen.out")"
[ "$(stream_alert_count)" = "$before" ] || fail "an alert went out without the agent's user"
# its user works again: the spool is delivered; the heartbeat says outbox.auth ok
"$OUTBOX_GEN" --redis "$REDIS" --agent-id ws-acl --site rabat --count 0 >"$TMP/gen2.out" 2>&1 ||
	fail "the spool was not delivered: $(cat "$TMP/gen2.out")"
[ "$(stream_alert_count)" = $((before + 20)) ] || fail "the spooled alerts were not delivered"
"$AGENT" --redis "$REDIS" --agent-id ws-acl --site rabat replay "$DATA/http-upload-cin.pcap" 2>"$TMP/agent2.err" ||
	fail "agent replay failed: $(cat "$TMP/agent2.err")"
[ "$(agent_hb ws-acl outbox.auth rabat)" = ok ] || fail "outbox.auth: $(agent_hb ws-acl outbox.auth rabat)"
echo "PASS"
