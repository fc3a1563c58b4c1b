#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# End to end, sanctioned channels on the live path: raqib-agent run (real BPF programs, and
# packet capture on the loopback of a private network namespace) with the administration's
# channels allowed by an exception pack on top of the built-in packs. The same synthetic
# official letter (CONFIDENTIAL, two CINs; 20 kB, so that an upload's TLS overhead stays within
# WhatsApp's tolerance in the app catalog) is
#  - mailed (SMTP) to the ministry's domain alone: an allowed event, not an alert;
#  - mailed to the ministry and a gmail.com address: an alert;
#  - sent through WhatsApp (a stand-in client named like the app, uploading over TLS): an alert
#    naming WhatsApp, never an allowed event.
# Needs root (BPF, network namespaces, capture).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns_one.sh"

[ "$(id -u)" = 0 ] || skip "needs root to load BPF programs and create network namespaces"
[ -r /sys/kernel/btf/vmlinux ] || skip "kernel without BTF"
CLIENT=$RAQIB_BUILD_DIR/tests/tls_upload
[ -x "$CLIENT" ] || fail "test client not built: $CLIENT"
one_netns_setup

mkdir -p "$TMP/bin" "$TMP/docs"
cp "$CLIENT" "$TMP/bin/whatsapp-for-linux"
{
	printf 'ROYAUME DU MAROC\nMINISTERE DE L%sINTERIEUR\nProvince de Demo\nCONFIDENTIEL\n' "'"
	printf 'N° 123/2026\nObjet : liste des bénéficiaires\nRabat, le 12 mars 2026\n'
	printf 'Monsieur le Gouverneur,\nMme Demo, titulaire de la CIN n° BK734021, et M. Demo, CIN JA501287.\n'
	for i in $(seq 250); do
		printf 'Paragraphe %d du rapport sur le programme communal, sans donnée personnelle.\n' "$i"
	done
} >"$TMP/docs/courrier.txt"

one_netns_redis

# a TLS server for the WhatsApp stand-in
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
	-subj /CN=raqib-test -keyout "$TMP/key.pem" -out "$TMP/cert.pem" 2>/dev/null ||
	fail "cannot make a test certificate"
ip netns exec "$NS" sh -c "tail -f /dev/null | exec openssl s_server -accept 127.0.0.1:4433 -cert '$TMP/cert.pem' -key '$TMP/key.pem' -quiet >/dev/null 2>&1" &
track $!
wait_for 'nsx ss -Htln "sport = :4433" | grep -q .' 10

ip netns exec "$NS" "$AGENT" --redis 127.0.0.1:$REDIS_PORT --agent-id e2e-sanct-run \
	--rules "$DATA/sanctioned/secure-channels.yml" run --ready-file "$TMP/ready" \
	--upload-window 3 --interface lo --capture-filter 'tcp port 2525' 2>"$TMP/agent.err" &
AGENT_PID=$!
track $AGENT_PID
wait_agent_ready

# two mails through a local SMTP server (the servers of the recorded captures)
nsx python3 - "$RAQIB_SOURCE_DIR/tests/data/cleartext" "$TMP/docs/courrier.txt" <<'PY' || fail "mails not sent"
import smtplib, sys, time
sys.path.insert(0, sys.argv[1])
import make_captures as base
from email.message import EmailMessage
srv = base.serve(base.Smtp, 2525)
letter = open(sys.argv[2], "rb").read()
for to in (["courrier@interieur.gov.ma"], ["courrier@interieur.gov.ma", "ami.demo@gmail.com"]):
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = "bureau-ordre@commune.example.ma", ", ".join(to), "Courrier"
    m.set_content("Ci-joint le courrier.\n")
    m.add_attachment(letter.decode(), subtype="plain", cte="base64", filename="courrier.txt")
    with smtplib.SMTP("127.0.0.1", 2525) as c:
        c.send_message(m, to_addrs=to)
time.sleep(0.3)
srv.shutdown()
PY
# the same letter through WhatsApp (the client opens it once its handshake is done, as an app
# attaching a file to a chat it has open)
nsx "$TMP/bin/whatsapp-for-linux" --wait-ms 500 --send "$TMP/docs/courrier.txt" 127.0.0.1 4433 ||
	fail "the WhatsApp stand-in failed"

wait_for '[ "$(stream_alert_count)" -ge 3 ]' 30
sleep 1 # anything else that would come (nothing should)
kill -TERM $AGENT_PID
wait $AGENT_PID || fail "agent exited with an error ($?): $(tail -5 "$TMP/agent.err")"
stream_alerts >"$TMP/all.json" || true
jq -c 'select(.network.protocol == "smtp")' "$TMP/all.json" >"$TMP/smtp.json"
jq -c "select(.file.path == \"$TMP/docs/courrier.txt\")" "$TMP/all.json" >"$TMP/whatsapp.json"

[ "$(wc -l <"$TMP/smtp.json")" = 2 ] || fail "expected 2 records of mails: $(cat "$TMP/all.json")"
assert_jq -s 'map(select(.event.kind == "event" and .raqib.allowed_by == "exception.secure-mail")) | length == 1' <"$TMP/smtp.json"
assert_jq -s 'map(select(.event.kind == "alert" and .rule.id == "policy.network.classified")) | length == 1' <"$TMP/smtp.json"
[ "$(wc -l <"$TMP/whatsapp.json")" = 1 ] || fail "expected one alert for WhatsApp: $(cat "$TMP/all.json")"
# an upload alert, or a read alert when the upload's bytes were not matched to the file (the
# correlator's business, not the policy's): an alert either way, never an allowed event
assert_jq '.event.kind == "alert" and .raqib.app == "WhatsApp" and (.rule.id | test("^policy[.](upload|read)[.]classified$"))' <"$TMP/whatsapp.json"
assert_jq '(.raqib | has("allowed_by") | not) and .raqib.document.official' <"$TMP/whatsapp.json"
[ "$(agent_hb e2e-sanct-run rules.allowed.exception.secure-mail)" = 1 ] ||
	fail "heartbeat: $(agent_hb e2e-sanct-run rules.allowed.exception.secure-mail)"
echo "PASS"
