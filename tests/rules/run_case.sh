#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# One data-driven rule-pack case (tests/rules/{valid,invalid}/<case>/):
#  valid:   packs/ loads, and `raqib-agent scan --json` of each input.* gives, projected to its
#           stable fields, exactly expected.json (one JSON object per input, in name order);
#  invalid: loading packs/ is refused with exactly the error line in expected.txt (file paths
#           relative to the case directory).
# Regenerate an expectation with RAQIB_UPDATE_GOLDEN=1, then review the diff like code.
set -eu
kind=$1
case_dir=$(cd "$2" && pwd)
agent=$RAQIB_BUILD_DIR/agent/raqib-agent
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ "$kind" = invalid ]; then
	rc=0
	(cd "$case_dir" && "$agent" --no-builtin-rules --rules packs check) >"$tmp/out" 2>"$tmp/err" || rc=$?
	[ "$rc" = 1 ] || { echo "FAIL: expected the packs to be refused (exit 1), got $rc: $(cat "$tmp/out")"; exit 1; }
	sed 's/^raqib-agent: error: rules: //' "$tmp/err" >"$tmp/got"
	if [ -n "${RAQIB_UPDATE_GOLDEN:-}" ]; then
		cp "$tmp/got" "$case_dir/expected.txt"
	fi
	diff -u "$case_dir/expected.txt" "$tmp/got" || { echo "FAIL: another error than expected"; exit 1; }
	echo "PASS: refused with: $(cat "$tmp/got")"
	exit 0
fi

(cd "$case_dir" && "$agent" --no-builtin-rules --rules packs check) >/dev/null || { echo "FAIL: packs refused"; exit 1; }
for input in "$case_dir"/input.*; do
	rc=0
	(cd "$case_dir" && "$agent" --no-builtin-rules --rules packs scan --json "$(basename "$input")") >"$tmp/line" || rc=$?
	[ "$rc" -le 1 ] || { echo "FAIL: scan of $input exited $rc"; exit 1; }
	jq -S -c '{official, level, bulk_personal_data, decision,
		fingerprint: (.fingerprint.id // null),
		findings: [.findings[] | {type, masked, rule_id, shadow}] | sort_by(.type, .masked)}' \
		"$tmp/line" >>"$tmp/got"
done
if [ -n "${RAQIB_UPDATE_GOLDEN:-}" ]; then
	cp "$tmp/got" "$case_dir/expected.json"
fi
diff -u "$case_dir/expected.json" "$tmp/got" || { echo "FAIL: verdicts differ from expected.json"; exit 1; }
echo "PASS"
