#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Notifications against real local receivers: an alert at or above notify.min_severity reaches
# a webhook (JSON POST with an HMAC-SHA256 signature header that checks out; a 500 answer is
# retried) and syslog, RFC 5424, over UDP and over TCP with octet counting, as ECS JSON with the
# incident it opened; an alert below the threshold reaches nobody; no notification holds a
# value. Also collector.yml: --check-config prints it, and a bad key is refused with its line.
. "$(dirname "$0")/lib.sh"

HTTP_PORT=$(free_port)
UDP_PORT=$(free_port)
TCP_PORT=$(free_port)
python3 "$RAQIB_SOURCE_DIR/tests/e2e/notify_listeners.py" "$TMP" "$HTTP_PORT" "$UDP_PORT" "$TCP_PORT" &
track $!
wait_for '[ -e "$TMP/ready" ]' 10
printf 'a-webhook-secret\n' >"$TMP/secret"
conf() { # TRANSPORT PORT MIN_SEVERITY
	cat <<CONF
# raqib-collector configuration for e2e.notify
redis: "$REDIS"
metrics:
  listen: ""
notify:
  min_severity: $3
  webhook:
    url: http://127.0.0.1:$HTTP_PORT/hook
    secret_file: $TMP/secret
    retries: 3
  syslog:
    address: 127.0.0.1:$2
    transport: $1
CONF
}

start_redis
enroll ws-n
conf udp "$UDP_PORT" medium >"$TMP/udp.yml"
"$COLLECTOR" --config "$TMP/udp.yml" --check-config >"$TMP/effective" || fail "--check-config failed"
grep -q "transport: udp" "$TMP/effective" && grep -q "min_severity: 47" "$TMP/effective" ||
	fail "--check-config: $(cat "$TMP/effective")"
# the packaged file is valid, and says what it sets
"$COLLECTOR" --config "$RAQIB_SOURCE_DIR/collector/conf/collector.yml" --check-config >"$TMP/packaged" ||
	fail "the packaged collector.yml is refused"
grep -q 'listen: "127.0.0.1:9477"' "$TMP/packaged" || fail "packaged: $(cat "$TMP/packaged")"
# every key of the file is documented
for key in $(awk -F: '/^[a-z_]+:/ { top = $1; if ($2 ~ /[^ ]/) print top; next }
	/^  [a-z_]+:/ { sub(/^ +/, "", $1); sec = $1; if ($2 ~ /[^ ]/) print top "." sec; next }
	/^    [a-z_]+:/ { sub(/^ +/, "", $1); print top "." sec "." $1 }' "$RAQIB_SOURCE_DIR/collector/conf/collector.yml"); do
	grep -q "^| \`$key\`" "$RAQIB_SOURCE_DIR/docs/collector.yml.md" || fail "docs/collector.yml.md lacks $key"
done
printf 'incidents:\n  window: 2h\n  windwo: 3h\n' >"$TMP/bad.yml"
rc=0
"$COLLECTOR" --config "$TMP/bad.yml" --check-config 2>"$TMP/bad.err" || rc=$?
[ "$rc" = 2 ] && grep -q "bad.yml:3: unknown key 'incidents.windwo'" "$TMP/bad.err" ||
	fail "a bad key: rc=$rc $(cat "$TMP/bad.err")"

"$AGENT" --redis "$REDIS" --agent-id ws-n replay "$DATA/http-upload-cin.pcap" 2>"$TMP/agent.err" ||
	fail "agent failed: $(cat "$TMP/agent.err")"
"$COLLECTOR" --config "$TMP/udp.yml" --drain --quiet || fail "collector failed"
wait_for '[ "$(grep -c . "$TMP/webhook.jsonl" 2>/dev/null)" = 2 ] && [ -s "$TMP/syslog-udp.txt" ]' 20

# the webhook: answered 500 first, then the same notification again, signed
jq -se 'length == 2 and .[0].body == .[1].body and .[1].type == "application/json"' "$TMP/webhook.jsonl" >/dev/null ||
	fail "webhook requests: $(cat "$TMP/webhook.jsonl")"
jq -r 'select(.n == 2) | .body' "$TMP/webhook.jsonl" >"$TMP/body.json"
printf '%s' "$(cat "$TMP/body.json")" >"$TMP/body.raw"
want="sha256=$(openssl dgst -sha256 -mac HMAC -macopt key:a-webhook-secret -r <"$TMP/body.raw" | cut -d' ' -f1)"
[ "$(jq -r 'select(.n == 2) | .signature' "$TMP/webhook.jsonl")" = "$want" ] || fail "the signature does not check out"
jq -e '.rule.id == "policy.network.personal_data" and .event.severity == 47 and .raqib.incident.id == "s:default:1" and .raqib.incident.new == true and .agent.id == "ws-n"' \
	"$TMP/body.json" >/dev/null || fail "webhook body: $(cat "$TMP/body.json")"
# syslog over UDP: RFC 5424, facility local0, severity warning for a medium alert, ECS JSON
line=$(head -1 "$TMP/syslog-udp.txt")
echo "$line" | grep -qE '^<132>1 [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z [^ ]+ raqib-collector - ALERT - \{' ||
	fail "syslog line: $line"
echo "${line#* - ALERT - }" | jq -e '.raqib.incident.id == "s:default:1"' >/dev/null || fail "syslog MSG is not the ECS JSON"

# below the threshold: nobody is told; over TCP with octet counting otherwise
conf tcp "$TCP_PORT" high >"$TMP/tcp-high.yml"
"$AGENT" --redis "$REDIS" --agent-id ws-n --quiet replay "$DATA/http-upload-cin.pcap" || fail "agent failed"
"$COLLECTOR" --config "$TMP/tcp-high.yml" --drain --quiet || fail "collector failed"
conf tcp "$TCP_PORT" low >"$TMP/tcp.yml"
"$AGENT" --redis "$REDIS" --agent-id ws-n --quiet replay "$DATA/http-upload-cin.pcap" || fail "agent failed"
"$COLLECTOR" --config "$TMP/tcp.yml" --drain --quiet || fail "collector failed"
wait_for '[ -s "$TMP/syslog-tcp.txt" ]' 20
[ "$(grep -c . "$TMP/syslog-tcp.txt")" = 1 ] || fail "TCP syslog: $(cat "$TMP/syslog-tcp.txt")"
grep -qE '^[0-9]+ <132>1 .* raqib-collector - ALERT - \{' "$TMP/syslog-tcp.txt" || fail "TCP frame: $(cat "$TMP/syslog-tcp.txt")"
len=$(cut -d' ' -f1 "$TMP/syslog-tcp.txt")
[ "$len" = "$(($(wc -c <"$TMP/syslog-tcp.txt") - ${#len} - 2))" ] || fail "octet count $len does not match the message"
[ "$(grep -c . "$TMP/webhook.jsonl")" = 3 ] || fail "the alert below the threshold was notified: $(grep -c . "$TMP/webhook.jsonl")"

# no value in any notification
cat "$TMP/webhook.jsonl" "$TMP/syslog-udp.txt" "$TMP/syslog-tcp.txt" >"$TMP/all"
for v in BK734021 JA501287 007780000123456789012396 230510000045781206339194; do
	grep -q "$v" "$TMP/all" && fail "a notification holds $v"
done
echo "PASS"
