#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A real Redis Cluster: three masters, each with a replica (redis-server --cluster-enabled yes,
# redis-cli --cluster create). Agents of three sites send through the cluster (MOVED followed),
# the collector stores through the slot routing of common/redis_cluster.c, raqibctl reads on
# every shard. While alerts flow, the master of one site is killed and its replica promoted,
# and another site's slot is moved to another master: nothing acknowledged is lost, nothing is
# stored twice.
. "$(dirname "$0")/lib.sh"

command -v redis-server >/dev/null || fail "redis-server is not installed"
PORTS=()
PIDS=()
# a port whose cluster bus port (+10000) is free too
cluster_port() {
	local p
	for _ in $(seq 50); do
		p=$(free_port)
		if [ $((p + 10000)) -lt 65535 ] && [ -z "$(ss -Htan "sport = :$((p + 10000))")" ]; then
			case " ${PORTS[*]} " in *" $p "*) continue ;; esac
			echo "$p"
			return 0
		fi
	done
	fail "no free port pair"
}
for i in 1 2 3 4 5 6; do
	p=$(cluster_port)
	PORTS+=("$p")
	mkdir -p "$TMP/node$i"
	redis-server --bind 127.0.0.1 --port "$p" --dir "$TMP/node$i" --cluster-enabled yes \
		--cluster-config-file nodes.conf --cluster-node-timeout 1500 --appendonly yes \
		--repl-diskless-sync-delay 0 \
		--appendfsync always --save '' --daemonize no >"$TMP/node$i.log" 2>&1 &
	PIDS+=($!)
	track $!
done
for p in "${PORTS[@]}"; do
	wait_for "[ \"\$(redis-cli -p $p ping 2>/dev/null)\" = PONG ]" 10
done
redis-cli --cluster create $(printf '127.0.0.1:%s ' "${PORTS[@]}") --cluster-replicas 1 --cluster-yes \
	>"$TMP/create.log" 2>&1 || fail "cluster create failed: $(tail -5 "$TMP/create.log")"
for p in "${PORTS[@]}"; do
	wait_for "redis-cli -p $p cluster info | grep -q 'cluster_state:ok'" 20
	# a replica that has not synced yet would not take over
	if redis-cli -p "$p" ROLE | head -1 | grep -q slave; then
		wait_for "redis-cli -p $p info replication | grep -q 'master_link_status:up'" 20
	fi
done
REDIS_PORT=${PORTS[0]}
REDIS=127.0.0.1:$REDIS_PORT
rcli() { redis-cli -c -p "$REDIS_PORT" --raw "$@"; }
# lib.sh's SCAN-based helpers see one node: count through the collector's own reader
stored_on_cluster() { "$CTL" --redis "$REDIS" alerts --limit 100000 --json | grep -c . || true; }

slot_of() { redis-cli -p "$REDIS_PORT" CLUSTER KEYSLOT "raqib:{s:$1}:in:x"; }
master_of_slot() { # the port of the master serving slot $1
	redis-cli -p "$REDIS_PORT" CLUSTER NODES | awk -v s="$1" '$3 ~ /master/ && $8 == "connected" {
		for (i = 9; i <= NF; i++) { split($i, r, "-"); if (r[2] == "") r[2] = r[1];
			if (s + 0 >= r[1] + 0 && s + 0 <= r[2] + 0) { split($2, a, "[:@]"); print a[2]; exit } } }'
}
node_id() { redis-cli -p "$1" CLUSTER MYID; }

for site in north south east; do
	for a in 1 2; do
		rcli HSET raqib:registry "ws-$site-$a" "$site" >/dev/null
		agent_key "ws-$site-$a" >/dev/null
	done
	rcli SADD raqib:sites "$site" >/dev/null
done
KILLED=$(master_of_slot "$(slot_of south)")
MOVED_SLOT=$(slot_of east)
FROM=$(master_of_slot "$MOVED_SLOT")
[ -n "$KILLED" ] && [ -n "$FROM" ] || fail "cannot find the masters: $(redis-cli -p "$REDIS_PORT" CLUSTER NODES)"
# the agents' and the collector's seed: a master that is neither killed nor resharded
SEED=""
for p in "${PORTS[@]}"; do
	if [ "$p" != "$KILLED" ] && [ "$p" != "$FROM" ] && redis-cli -p "$p" ROLE | head -1 | grep -q master; then
		SEED=$p
	fi
done
[ -n "$SEED" ] || SEED=$(for p in "${PORTS[@]}"; do [ "$p" != "$KILLED" ] && [ "$p" != "$FROM" ] && echo "$p"; done | head -1)
REDIS=127.0.0.1:$SEED
REDIS_PORT=$SEED

