#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Records tests/data/sanctioned/channels.pcap on the loopback interface: the same synthetic
official letter (../extract/letter.docx: CONFIDENTIAL, two CINs, a RIB) sent four ways, to test
sanctioned channels (docs/rules.md):
  1. mailed (SMTP) to courrier@interieur.gov.ma alone          -> the secure mail: allowed;
  2. mailed to courrier@interieur.gov.ma and to a gmail.com address -> alerted;
  3. uploaded (HTTP multipart) to ged.interieur.gov.ma/depot/  -> the document system: allowed;
  4. uploaded to transfert.example.com/upload                   -> alerted.
Servers and clients are Python's, on 127.0.0.1; the HTTP Host header names the server. Needs
root (tcpdump). Usage: make_captures.py OUTDIR"""
import os, smtplib, socket, subprocess, sys, time
from email.message import EmailMessage

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "cleartext"))
import make_captures as base  # noqa: E402  (its servers: Sink, Smtp, serve, free_port)

HERE = os.path.dirname(__file__)
LETTER = open(os.path.join(HERE, "..", "extract", "letter.docx"), "rb").read()
DOCX = "vnd.openxmlformats-officedocument.wordprocessingml.document"


def mail(port, recipients):
    msg = EmailMessage()
    msg["From"] = "bureau-ordre@commune.example.ma"
    msg["To"] = ", ".join(recipients)
    msg["Subject"] = "Courrier"
    msg.set_content("Veuillez trouver ci-joint le courrier.\n")
    msg.add_attachment(LETTER, maintype="application", subtype=DOCX, filename="courrier.docx")
    with smtplib.SMTP("127.0.0.1", port) as c:
        c.send_message(msg, to_addrs=recipients)


def upload(port, host, path):
    boundary = b"----raqibSanctioned42"
    body = (b"--" + boundary + b"\r\nContent-Disposition: form-data; name=\"fichier\"; "
            b"filename=\"courrier.docx\"\r\nContent-Type: application/" + DOCX.encode() +
            b"\r\n\r\n" + LETTER + b"\r\n--" + boundary + b"--\r\n")
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"POST " + path.encode() + b" HTTP/1.1\r\nHost: " + host.encode() +
              b"\r\nContent-Type: multipart/form-data; boundary=" + boundary +
              b"\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    s.recv(100)
    s.close()


def all_four():
    smtp = base.serve(base.Smtp, base.free_port())
    http = base.serve(base.Sink, base.free_port())
    smtp_port, http_port = smtp.server_address[1], http.server_address[1]
    mail(smtp_port, ["courrier@interieur.gov.ma"])
    mail(smtp_port, ["courrier@interieur.gov.ma", "ami.demo@gmail.com"])
    upload(http_port, "ged.interieur.gov.ma", "/depot/courrier?session=42")
    upload(http_port, "transfert.example.com", "/upload")
    time.sleep(0.5)
    smtp.shutdown()
    http.shutdown()


if __name__ == "__main__":
    base.record("channels.pcap", "tcp", all_four, out=sys.argv[1])
