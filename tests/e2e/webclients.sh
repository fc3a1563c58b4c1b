# SPDX-License-Identifier: GPL-2.0-only
# Helpers of the real-browser tests (sourced after lib.sh and netns.sh): the stand-in web
# services of tests/e2e/webclients/ behind one HTTPS server in the server namespace, under the
# real services' names (a certificate for all of them; Chromium maps every name to the server),
# and Debian's Chromium driven by playwright-core, installed from npm into the test's directory.

WEBCLIENTS=$RAQIB_SOURCE_DIR/tests/e2e/webclients
# Every name the stand-in clients load or send to.
WEB_NAMES="web.whatsapp.com mmg.whatsapp.net web.telegram.org venus.web.telegram.org
	www.messenger.com upload.messenger.com mail.google.com outlook.live.com mail.yahoo.com
	wetransfer.com wetransfer-eu-prod-outgoing.s3.eu-west-1.amazonaws.com drive.google.com
	www.dropbox.com content.dropboxapi.com onedrive.live.com api.onedrive.com mega.nz
	gfs270n171.userstorage.mega.co.nz"

# Starts the HTTPS server on ${1:-$SRV_IP}:443 in the server namespace; requests go to
# $TMP/web.log.
start_web_server() {
	local addr=${1:-$SRV_IP} san="" n
	command -v python3 >/dev/null || fail "python3 is not installed (scripts/install-deps.sh)"
	for n in $WEB_NAMES; do
		san="${san:+$san,}DNS:$n"
	done
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
		-subj /CN=web.whatsapp.com -addext "subjectAltName=$san" \
		-keyout "$TMP/web-key.pem" -out "$TMP/web-cert.pem" 2>/dev/null ||
		fail "cannot make the web certificate"
	touch "$TMP/web.log"
	ip netns exec "$NS_SRV" python3 "$WEBCLIENTS/server.py" "$addr" 443 "$TMP/web-cert.pem" \
		"$TMP/web-key.pem" "$WEBCLIENTS/client.html" "$TMP/web.log" 2>>"$TMP/web.err" &
	track $!
	for _ in $(seq 50); do
		if ip netns exec "$NS_SRV" ss -Htln "src $addr and sport = :443" | grep -q .; then
			return 0
		fi
		sleep 0.1
	done
	fail "the web server did not start: $(cat "$TMP/web.err")"
}

# Installs playwright-core (no browser download) into $TMP/node.
install_playwright() {
	command -v npm >/dev/null || fail "npm is not installed (scripts/install-deps.sh)"
	[ -x /usr/bin/chromium ] || fail "chromium is not installed (scripts/install-deps.sh)"
	mkdir -p "$TMP/node"
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --prefix "$TMP/node" --no-audit --no-fund \
		--loglevel=error playwright-core@1 >"$TMP/npm.log" 2>&1 ||
		fail "npm install playwright-core failed: $(tail -5 "$TMP/npm.log")"
}

# drive_browser CASES.json: one Chromium launch for every case, in the client namespace.
drive_browser() {
	ip netns exec "$NS_CLI" env NODE_PATH="$TMP/node/node_modules" HOME="$TMP" \
		CHROMIUM_ARGS="${CHROMIUM_ARGS:-}" \
		node "$WEBCLIENTS/drive.js" "$SRV_IP" "$1" >"$TMP/drive.out" 2>"$TMP/drive.err" ||
		fail "the browser failed: $(tail -5 "$TMP/drive.err")"
}

# make_pdf TEXT SIZE OUT: an official letter of about SIZE bytes (webclients/make_pdf.py).
make_pdf() {
	python3 "$WEBCLIENTS/make_pdf.py" "$1" "$2" "$3" || fail "cannot make $3"
}
