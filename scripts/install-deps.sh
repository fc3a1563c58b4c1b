#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Installs the Debian 12 packages raqib needs to build, run and test. Idempotent: does nothing
# when everything is already installed. Needs root (or sudo).
set -eu

PACKAGES=(
	# build
	cmake make gcc pkg-config clang llvm bpftool
	libbpf-dev libpcap-dev libndpi-dev libhiredis-dev libjansson-dev libyaml-dev
	libhyperscan-dev libssl-dev libicu-dev libfuzzy-dev
	# document text extraction (agent/extract/)
	g++ libmagic-dev libpoppler-cpp-dev libfribidi-dev libarchive-dev libxml2-dev
	libgmime-3.0-dev libseccomp-dev libcsv-dev
	# host sensor: capabilities dropped after attach (libcap-ng); TLS test clients and servers
	libcap-ng-dev gnutls-bin
	# tests: unit, end to end, fuzzing
	libcmocka-dev libclang-rt-14-dev redis-server redis-tools jq iproute2 util-linux procps libcap2-bin
	python3
	# peers measured against in benchmarks
	libndpi-bin ripgrep python3-yaml
	# the durable outbox: zlib's CRC-32; keys, certificates, the TLS link and the alert's JSON
	# Schema in tests (issue 7)
	zlib1g-dev openssl stunnel4 python3-jsonschema
	# network sensor: HTTP parsing, body decompression; capture tools for its tests and benchmark
	libhttp-parser-dev tcpdump wireshark-common
	# extraction benchmark's peer (pdftotext)
	poppler-utils
	# the collector: /metrics and the find API (libmicrohttpd), webhook notifications and
	# raqibctl find (libcurl, the flavour Debian's base images carry), curl in its tests
	libmicrohttpd-dev libcurl4-nss-dev curl
	# the awareness notice (raqib-notify: libnotify) and its test: a desktop session of its own
	# (Xvfb, a D-Bus session bus, the dunst notification daemon, Arabic fonts, screenshots)
	libnotify-dev xvfb xauth dbus-daemon dunst fonts-noto-core imagemagick
	# real apps in end-to-end tests (issue 16): Debian's Chromium driven by playwright-core
	# (from npm, at test time), Telegram Desktop started idle under Xvfb
	chromium telegram-desktop
	# the desk: TLS (GnuTLS); its UI tests drive the Chromium above (fonts with Arabic glyphs
	# for their screenshots: fonts-noto-core above); raqibctl export --pdf prints with it too
	libgnutls28-dev fonts-dejavu-core
)
# npm for playwright-core: Debian's nodejs and npm, unless a node with its own npm is there
if ! command -v npm >/dev/null; then
	PACKAGES+=(nodejs npm)
fi

missing=()
for p in "${PACKAGES[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all ${#PACKAGES[@]} packages are installed"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing packages: ${missing[*]}; run as root (sudo $0)" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${missing[@]}"
# Debian starts redis-server as a service on install; raqib's scripts and tests start their own
# on free ports, so the packaged one is not needed (and may not be running in a container).
