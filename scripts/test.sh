#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The whole test suite, as README.md and .ci/run run it: installs the packages, builds with
# warnings as errors and runs every test (unit, end to end with a real Redis and real BPF
# programs, fuzz corpora), then builds again under AddressSanitizer + UBSan and runs the unit
# tests, then builds the libFuzzer targets and fuzzes each one briefly.
#
# Environment: RAQIB_NO_SKIP=1 turns skipped tests (no root, no BTF) into failures (CI sets it);
# RAQIB_FUZZ_SECONDS (default 15) is the fuzzing time per target, 0 to skip fuzzing.
set -eu
cd "$(dirname "$0")/.."

scripts/install-deps.sh

# The BPF tests need tracefs; the agent mounts it itself, but a mount here also serves tools.
if [ "$(id -u)" = 0 ] && [ ! -e /sys/kernel/tracing/events/syscalls ]; then
	mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null || true
fi

echo "== build (default preset: warnings as errors)"
cmake --preset default >/dev/null
cmake --build --preset default
echo "== tests"
ctest --preset default

echo "== build (asan preset: AddressSanitizer + UndefinedBehaviorSanitizer)"
cmake --preset asan >/dev/null
cmake --build --preset asan
echo "== unit tests under ASan + UBSan"
ctest --preset asan-unit

if [ "${RAQIB_FUZZ_SECONDS:-15}" != 0 ]; then
	echo "== build (fuzz preset: libFuzzer)"
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz
	echo "== fuzzing, ${RAQIB_FUZZ_SECONDS:-15} s per target"
	RAQIB_FUZZ_SECONDS=${RAQIB_FUZZ_SECONDS:-15} ctest --preset fuzz
fi
echo "== all tests passed"
