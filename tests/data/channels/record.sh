#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Records tests/data/channels/*.pcap: Debian's Chromium, driven by playwright-core, uploads a
# 20 KB synthetic letter through each stand-in web client of tests/e2e/webclients/ (served
# under the real services' names by a TLS server in another network namespace), one capture
# per channel taken on the client's side of the veth. Real TLS and SNI of a real browser,
# plus its own background requests (update checks, accounts), which name no channel. Frames are
# kept up to 4096 bytes (the handshakes whole; the capture keeps every frame's length).
#
#   sudo RAQIB_SOURCE_DIR=$PWD RAQIB_BUILD_DIR=$PWD/build tests/data/channels/record.sh OUTDIR
. "$RAQIB_SOURCE_DIR/tests/e2e/lib.sh"
. "$RAQIB_SOURCE_DIR/tests/e2e/netns.sh"
. "$RAQIB_SOURCE_DIR/tests/e2e/webclients.sh"

OUT=$(realpath "${1:?usage: record.sh OUTDIR}")
command -v tcpdump >/dev/null || fail "tcpdump is not installed"
netns_setup
start_web_server
install_playwright
make_pdf "$RAQIB_SHARED_DIR/corpus/docs/doc_279.txt" 20000 "$TMP/letter.pdf"
for c in whatsapp:web.whatsapp.com telegram:web.telegram.org messenger:www.messenger.com \
	gmail:mail.google.com outlook:outlook.live.com yahoomail:mail.yahoo.com \
	wetransfer:wetransfer.com googledrive:drive.google.com dropbox:www.dropbox.com \
	onedrive:onedrive.live.com mega:mega.nz; do
	name=${c%%:*}
	form=false
	[ "$name" = messenger ] && form=true
	echo "[{\"origin\": \"${c#*:}\", \"files\": [\"$TMP/letter.pdf\"], \"form\": $form, \"pause_ms\": 500}]" \
		>"$TMP/case.json"
	ip netns exec "$NS_CLI" tcpdump -i "$VETH_CLI" -nn -U -s 4096 -w "$OUT/$name.pcap" tcp or udp \
		2>/dev/null &
	dump=$!
	sleep 0.5
	drive_browser "$TMP/case.json"
	sleep 0.5
	kill "$dump"
	wait "$dump" || true
	echo "recorded $OUT/$name.pcap: $(stat -c %s "$OUT/$name.pcap") bytes"
done
# QUIC Initials of Chromium's own, versions 1 and 2 (RFC 9000, RFC 9369), for mega.nz: a UDP
# sink takes them without an answer (an ICMP error would cut the first flight short), so the
# browser sends its whole ClientHello (two Initials), retries, then falls back to TCP.
ip netns exec "$NS_SRV" python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('$SRV_IP', 443))
while True:
    s.recv(65536)" &
track $!
for v in 1:RFCv1 2:RFCv2; do
	echo '[{"origin": "mega.nz", "files": ["'"$TMP/letter.pdf"'"], "pause_ms": 500}]' >"$TMP/case.json"
	ip netns exec "$NS_CLI" tcpdump -i "$VETH_CLI" -nn -U -s 0 -w "$OUT/quic-v${v%%:*}.pcap" \
		udp port 443 2>/dev/null &
	dump=$!
	sleep 0.5
	# the page load fails (no QUIC server): what counts is what the browser sent
	ip netns exec "$NS_CLI" env NODE_PATH="$TMP/node/node_modules" HOME="$TMP" \
		CHROMIUM_ARGS="--enable-quic --origin-to-force-quic-on=mega.nz:443 --quic-version=${v#*:}" \
		node "$WEBCLIENTS/drive.js" "$SRV_IP" "$TMP/case.json" >/dev/null 2>&1 || true
	sleep 0.5
	kill "$dump"
	wait "$dump" || true
	echo "recorded $OUT/quic-v${v%%:*}.pcap: $(stat -c %s "$OUT/quic-v${v%%:*}.pcap") bytes"
done
