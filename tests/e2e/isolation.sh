#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Isolation between agents, against a real redis-server 7 with ACLs and a running collector:
# logged in with one agent's credentials, an attacker tries XADD MAXLEN 0, an explicit maximal
# entry ID, XTRIM, DEL, an entry in another agent's name, oversized entries and a flood, while
# two honest agents send 500 alerts each through the real outbox. Every alert of the honest
# agents is stored, exactly once; the attacker's entries are refused or rate-limited and
# counted, and the collector logs its refusals once per interval, not once per entry.
. "$(dirname "$0")/lib.sh"

start_redis
ADMIN_PW=$(openssl rand -hex 16)
rcli ACL SETUSER admin on ">$ADMIN_PW" '~*' '&*' +@all >/dev/null
rcli ACL SETUSER default off >/dev/null
acli() { REDISCLI_AUTH=$ADMIN_PW redis-cli -p "$REDIS_PORT" --user admin --raw "$@"; }
rcli() { acli "$@"; }
unset RAQIB_INSECURE_NO_ACL
for a in ws-evil ws-good1 ws-good2; do
	"$CTL" agent-add "$a" --site rabat 2>/dev/null | acli >/dev/null || fail "cannot enrol $a"
done
password() {
	printf 'raqib-redis-password-v1' |
		openssl dgst -sha256 -mac HMAC -macopt "hexkey:$(cat "$RAQIB_KEYS/$1.key")" -r | cut -d' ' -f1
}
EVIL_PW=$(password ws-evil)
evil() { REDISCLI_AUTH=$EVIL_PW redis-cli -p "$REDIS_PORT" --user raqib-agent-ws-evil --raw "$@" 2>&1; }
EVIL=$(stream_of ws-evil rabat)
GOOD1=$(stream_of ws-good1 rabat)

MPORT=$(free_port)
# the collector as the administrator (its own ACL user: docs/deployment.md, e2e.outbox_acl)
RAQIB_REDIS_USER=admin RAQIB_REDIS_PASSWORD=$ADMIN_PW "$COLLECTOR" --redis "$REDIS" \
	--metrics "127.0.0.1:$MPORT" --set ingest.rate_per_agent=500 --set ingest.burst_per_agent=500 \
	--set ingest.backlog_max=2000 2>"$TMP/collector.err" &
track $!

# The honest agents start sending.
for a in ws-good1 ws-good2; do
	"$OUTBOX_GEN" --redis "$REDIS" --agent-id "$a" --site rabat --count 500 --rate 100 \
		--flush-timeout 120000 >"$TMP/$a.out" 2>"$TMP/$a.err" &
	track $!
	eval "GEN_$(echo "$a" | tr -d -)=$!"
done

# The attacker, with ws-evil's credentials.
set -f
for cmd in "XADD $GOOD1 MAXLEN 0 * agent ws-evil" "XADD $GOOD1 * agent ws-good1 seq 1 alert {} sig x" \
	"XTRIM $GOOD1 MAXLEN 0" "DEL $GOOD1" "XTRIM $EVIL MAXLEN 0" "DEL $EVIL" \
	"XGROUP DESTROY $GOOD1 collectors" "XGROUP SETID $GOOD1 collectors $" "XACK $GOOD1 collectors 0-1" \
	"XADD raqib:registry * a b" "HSET raqib:registry ws-good1 evil" "EVAL return 1 0" "FLUSHALL"; do
	# shellcheck disable=SC2086 # the command's words
	out=$(evil $cmd)
	case "$out" in
	*NOPERM*) ;;
	*) fail "ws-evil may run '$cmd': $out" ;;
	esac
done
set +f
# What it may do harms only itself: empty its own stream...
evil XADD "$EVIL" MAXLEN 0 '*' agent ws-evil hb '{}' sig x | grep -qE '^[0-9]+-[0-9]+$' || fail "setup: XADD MAXLEN 0"
evil XADD "$EVIL" 18446744073709551614-1 agent ws-evil hb '{}' sig x >/dev/null
# ...forge another agent's entries in its own stream...
evil XADD "$EVIL" 18446744073709551614-2 agent ws-good1 epoch 0000000000000001 seq 7 alert '{}' \
	sig "$(printf '%064d' 0)" >/dev/null
