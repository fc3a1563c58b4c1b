#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# End to end, TLS plaintext through the GnuTLS uprobes, with real BPF programs: (c) a client
# using GnuTLS (gnutls-cli, copied under a messaging app's name so that it is watched) posts a
# list of citizens with their CINs and RIBs over TLS to a server in another network namespace. The list
# never touches the client's disk (it comes on its standard input), so only the plaintext the
# client hands GnuTLS can show it: one TLS-plaintext alert, with the process, the destination
# and masked findings, and no raw value anywhere in Redis. An unwatched gnutls-cli posting the
# same list raises nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns.sh"

[ "$(id -u)" = 0 ] || skip "needs root to load BPF programs and create network namespaces"
[ -r /sys/kernel/btf/vmlinux ] || skip "kernel without BTF"
GNUTLS_CLI=$(command -v gnutls-cli) || fail "gnutls-cli is not installed (scripts/install-deps.sh)"

mkdir -p "$TMP/bin" "$TMP/plain"
cp "$GNUTLS_CLI" "$TMP/bin/signal-desktop"
cp "$GNUTLS_CLI" "$TMP/plain/poster"
LIST=$DATA/demo/beneficiaires.txt
{
	printf 'POST /api/beneficiaires HTTP/1.1\r\nHost: %s\r\nContent-Type: text/plain\r\n' "$SRV_IP"
	printf 'Content-Length: %s\r\n\r\n' "$(stat -c %s "$LIST")"
	cat "$LIST"
} >"$TMP/request"

netns_setup
PORT=4443
start_tls_server "$PORT"
start_redis
AGENT_ID=e2e-tls
start_agent --upload-window 2

# The request is written a second after the handshake starts: the agent hooks the client's
# GnuTLS when it sees the library opened, and plaintext written before that is not seen.
post() { # client
	{ sleep 1.5; cat "$TMP/request"; sleep 1; } |
		ip netns exec "$NS_CLI" "$1" --insecure --port "$PORT" "$SRV_IP" >/dev/null 2>&1 || true
}
post "$TMP/bin/signal-desktop"
post "$TMP/plain/poster"

for _ in $(seq 50); do
	[ "$(stream_alert_count)" -ge 1 ] && break
	sleep 0.1
done
sleep 1
stop_agent

stored_alerts | jq -c 'select(.process.name == "signal-desktop" or .process.name == "poster")' \
	>"$TMP/alerts.json"
[ "$(wc -l <"$TMP/alerts.json")" = 1 ] || fail "expected exactly one alert, got: $(cat "$TMP/alerts.json")"
assert_jq '.process.name == "signal-desktop" and .raqib.app == "Signal"' <"$TMP/alerts.json"
assert_jq ".process.executable == \"$TMP/bin/signal-desktop\"" <"$TMP/alerts.json"
assert_jq '(.rule.id | startswith("policy.network.")) and .raqib.confidence == "high"' <"$TMP/alerts.json"
assert_jq '.event.dataset == "raqib.network" and .network.protocol == "tls"' <"$TMP/alerts.json"
assert_jq ".destination.ip == \"$SRV_IP\" and .destination.port == $PORT" <"$TMP/alerts.json"
assert_jq ".source.ip == \"$CLI_IP\"" <"$TMP/alerts.json"
assert_jq '[.raqib.findings[] | select(.type == "CIN") | .masked] | sort == ["BK73****", "JA50****"]' <"$TMP/alerts.json"
assert_jq '[.raqib.findings[] | select(.type == "RIB")] | length == 2' <"$TMP/alerts.json"
assert_jq '.file == null' <"$TMP/alerts.json"

assert_not_in_redis BK734021 JA501287 0001234567890123 230510000045781206339194
echo "PASS"
