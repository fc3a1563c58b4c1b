#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# End to end, the employee's awareness notice: raqib-agent run (real BPF programs) with
# --notify-socket, a pack that turns the notice on for one policy, and raqib-notify in a desktop
# session of its own (Xvfb, dbus-run-session, the dunst notification daemon), in Arabic, French
# and English after the session's language. A stand-in messaging app (cat named like WhatsApp)
# opens files:
#  - a file with a national ID number: the alert reaches Redis, and the user sees a notice in
#    the session's language naming the document, the app, the rule and the guidance;
#  - a list of citizens' ID numbers, whose policy does not ask for a notice (the default): the
#    alert, and no notice.
# Screenshots of the screen with each notice are kept in the build tree
# (tests/notify-<language>.png) for a person to look at.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || skip "needs root to load BPF programs"
[ -r /sys/kernel/btf/vmlinux ] || skip "kernel without BTF"
for tool in Xvfb dunst dunstctl dbus-run-session import; do
	command -v "$tool" >/dev/null || fail "$tool is not installed (scripts/install-deps.sh)"
done
NOTIFY=$RAQIB_BUILD_DIR/notify/raqib-notify
SHOTS=$RAQIB_BUILD_DIR/tests
mkdir -p "$TMP/rules" "$TMP/bin" "$TMP/docs"
cp /bin/cat "$TMP/bin/whatsapp-for-linux"
cat >"$TMP/rules/notice.yml" <<'YML'
pack: {name: notice, version: 1, description: the awareness notice for personal data}
settings:
  notice_guidance: "https://intranet.commune.example.ma/circulaire-2019"
rules:
  - id: policy.read.personal_data
    override: true
    notify: true
YML
printf 'Attestation pour Mme Demo\nTitulaire de la CIN n\xc2\xb0 BK734021\n' >"$TMP/docs/attestation-ar.txt"
cp "$TMP/docs/attestation-ar.txt" "$TMP/docs/attestation-fr.txt"
cp "$TMP/docs/attestation-ar.txt" "$TMP/docs/attestation-en.txt"
{
	printf 'Nom\tCIN\n'
	for c in BK734021 JA501287 AB123456 CD654321 EE112233; do
		printf 'Demo\t%s\n' "$c"
	done
} >"$TMP/docs/liste.txt"

start_redis
export RAQIB_RULES=$TMP/rules # layered on the built-in packs
start_agent_run e2e-notify --notify-socket "$TMP/notify.sock" --upload-window 1
Xvfb -displayfd 3 -screen 0 1024x500x24 -nolisten tcp 3>"$TMP/display" 2>"$TMP/xvfb.log" &
track $!
wait_for '[ -s "$TMP/display" ]' 10
export DISPLAY=:$(cat "$TMP/display")
cat >"$TMP/dunstrc" <<'CFG'
[global]
    width = 700
    height = 400
    origin = top-right
    offset = 10x10
    font = "Noto Naskh Arabic, DejaVu Sans 12"
    markup = full
    format = "<b>%s</b>\n%b"
    history_length = 20
    show_indicators = no
[urgency_critical]
    background = "#7a1f1f"
    foreground = "#ffffff"
    timeout = 0
CFG

alerts_for() { # file
	stream_alerts | grep -c "\"path\":\"$1\"" || true
}

