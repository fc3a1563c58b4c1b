#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Runs the benchmarks (tests/bench/bench_*.sh, or those named on the command line, e.g.
# `scripts/bench.sh rules`) against the default build. Each prints its figures as ratios
# against a peer measured in the same run, because the machine is shared and noisy.
# Benchmarks are never part of the test suite.
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh >/dev/null
cmake --preset default >/dev/null
cmake --build --preset default >/dev/null
export RAQIB_SOURCE_DIR=$PWD RAQIB_BUILD_DIR=$PWD/build RAQIB_SHARED_DIR=$PWD/../shared
if [ $# -gt 0 ]; then
	set -- "${@/#/tests/bench/bench_}"
	set -- "${@/%/.sh}"
else
	set -- tests/bench/bench_*.sh
fi
for bench in "$@"; do
	[ -e "$bench" ] || { echo "bench: no benchmark $bench" >&2; exit 1; }
	echo "== $bench"
	bash "$bench"
done
