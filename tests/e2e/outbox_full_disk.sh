#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Fault: the spool's disk fills up (a 256 KiB tmpfs mounted by the test) while Redis is away.
# Alerts past the room are refused with one clear error line, every refusal is counted, and the
# spool is not damaged: once Redis is back, every accepted alert is delivered, exactly.
# Then the spool's own limit: as it fills, low alerts are refused first, critical ones last.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || skip "needs root to mount a tmpfs"
SMALL=$TMP/small
mkdir -p "$SMALL"
mount -t tmpfs -o size=256k,mode=0700 raqib-e2e-full "$SMALL" || skip "cannot mount a tmpfs"
unmount_small() { umount "$SMALL"; }
CLEANUP_HOOKS=unmount_small
# a port nothing listens on, ever (a free port could be taken by a parallel test's Redis)
DEAD=127.0.0.1:1

"$OUTBOX_GEN" --redis "$DEAD" --agent-id ws-full --spool-dir "$SMALL" --count 2000 \
	--fsync always --flush-timeout 0 >"$TMP/gen1.out" 2>"$TMP/gen1.err" ||
	fail "the generator failed: $(cat "$TMP/gen1.out" "$TMP/gen1.err")"
accepted=$(gen_stat "$TMP/gen1.out" accepted)
refused=$(gen_stat "$TMP/gen1.out" refused)
[ $((accepted + refused)) = 2000 ] || fail "accepted $accepted + refused $refused is not 2000"
[ "$accepted" -gt 50 ] && [ "$refused" -gt 500 ] || fail "expected the disk to fill: $(grep ^stats "$TMP/gen1.out")"
[ "$(gen_stat "$TMP/gen1.out" write_errors)" = 0 ] || fail "a full disk was taken for an I/O error"
# one error line (logged at most every 10 s), naming the spool and the cause
[ "$(grep -c 'No space left on device' "$TMP/gen1.err")" = 1 ] || fail "no clear error: $(cat "$TMP/gen1.err")"
grep -q "cannot write to spool '$SMALL/ws-full': No space left on device; high alert refused" "$TMP/gen1.err" ||
	fail "unclear error: $(cat "$TMP/gen1.err")"

# Redis comes: the spool opens clean and delivers exactly what it accepted.
start_redis
"$OUTBOX_GEN" --redis "$REDIS" --agent-id ws-full --spool-dir "$SMALL" --count 0 \
	>"$TMP/gen2.out" 2>"$TMP/gen2.err" || fail "delivery failed: $(cat "$TMP/gen2.out" "$TMP/gen2.err")"
grep -q "^opened pending=$accepted corrupt=0 torn=0 next_seq=$((accepted + 1))" "$TMP/gen2.out" ||
	fail "the spool was damaged or lost alerts: $(head -1 "$TMP/gen2.out")"
enroll_streams
"$COLLECTOR" --metrics off --redis "$REDIS" --drain --quiet || fail "collector failed"
[ "$(seq_field ws-full stored)" = "$accepted" ] || fail "stored: $(seq_state ws-full)"
[ "$(seq_field ws-full missing)" = 0 ] || fail "missing: $(seq_state ws-full)"
# and the disk has room again
[ -z "$(find "$SMALL/ws-full" -name '*.seg')" ] || fail "delivered segments were not deleted"

# The spool's limit (2 MiB) with Redis away: alerts of every severity in turn; low ones are
# refused first (past 1 MiB), critical ones only when the spool is full.
"$OUTBOX_GEN" --redis "$DEAD" --agent-id ws-quota --count 4000 --severity cycle \
	--max-bytes 2097152 --fsync never --flush-timeout 0 >"$TMP/gen3.out" 2>"$TMP/gen3.err" ||
	fail "the generator failed: $(cat "$TMP/gen3.out" "$TMP/gen3.err")"
low=$(gen_stat "$TMP/gen3.out" refused_low)
critical=$(gen_stat "$TMP/gen3.out" refused_critical)
[ "$low" -gt 0 ] || fail "no low alert refused: $(grep ^stats "$TMP/gen3.out")"
[ "$low" -gt "$critical" ] || fail "critical alerts were refused before low ones: $(grep ^stats "$TMP/gen3.out")"
grep -q "is full for low alerts" "$TMP/gen3.err" || fail "no clear error: $(cat "$TMP/gen3.err")"
echo "PASS ($accepted accepted and delivered, $refused refused on a full disk; quota: $low low, $critical critical refused)"
