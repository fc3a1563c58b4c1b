#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Retention by age, with the collector's clock moved (--clock-offset): alerts and their indexes
# go after retention.alerts / retention.indexes (90 days), dead letters after 30 days,
# incidents after 365 days without a change; nothing goes before its time.
. "$(dirname "$0")/lib.sh"

alert() { # agent seq
	printf '{"@timestamp":"2026-11-22T10:00:00.000Z","event":{"id":"id-%s","kind":"alert","severity":73},"host":{"name":"h"},"agent":{"id":"%s"},"user":{"id":"1000"},"raqib":{"sequence":%s,"app":"Telegram","findings":[{"type":"CIN","masked":"AB12****","hash":"%s"}]},"file":{"hash":{"sha256":"%s"}},"rule":{"id":"raqib.test"}}' \
		"$2" "$1" "$2" "$(printf '%064d' 7)" "$(printf '%064d' 9)"
}

start_redis
enroll ws-r
for seq in 1 2 3; do
	xadd_signed ws-r $seq "$(alert ws-r $seq)"
done
rcli XADD "$(stream_of ws-r)" '*' agent ws-r bad entry >/dev/null
"$COLLECTOR" --metrics off --redis "$REDIS" --drain --quiet || fail "collector failed"
[ "$(stored_count)" = 3 ] || fail "setup: $(stored_count) alerts"
[ "$(dead_letters | grep -c '^reason$')" = 1 ] || fail "setup: no dead letter"
P='raqib:{s:default}:'
counts() {
	echo "alerts=$(stored_count) docs=$(rcli --scan --pattern "${P}a:*" | grep -c .) host=$(rcli ZCARD "${P}tl:host:ws-r") user=$(rcli ZCARD "${P}tl:user:ws-r/1000") app=$(rcli ZCARD "${P}tl:app:Telegram") prov=$(rcli ZCARD "raqib:{d:$(printf '%064d' 9)}:alerts") incidents=$(rcli ZCARD raqib:incidents) dead=$(dead_letters | grep -c '^reason$')"
}
retention() {
	"$COLLECTOR" --metrics off --redis "$REDIS" --retention-once --clock-offset "$1" --quiet ||
		fail "retention at +$1 failed"
}
before=$(counts)
retention 29d
[ "$(counts)" = "$before" ] || fail "something went before its time: $(counts)"
retention 31d
[ "$(counts)" = "alerts=3 docs=3 host=3 user=3 app=3 prov=3 incidents=1 dead=0" ] ||
	fail "after 31 days: $(counts) (before: $before)"
retention 89d
[ "$(counts)" = "alerts=3 docs=3 host=3 user=3 app=3 prov=3 incidents=1 dead=0" ] || fail "after 89 days: $(counts)"
retention 91d
[ "$(counts)" = "alerts=0 docs=0 host=0 user=0 app=0 prov=0 incidents=1 dead=0" ] || fail "after 91 days: $(counts)"
retention 364d
[ "$(rcli ZCARD raqib:incidents)" = 1 ] || fail "incidents went before a year"
retention 366d
[ "$(rcli ZCARD raqib:incidents)" = 0 ] || fail "incidents kept past a year: $(rcli ZRANGE raqib:incidents 0 -1)"
[ "$(rcli EXISTS "${P}inc:1")" = 0 ] || fail "the incident's hash was kept"
# the retention periods are configurable
for seq in 4 5; do
	xadd_signed ws-r $seq "$(alert ws-r $seq)"
done
"$COLLECTOR" --metrics off --redis "$REDIS" --drain --quiet || fail "collector failed"
"$COLLECTOR" --metrics off --redis "$REDIS" --retention-once --set retention.alerts=2d --clock-offset 3d --quiet ||
	fail "retention failed"
[ "$(stored_count)" = 0 ] || fail "retention.alerts=2d kept alerts: $(stored_count)"
echo "PASS"