MPORT=$(free_port)
"$COLLECTOR" --redis "$REDIS" --metrics "127.0.0.1:$MPORT" --consumer cl1 2>"$TMP/collector.err" &
track $!
N=1500
for site in north south east; do
	for a in 1 2; do
		"$OUTBOX_GEN" --redis "$REDIS" --agent-id "ws-$site-$a" --site "$site" --count $N --rate 300 \
			--fsync never --flush-timeout 120000 >"$TMP/gen-$site-$a.out" 2>&1 &
		track $!
		GENS="${GENS:-} $!"
	done
done
sleep 1

# Failover: the master of site south killed; its replica takes over.
for i in "${!PORTS[@]}"; do
	[ "${PORTS[$i]}" = "$KILLED" ] && kill -KILL "${PIDS[$i]}"
done
wait_for "[ -n \"\$(master_of_slot $(slot_of south))\" ] && [ \"\$(master_of_slot $(slot_of south))\" != $KILLED ]" 30

# Resharding: site east's slot moves to another master while its agents send.
TO=""
for p in "${PORTS[@]}"; do
	[ "$p" != "$FROM" ] && [ "$p" != "$KILLED" ] && redis-cli -p "$p" ROLE | head -1 | grep -q master && TO=$p
done
[ -n "$TO" ] || fail "no master to move the slot to"
redis-cli -p "$TO" CLUSTER SETSLOT "$MOVED_SLOT" IMPORTING "$(node_id "$FROM")" >/dev/null
redis-cli -p "$FROM" CLUSTER SETSLOT "$MOVED_SLOT" MIGRATING "$(node_id "$TO")" >/dev/null
while :; do
	keys=$(redis-cli -p "$FROM" CLUSTER GETKEYSINSLOT "$MOVED_SLOT" 50)
	[ -n "$keys" ] || break
	# shellcheck disable=SC2086
	redis-cli -p "$FROM" MIGRATE 127.0.0.1 "$TO" "" 0 5000 KEYS $keys >/dev/null
done
for p in "${PORTS[@]}"; do
	[ "$p" = "$KILLED" ] && continue
	redis-cli -p "$p" CLUSTER SETSLOT "$MOVED_SLOT" NODE "$(node_id "$TO")" >/dev/null 2>&1 || true
done
[ "$(master_of_slot "$MOVED_SLOT")" = "$TO" ] || fail "the slot did not move"

for g in $GENS; do
	wait "$g" || fail "an agent did not deliver everything: $(grep -h stats "$TMP"/gen-*.out)"
done
TOTAL=$((6 * N))
wait_for "[ \"\$(stored_on_cluster)\" -ge $TOTAL ]" 90
[ "$(stored_on_cluster)" = $TOTAL ] || fail "stored $(stored_on_cluster) of $TOTAL"
for site in north south east; do
	for a in 1 2; do
		key=$(redis-cli -c -p "$SEED" --raw SMEMBERS "raqib:{s:$site}:epochs:ws-$site-$a")
		st=$(redis-cli -c -p "$SEED" --raw HGET "raqib:{s:$site}:seq:ws-$site-$a:$key" stored)
		ms=$(redis-cli -c -p "$SEED" --raw HGET "raqib:{s:$site}:seq:ws-$site-$a:$key" missing)
		[ "$st" = $N ] && [ "$ms" = 0 ] || fail "ws-$site-$a: stored $st, missing $ms"
	done
done
"$CTL" --redis "$REDIS" incidents --json >"$TMP/incidents" || fail "raqibctl incidents on the cluster failed"
[ "$(grep -c '"kind":"spread-document"' "$TMP/incidents")" = 1 ] || fail "no spread incident across the shards"
# the collector counts what it saw stored; entries it stored just before a failover cut its
# connection come back as duplicates: together they cover every alert, never more
curl -sf "http://127.0.0.1:$MPORT/metrics" >"$TMP/metrics" || fail "no /metrics"
st=$(sed -n 's/^raqib_alerts_stored_total //p' "$TMP/metrics")
du=$(sed -n 's/^raqib_alerts_duplicate_total //p' "$TMP/metrics")
[ "$st" -le $TOTAL ] && [ $((st + du)) -ge $TOTAL ] || fail "metrics: stored $st, duplicates $du of $TOTAL"
echo "PASS ($TOTAL alerts of 6 agents in 3 sites; master :$KILLED killed, slot $MOVED_SLOT moved :$FROM -> :$TO)"
