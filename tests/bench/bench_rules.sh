#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Speed of the default packs (issue 3): MB/s of `raqib-agent scan` on one core over a text corpus
# of >= 512 MiB built by repeating the UTF-8 text files of ../shared/corpus, and of ripgrep
# (`rg -c -f`) with the packs' raw patterns (detector patterns, context words, marker phrases) on
# the same file in the same run: once with an ASCII \b like Hyperscan's (the fair peer), once
# with ripgrep's default Unicode \b (how it is usually run) on a slice. Also prints the
# per-stream scan state size.
# Environment: RAQIB_BENCH_MB (default 512), RAQIB_BENCH_DIR (default /tmp/raqib-bench).
set -eu
: "${RAQIB_BUILD_DIR:?run through scripts/bench.sh}" "${RAQIB_SHARED_DIR:?}" "${RAQIB_SOURCE_DIR:?}"
MB=${RAQIB_BENCH_MB:-512}
DIR=${RAQIB_BENCH_DIR:-/tmp/raqib-bench}
AGENT=$RAQIB_BUILD_DIR/agent/raqib-agent
mkdir -p "$DIR"
CORPUS=$DIR/corpus-$MB.txt

command -v rg >/dev/null || { echo "bench: ripgrep (rg) is not installed" >&2; exit 1; }
if [ ! -s "$CORPUS" ] || [ "$(stat -c %s "$CORPUS")" -lt $((MB * 1048576)) ]; then
	echo "building a ${MB} MiB corpus from the UTF-8 text files of the shared corpus..."
	seed=$DIR/seed.txt
	: >"$seed"
	jq -r 'select((.format == "txt" or .format == "csv") and (.format_info.encoding | test("^utf-8"))) | .file' \
		"$RAQIB_SHARED_DIR/corpus/labels.jsonl" | while read -r f; do
		sed '1s/^\xef\xbb\xbf//' "$RAQIB_SHARED_DIR/corpus/$f"
		echo
	done >>"$seed"
	: >"$CORPUS.tmp"
	while [ "$(stat -c %s "$CORPUS.tmp")" -lt $((MB * 1048576)) ]; do
		cat "$seed" "$seed" "$seed" "$seed" "$seed" "$seed" "$seed" "$seed" >>"$CORPUS.tmp"
	done
	mv "$CORPUS.tmp" "$CORPUS"
fi
SIZE=$(stat -c %s "$CORPUS")

# The packs' raw patterns for ripgrep: detector regexes as written (\b as an ASCII word
# boundary, as Hyperscan's is: ripgrep's default Unicode \b is far slower), words and phrases
# escaped, case-insensitive like raqib's keywords.
python3 - "$RAQIB_SOURCE_DIR/rules/packs" >"$DIR/patterns.txt" <<'PY'
import glob, sys, yaml

def escape(word):
    return "".join("\\" + c if c in "\\.+*?()|[]{}^$" else c for c in word)

for path in sorted(glob.glob(sys.argv[1] + "/*.yml")):
    for r in yaml.safe_load(open(path)).get("rules", []):
        if not r.get("enabled", True):
            continue
        for p in r.get("patterns", []):
            rx = p["regex"] if isinstance(p, dict) else p
            print(rx.replace("\\b", "(?-u:\\b)"))
        words = []
        for key in ("context", "negative"):
            words += (r.get(key) or {}).get("words", [])
        words += r.get("phrases", [])
        for w in words:
            print("(?i)" + escape(str(w)))
        for rx in r.get("regexes", []):
            print("(?i)" + rx)
PY
echo "input: $CORPUS ($((SIZE / 1048576)) MiB), $(wc -l <"$DIR/patterns.txt") patterns"

cat "$CORPUS" >/dev/null # warm the page cache for both
measure() { # label command...: prints seconds and peak RSS
	local t0 t1
	t0=$(date +%s.%N)
	/usr/bin/time -f "%M" -o "$DIR/rss" taskset -c 0 "$@" >/dev/null 2>"$DIR/err" || [ $? -le 1 ]
	t1=$(date +%s.%N)
	echo "$t0 $t1 $(cat "$DIR/rss")"
}
read -r r0 r1 rrss < <(measure "$AGENT" scan --format score --max-file-bytes $((SIZE + 1)) "$CORPUS")
read -r g0 g1 grss < <(measure rg -c -f "$DIR/patterns.txt" "$CORPUS")
awk -v s="$SIZE" -v r0="$r0" -v r1="$r1" -v g0="$g0" -v g1="$g1" -v rr="$rrss" -v gr="$grss" 'BEGIN {
	rt = r1 - r0; gt = g1 - g0
	printf "raqib-agent scan : %7.2f s  %8.1f MB/s  peak RSS %d KiB\n", rt, s / rt / 1e6, rr
	printf "rg -c -f         : %7.2f s  %8.1f MB/s  peak RSS %d KiB\n", gt, s / gt / 1e6, gr
	printf "ratio            : raqib is %.1fx ripgrep\n", gt / rt
}'
# ripgrep as it is usually run: the same patterns with its default Unicode \b, which makes it
# far slower; on an 8 MiB slice so that it ends in minutes.
head -c $((8 * 1048576)) "$CORPUS" >"$DIR/slice.txt"
sed 's/(?-u:\\b)/\\b/g' "$DIR/patterns.txt" >"$DIR/patterns-unicode.txt"
read -r u0 u1 urss < <(measure rg -c -f "$DIR/patterns-unicode.txt" "$DIR/slice.txt")
awk -v s=$((8 * 1048576)) -v u0="$u0" -v u1="$u1" -v r0="$r0" -v r1="$r1" -v size="$SIZE" 'BEGIN {
	ut = u1 - u0; rate = size / (r1 - r0)
	printf "rg, Unicode \\b  : %7.2f s  %8.1f MB/s  (8 MiB slice)\n", ut, s / ut / 1e6
	printf "ratio            : raqib is %.1fx ripgrep with its default Unicode \\b\n", rate / (s / ut)
}'
echo "per-stream scan state: $("$RAQIB_BUILD_DIR/tests/bench_state_size") bytes"
