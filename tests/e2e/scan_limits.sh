#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The extraction limits are options of run, replay and scan: each one, set on the command line,
# stops extraction where it says, and the file is reported partially inspected with the reason
# (on stdout, and counted in one warning); raised, it lets the content through. Bad values are
# one clear line and exit status 2.
set -eu
. "$(dirname "$0")/lib.sh"

HOSTILE=$DATA/hostile

# scan_expect STATUS PATTERN ARGS...: raqib-agent scan ARGS exits STATUS, its stdout matches PATTERN
scan_expect() {
	local want=$1 pattern=$2 rc=0
	shift 2
	timeout 30 "$AGENT" scan "$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
	[ "$rc" = "$want" ] || fail "scan $* exited $rc, expected $want: $(cat "$TMP/out" "$TMP/err")"
	grep -qE "$pattern" "$TMP/out" || fail "scan $*: '$(cat "$TMP/out")' does not match '$pattern'"
}

# defaults: depth 4 stops the 13-deep archive before its CIN
scan_expect 1 "partial: nesting depth limit of 4 reached" "$HOSTILE/nested.zip"
grep -q "1 of 1 files not inspected whole" "$TMP/err" || fail "no warning counting the partial file: $(cat "$TMP/err")"
scan_expect 0 "CIN +BK73\*\*\*\*" --max-depth 20 "$HOSTILE/nested.zip"
grep -q "partial" "$TMP/out" && fail "depth 20 still partial: $(cat "$TMP/out")"

scan_expect 1 "partial: compression ratio limit of 100 reached" "$HOSTILE/zip-bomb.zip"
scan_expect 1 "partial: expanded size limit of 1048576 bytes reached" \
	--max-ratio 1000000 --max-expanded-bytes 1048576 "$HOSTILE/zip-bomb.zip"
scan_expect 1 "partial: read limit of 100 bytes reached" --max-file-bytes 100 "$DATA/extract/letter.docx"
# 200 pages of glyphs take seconds to lay out whole
scan_expect 1 "partial: time limit of 50 ms reached" --max-file-ms 50 "$HOSTILE/glyph-bomb.pdf"
scan_expect 1 "encrypted: encrypted archive member" "$HOSTILE/encrypted.zip"

# the JSON line says the same
timeout 30 "$AGENT" scan --json --max-depth 2 "$HOSTILE/nested.zip" >"$TMP/json" 2>/dev/null || true
assert_jq '.inspection == "partial" and (.reason | test("nesting depth limit of 2"))' <"$TMP/json"

expect_usage() {
	local pattern=$1 rc=0
	shift
	timeout 20 "$AGENT" "$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
	[ "$rc" = 2 ] || fail "'$*' exited $rc, expected 2"
	[ "$(wc -l <"$TMP/err")" = 1 ] || fail "'$*' printed more than one line: $(cat "$TMP/err")"
	grep -qE "$pattern" "$TMP/err" || fail "'$*': '$(cat "$TMP/err")' does not match '$pattern'"
}
expect_usage "invalid --max-ratio '0': expected a ratio from 1 to 1000000" scan --max-ratio 0 "$HOSTILE"
expect_usage "invalid --max-depth '65'" scan --max-depth 65 "$HOSTILE"
expect_usage "invalid --max-file-ms 'soon'" run --max-file-ms soon
expect_usage "invalid --max-expanded-bytes '-1'" replay --max-expanded-bytes -1 x.pcap

# replay takes them too: the upload's first 64 bytes hold no identifier, the whole upload does
start_redis
"$AGENT" --redis "$REDIS" replay --max-file-bytes 64 "$DATA/http-upload-cin.pcap" 2>"$TMP/replay.err" ||
	fail "replay with limits failed: $(cat "$TMP/replay.err")"
grep -q "1 objects inspected, 0 alerts" "$TMP/replay.err" || fail "64 bytes of the upload alerted: $(cat "$TMP/replay.err")"
"$AGENT" --redis "$REDIS" replay "$DATA/http-upload-cin.pcap" 2>"$TMP/replay.err" ||
	fail "replay failed: $(cat "$TMP/replay.err")"
grep -q "1 objects inspected, 1 alerts" "$TMP/replay.err" || fail "the whole upload did not alert: $(cat "$TMP/replay.err")"
echo "PASS"
