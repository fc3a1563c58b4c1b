#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Benchmark of document text extraction (agent/extract/): files/s and MB/s of extraction plus
# scanning with the default rule packs (`raqib-agent scan`) on the corpus PDFs and DOCX, and
# pdftotext (poppler-utils) alone on the same PDFs in the same run, one process per file as
# it is used. Prints both and their ratio, then the corpus scorer's breakdown by format.
#
# raqib-agent compiles its packs once at start-up (about half a second), as the agent does
# once per run: the files are scanned REPEAT times in one process, the start-up measured
# apart and taken out. Each figure is the best of ROUNDS runs (the machine is shared: the best
# run is the one least disturbed).
set -eu

: "${RAQIB_BUILD_DIR:?run through scripts/bench.sh}"
: "${RAQIB_SHARED_DIR:?run through scripts/bench.sh}"
ROUNDS=${ROUNDS:-5}
REPEAT=${REPEAT:-5}
CORPUS=$RAQIB_SHARED_DIR/corpus
AGENT=$RAQIB_BUILD_DIR/agent/raqib-agent
command -v pdftotext >/dev/null || { echo "bench_extract: pdftotext (poppler-utils) is missing" >&2; exit 1; }
cd "$CORPUS"

now_ns() { date +%s%N; }

# best_ns CMD...: the shortest wall time of ROUNDS runs of CMD, in ns
best_ns() {
	local best=0 start end i
	for ((i = 0; i < ROUNDS; i++)); do
		start=$(now_ns)
		"$@" >/dev/null || [ $? -eq 1 ] # scan exits 1 when it finds nothing
		end=$(now_ns)
		if [ "$best" -eq 0 ] || [ $((end - start)) -lt "$best" ]; then
			best=$((end - start))
		fi
	done
	echo "$best"
}

pdftotext_each() {
	local f
	for f in "$@"; do
		pdftotext -q "$f" - || true
	done
}

repeated() { # the arguments REPEAT times
	local i
	for ((i = 0; i < REPEAT; i++)); do
		printf '%s\n' "$@"
	done
}

report() { # name files bytes ns
	awk -v n="$1" -v f="$2" -v b="$3" -v ns="$4" 'BEGIN {
		s = ns / 1e9
		printf "%-44s %5d files %8.1f files/s %7.2f MB/s\n", n, f, f / s, b / s / 1e6
	}'
}

mapfile -t pdfs < <(ls docs/*.pdf)
mapfile -t docxs < <(ls docs/*.docx)
mapfile -t pdfs_n < <(repeated "${pdfs[@]}")
mapfile -t docxs_n < <(repeated "${docxs[@]}")
pdf_bytes=$(cat "${pdfs[@]}" | wc -c)
docx_bytes=$(cat "${docxs[@]}" | wc -c)
empty=$(mktemp)
trap 'rm -f "$empty"' EXIT

startup=$(best_ns "$AGENT" scan --format=score "$empty")
ours_pdf=$(($(best_ns "$AGENT" scan --format=score "${pdfs_n[@]}") - startup))
ours_docx=$(($(best_ns "$AGENT" scan --format=score "${docxs_n[@]}") - startup))
peer_pdf=$(best_ns pdftotext_each "${pdfs[@]}")

echo "best of $ROUNDS runs; raqib-agent scan start-up $((startup / 1000000)) ms taken out"
report "raqib extraction + scanning, PDF" $((${#pdfs[@]} * REPEAT)) $((pdf_bytes * REPEAT)) "$ours_pdf"
report "pdftotext alone, PDF" "${#pdfs[@]}" "$pdf_bytes" "$peer_pdf"
report "raqib extraction + scanning, DOCX" $((${#docxs[@]} * REPEAT)) $((docx_bytes * REPEAT)) "$ours_docx"
awk -v o="$ours_pdf" -v p="$peer_pdf" -v r="$REPEAT" 'BEGIN {
	printf "ratio PDF: raqib extraction + scanning is %.2fx the speed of pdftotext alone (goal >= 1)\n",
		p * r / o
}'

pred=$(mktemp)
trap 'rm -f "$empty" "$pred"' EXIT
"$AGENT" scan --format=score docs >"$pred" || [ $? -eq 1 ]
echo "corpus scorer, whole corpus, by format:"
python3 score.py labels.jsonl "$pred" --by format | sed -n '/^breakdown by format/,$p'