# ...an oversized entry...
head -c 3000000 /dev/zero | tr '\0' a >"$TMP/big"
REDISCLI_AUTH=$EVIL_PW redis-cli -p "$REDIS_PORT" --user raqib-agent-ws-evil -x XADD "$EVIL" \
	18446744073709551614-3 agent ws-evil alert <"$TMP/big" >/dev/null 2>&1
metrics() { curl -sf "http://127.0.0.1:$MPORT/metrics" >"$TMP/metrics" && cat "$TMP/metrics"; }
wait_for 'metrics | grep -q "^raqib_dead_letters_total{reason=\"oversized\"} 1$"' 30
# ...then a flood (its cap drops the oldest waiting entries: the ones above are read by now).
seq 4 20000 | awk -v s="$EVIL" '{ printf "XADD %s 18446744073709551614-%d agent ws-evil hb {} sig x\n", s, $1 }' |
	REDISCLI_AUTH=$EVIL_PW redis-cli -p "$REDIS_PORT" --user raqib-agent-ws-evil >"$TMP/flood.out" 2>&1
[ "$(grep -c '^18446744073709551614-' "$TMP/flood.out")" = 19997 ] ||
	fail "the flood did not go in: $(grep -v '^18446744073709551614-' "$TMP/flood.out" | head -3)"
# ...and block its own stream with the maximal entry ID: no XADD of its own works any more
evil XADD "$EVIL" 18446744073709551615-18446744073709551615 agent ws-evil hb '{}' sig x >/dev/null
evil XADD "$EVIL" '*' agent ws-evil hb '{}' sig x | grep -q "exhausted the last possible ID" || fail "setup: maximal ID"

# Every honest alert stored, exactly once.
wait $GEN_wsgood1 || fail "ws-good1 did not deliver: $(cat "$TMP/ws-good1.out" "$TMP/ws-good1.err")"
wait $GEN_wsgood2 || fail "ws-good2 did not deliver: $(cat "$TMP/ws-good2.out" "$TMP/ws-good2.err")"
wait_for '[ "$(seq_field ws-good1 stored rabat)" = 500 ] && [ "$(seq_field ws-good2 stored rabat)" = 500 ]' 60
for a in ws-good1 ws-good2; do
	[ "$(seq_field $a stored rabat)" = 500 ] || fail "$a: $(seq_state $a rabat)"
	[ "$(seq_field $a max_seq rabat)" = 500 ] || fail "$a: $(seq_state $a rabat)"
	[ "$(seq_field $a missing rabat)" = 0 ] || fail "$a: $(seq_state $a rabat)"
	[ -z "$(seq_field $a duplicates rabat)" ] || fail "$a stored twice: $(seq_state $a rabat)"
	[ "$(seq_field $a conflicts rabat)" = "" ] || fail "$a: $(seq_state $a rabat)"
done
[ "$(rcli ZCARD 'raqib:{s:rabat}:alerts')" = 1000 ] || fail "alerts stored: $(rcli ZCARD 'raqib:{s:rabat}:alerts')"

# The attacker's entries: refused and counted, the flood rate-limited and capped.
wait_for 'curl -sf "http://127.0.0.1:$MPORT/metrics" >"$TMP/metrics" && grep -q "^raqib_flood_dropped_total [1-9]" "$TMP/metrics"' 30
grep -q '^raqib_rate_limited_total [1-9]' "$TMP/metrics" || fail "the flood was not rate-limited: $(grep rate "$TMP/metrics")"
grep -q '^raqib_dead_letters_total{reason="oversized"} 1$' "$TMP/metrics" || fail "oversized: $(grep dead "$TMP/metrics")"
grep -q '^raqib_dead_letters_total{reason="foreign-agent"} 1$' "$TMP/metrics" || fail "forged: $(grep dead "$TMP/metrics")"
dead_letters >"$TMP/dead"
grep -q "oversized entry" "$TMP/dead" || fail "no dead letter for the oversized entry"
grep -q "aaaaaaaaaa" "$TMP/dead" && fail "the oversized entry was kept whole"
# refusals logged once per interval, not per entry
[ "$(grep -c 'refused entry' "$TMP/collector.err")" -le 3 ] ||
	fail "refusals logged per entry: $(grep -c 'refused entry' "$TMP/collector.err") lines"
echo "PASS"
