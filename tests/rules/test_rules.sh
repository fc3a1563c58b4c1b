#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# raqib-agent test-rules: the built-in packs pass their own cases
# (rules/packs/tests/builtin-cases.yml); an administrator's cases on a layered pack pass, and a
# case that does not hold fails with exit status 1 and the explanation of the decision (which
# policy and exception matched, why each other one did not); a cases file with a misspelt key
# is refused with its line (exit status 2).
set -eu
agent=$RAQIB_BUILD_DIR/agent/raqib-agent
src=$RAQIB_SOURCE_DIR
dir=$src/tests/rules/test-rules
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

"$agent" test-rules "$src/rules/packs/tests/builtin-cases.yml" >"$tmp/builtin" 2>&1 ||
	fail "the built-in packs fail their cases: $(cat "$tmp/builtin")"
grep -q "^10 cases: 10 passed, 0 failed" "$tmp/builtin" || fail "$(cat "$tmp/builtin")"

rc=0
"$agent" --rules "$src/tests/data/sanctioned/secure-channels.yml" test-rules "$dir/sanctioned-cases.yml" \
	>"$tmp/out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "expected exit status 1 (one case fails on purpose), got $rc: $(cat "$tmp/out")"
grep -q "^6 cases: 5 passed, 1 failed" "$tmp/out" || fail "$(cat "$tmp/out")"
grep -q "^FAIL  6. WRONG ON PURPOSE" "$tmp/out" || fail "the failed case is not named: $(cat "$tmp/out")"
grep -q "expected allowed, got alert" "$tmp/out" || fail "no difference said: $(cat "$tmp/out")"
grep -q "decision: alert (policy policy.upload.classified)" "$tmp/out" || fail "$(cat "$tmp/out")"
grep -Eq "policy +policy.read.official +no: the event file_upload is not one of file_read" "$tmp/out" ||
	fail "no reason for a policy that did not match: $(cat "$tmp/out")"
grep -Eq "exception +exception.secure-mail +no: the destination \(app whatsapp \(messaging\)\) is not one it names" "$tmp/out" ||
	fail "no reason for an exception that did not match: $(cat "$tmp/out")"
grep -q "^ok  " "$tmp/out" && fail "passed cases shown without -v"

"$agent" --rules "$src/tests/data/sanctioned/secure-channels.yml" test-rules -v "$dir/sanctioned-cases.yml" \
	>"$tmp/verbose" 2>&1 || true
[ "$(grep -c '^ok  ' "$tmp/verbose")" = 5 ] || fail "-v does not show every case: $(cat "$tmp/verbose")"

rc=0
"$agent" test-rules "$dir/bad-key.yml" >"$tmp/bad" 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "a bad cases file: exit status $rc"
grep -q "bad-key.yml:5: unknown key 'expekt' in a case" "$tmp/bad" || fail "$(cat "$tmp/bad")"
echo "PASS"