# One desktop session: dunst and raqib-notify in LANGUAGE's session bus; the app opens FILE
# (and first, with a second argument, a file whose policy asks for no notice); the notices
# shown end in $TMP/history-LANG.json, the screen in $SHOTS/notify-LANG.png.
session() { # LANG FILE [QUIET_FILE]
	cat >"$TMP/session.sh" <<SH
dunst -config "$TMP/dunstrc" >"$TMP/dunst-$1.log" 2>&1 &
# owned by this dunst (asking dunstctl first would start another one, with its default look)
for _ in \$(seq 50); do
	dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \\
		org.freedesktop.DBus.NameHasOwner string:org.freedesktop.Notifications 2>/dev/null |
		grep -q 'boolean true' && break
	sleep 0.1
done
LANG=$1 "$NOTIFY" --socket "$TMP/notify.sock" >"$TMP/notify-$1.log" 2>&1 &
touch "$TMP/session-ready"
for _ in \$(seq 100); do [ "\$(dunstctl count displayed)" -ge 1 ] && break; [ -e "$TMP/session-done" ] && break; sleep 0.1; done
sleep 0.5
import -window root "$SHOTS/notify-$1.png"
dunstctl close-all
sleep 0.3
dunstctl history >"$TMP/history-$1.json"
kill %2 %1
SH
	rm -f "$TMP/session-ready" "$TMP/session-done"
	dbus-run-session -- bash "$TMP/session.sh" 2>>"$TMP/dbus.log" &
	local session=$!
	wait_for '[ -e "$TMP/session-ready" ]' 10
	wait_for "grep -q 'connected to' '$TMP/notify-$1.log'" 10
	if [ -n "${3:-}" ]; then
		"$TMP/bin/whatsapp-for-linux" "$3" >/dev/null
		wait_for "[ \$(alerts_for '$3') -ge 1 ]" 20
		sleep 1 # a notice would have come by now
	fi
	"$TMP/bin/whatsapp-for-linux" "$2" >/dev/null
	wait_for "[ \$(alerts_for '$2') -ge 1 ]" 20
	wait "$session"
	[ -s "$TMP/history-$1.json" ] || fail "no notification history for $1: $(cat "$TMP/dunst-$1.log" "$TMP/notify-$1.log")"
}
notice() { # LANG FIELD: the notice's summary or body
	jq -r ".data[0] | map(select(.appname.data == \"raqib\")) | .[0].$2.data // empty" "$TMP/history-$1.json"
}
count() { # LANG
	jq ".data[0] | map(select(.appname.data == \"raqib\")) | length" "$TMP/history-$1.json"
}

session ar_MA.UTF-8 "$TMP/docs/attestation-ar.txt"
session fr_FR.UTF-8 "$TMP/docs/attestation-fr.txt"
session en_US.UTF-8 "$TMP/docs/attestation-en.txt" "$TMP/docs/liste.txt"

# one notice per session: the bulk list (its policy asks for none) raised an alert, no notice
for l in ar_MA.UTF-8 fr_FR.UTF-8 en_US.UTF-8; do
	[ "$(count $l)" = 1 ] || fail "$l: expected exactly one notice, got $(count $l): $(cat "$TMP/history-$l.json")"
done
[ "$(alerts_for "$TMP/docs/liste.txt")" = 1 ] || fail "no alert for the list"
stream_alerts | jq -c "select(.file.path == \"$TMP/docs/attestation-fr.txt\")" >"$TMP/alert.json"
assert_jq '.rule.id == "policy.read.personal_data" and .event.kind == "alert" and .raqib.app == "WhatsApp"' <"$TMP/alert.json"

[ "$(notice ar_MA.UTF-8 summary)" = "وثيقة محمية فتحها WhatsApp" ] || fail "Arabic title: $(notice ar_MA.UTF-8 summary)"
notice ar_MA.UTF-8 body | grep -q "فتح WhatsApp الوثيقة «attestation-ar.txt»" || fail "Arabic text: $(notice ar_MA.UTF-8 body)"
[ "$(notice fr_FR.UTF-8 summary)" = "Document protégé ouvert par WhatsApp" ] || fail "French title: $(notice fr_FR.UTF-8 summary)"
notice fr_FR.UTF-8 body | grep -q "WhatsApp a ouvert « attestation-fr.txt » (règle : Sensitive file opened by a messaging app)" ||
	fail "French text: $(notice fr_FR.UTF-8 body)"
notice fr_FR.UTF-8 body | grep -q "Voir : https://intranet.commune.example.ma/circulaire-2019" || fail "no guidance: $(notice fr_FR.UTF-8 body)"
notice en_US.UTF-8 body | grep -q "WhatsApp opened “attestation-en.txt”" || fail "English text: $(notice en_US.UTF-8 body)"
[ "$(agent_hb e2e-notify notice.sent)" -ge 2 ] || fail "heartbeat: notice.sent $(agent_hb e2e-notify notice.sent)"
for l in ar_MA.UTF-8 fr_FR.UTF-8 en_US.UTF-8; do
	[ -s "$SHOTS/notify-$l.png" ] || fail "no screenshot for $l"
done
kill -TERM "$AGENT_PID"
wait "$AGENT_PID" || fail "agent exited with an error: $(tail -3 "$TMP/agent.err")"
[ ! -e "$TMP/notify.sock" ] || fail "the agent left its notice socket behind"
echo "PASS (screenshots: $SHOTS/notify-*.png)"
