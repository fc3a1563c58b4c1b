#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Accuracy of the default packs on ../shared/corpus, with the corpus's own scorer: every file of
# the formats in RAQIB_ACCURACY_FORMATS goes through `raqib-agent scan --format score` (the same
# extraction and rules as live inspection), and the scorer's figures must reach the floors:
# micro F1 of entities >= 0.98, official-document F1 >= 0.97, level accuracy >= 0.95.
set -eu
: "${RAQIB_BUILD_DIR:?}" "${RAQIB_SHARED_DIR:?}"
FORMATS=${RAQIB_ACCURACY_FORMATS:-txt csv docx xlsx pdf}
CORPUS=$RAQIB_SHARED_DIR/corpus
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

[ -r "$CORPUS/labels.jsonl" ] || { echo "FAIL: no corpus at $CORPUS"; exit 1; }
formats_json=$(printf '%s\n' $FORMATS | jq -R . | jq -s -c .)
jq -c --argjson f "$formats_json" 'select(.format as $x | $f | index($x))' \
	"$CORPUS/labels.jsonl" >"$tmp/labels.jsonl"
jq -r '.file' "$tmp/labels.jsonl" | sed "s|^|$CORPUS/|" >"$tmp/files"
echo "formats: $FORMATS ($(wc -l <"$tmp/files") documents)"
rc=0
(cd "$CORPUS" && xargs -a "$tmp/files" "$RAQIB_BUILD_DIR/agent/raqib-agent" scan --format score) \
	>"$tmp/pred.jsonl" || rc=$?
[ "$rc" -le 1 ] || { echo "FAIL: scan exited $rc"; exit 1; }
# scan names files relative to the directory given; here files were given: name them as labelled
jq -c '.file |= sub("^.*/docs/"; "docs/")' "$tmp/pred.jsonl" >"$tmp/pred2.jsonl"
python3 "$CORPUS/score.py" "$tmp/labels.jsonl" "$tmp/pred2.jsonl" --by format | tee "$tmp/score"
micro=$(sed -n 's/^micro_f1=\([0-9.]*\) .*/\1/p' "$tmp/score")
official=$(sed -n 's/.* official_f1=\([0-9.]*\)$/\1/p' "$tmp/score")
level=$(sed -n 's/^classification level accuracy on the [0-9]* official documents: \([0-9.]*\)$/\1/p' "$tmp/score")
echo "micro_f1=$micro official_f1=$official level_accuracy=$level"
awk -v m="$micro" -v o="$official" -v l="$level" 'BEGIN {
	bad = 0
	if (m < 0.98) { print "FAIL: micro F1 " m " < 0.98"; bad = 1 }
	if (o < 0.97) { print "FAIL: official F1 " o " < 0.97"; bad = 1 }
	if (l < 0.95) { print "FAIL: level accuracy " l " < 0.95"; bad = 1 }
	exit bad
}'
echo "PASS"
