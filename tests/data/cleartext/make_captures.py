#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Records the synthetic cleartext uploads of tests/data/cleartext/ on the loopback interface:
an HTTP POST with a chunked, gzip-encoded body; a multipart/form-data upload of two files; an
SMTP mail with a base64 attachment and a quoted-printable text part; FTP STOR in passive and
active mode. Every document is synthetic (../demo/beneficiaires.txt). Needs root (tcpdump).
Usage: make_captures.py OUTDIR"""
import base64, gzip, os, socket, socketserver, subprocess, sys, threading, time, ftplib, smtplib
from email.message import EmailMessage

OUT = sys.argv[1] if __name__ == "__main__" else None
DOC = open(os.path.join(os.path.dirname(__file__), "..", "demo", "beneficiaires.txt"), "rb").read()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def record(name, port_filter, action, out=None):
    path = os.path.join(out or OUT, name)
    tcpdump = subprocess.Popen(["tcpdump", "-U", "-i", "lo", "-s", "0", "-w", path, port_filter],
                               stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    try:
        action()
        time.sleep(1.5)
    finally:
        tcpdump.send_signal(2)
        tcpdump.wait()


class Sink(socketserver.BaseRequestHandler):
    """HTTP: reads one request (headers, then chunked or Content-Length body), answers 200."""

    def handle(self):
        data = b""
        while b"\r\n\r\n" not in data:
            data += self.request.recv(65536)
        head, body = data.split(b"\r\n\r\n", 1)
        if b"chunked" in head.lower():
            while not body.endswith(b"0\r\n\r\n"):
                body += self.request.recv(65536)
        else:
            length = int([l for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")][0].split(b":")[1])
            while len(body) < length:
                body += self.request.recv(65536)
        self.request.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")


def serve(handler, port):
    srv = socketserver.ThreadingTCPServer(("127.0.0.1", port), handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def http_chunked_gzip():
    port = free_port()
    srv = serve(Sink, port)
    body = gzip.compress(DOC)
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"POST /api/import HTTP/1.1\r\nHost: upload.example.test\r\n"
              b"Content-Type: text/plain\r\nContent-Encoding: gzip\r\n"
              b"Content-Disposition: attachment; filename=\"beneficiaires.txt\"\r\n"
              b"Transfer-Encoding: chunked\r\n\r\n")
    # chunks of 100 bytes, each in its own segment
    for i in range(0, len(body), 100):
        chunk = body[i:i + 100]
        s.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
        time.sleep(0.01)
    s.sendall(b"0\r\n\r\n")
    s.recv(100)
    s.close()
    srv.shutdown()
    return port


def http_multipart():
    port = free_port()
    srv = serve(Sink, port)
    boundary = b"----raqibBoundary7MA4YWxk"
    parts = (b"--" + boundary + b"\r\nContent-Disposition: form-data; name=\"comment\"\r\n\r\n"
             b"liste du mois\r\n--" + boundary +
             b"\r\nContent-Disposition: form-data; name=\"file\"; filename=\"liste-beneficiaires.txt\"\r\n"
             b"Content-Type: text/plain\r\n\r\n" + DOC + b"\r\n--" + boundary + b"--\r\n")
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"POST /upload HTTP/1.1\r\nHost: files.example.test\r\n"
              b"Content-Type: multipart/form-data; boundary=" + boundary +
              b"\r\nContent-Length: %d\r\n\r\n" % len(parts))
    for i in range(0, len(parts), 150):
        s.sendall(parts[i:i + 150])
        time.sleep(0.01)
    s.recv(100)
    s.close()
    srv.shutdown()
    return port


class Smtp(socketserver.StreamRequestHandler):
    def handle(self):
        self.wfile.write(b"220 mail.example.test ESMTP\r\n")
        data = False
        for line in self.rfile:
            if data:
                if line == b".\r\n":
                    data = False
                    self.wfile.write(b"250 queued\r\n")
                continue
            cmd = line[:4].upper()
            if cmd in (b"EHLO", b"HELO"):
                self.wfile.write(b"250-mail.example.test\r\n250 8BITMIME\r\n")
            elif cmd == b"DATA":
                data = True
                self.wfile.write(b"354 go ahead\r\n")
            elif cmd == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


def smtp_attachment():
    port = free_port()
    srv = serve(Smtp, port)
    msg = EmailMessage()
    msg["From"] = "agent@commune.example.test"
    msg["To"] = "contact@example.test"
    msg["Subject"] = "Liste"
    msg.set_content("Bonjour,\nci-joint la liste.\n.Ligne qui commence par un point.\n", cte="quoted-printable")
    # a text attachment (quoted-printable) and a binary one (base64) holding the same list
    msg.add_attachment(DOC.decode(), subtype="plain", cte="quoted-printable", filename="liste-cin.txt")
    msg.add_attachment(DOC, maintype="application", subtype="octet-stream", filename="annexe.bin")
    with smtplib.SMTP("127.0.0.1", port) as c:
        c.send_message(msg)
    srv.shutdown()
    return port


class Ftp(socketserver.StreamRequestHandler):
    """Just enough of RFC 959 for STOR in passive (PASV, EPSV) and active (PORT) mode."""

    def handle(self):
        self.wfile.write(b"220 ftp.example.test\r\n")
        pasv = None
        active = None
        for line in self.rfile:
            cmd, _, arg = line.decode().strip().partition(" ")
            cmd = cmd.upper()
            if cmd == "USER":
                self.wfile.write(b"331 password\r\n")
            elif cmd == "PASS":
                self.wfile.write(b"230 logged in\r\n")
            elif cmd in ("PASV", "EPSV"):
                pasv = socket.socket()
                pasv.bind(("127.0.0.1", 0))
                pasv.listen(1)
                p = pasv.getsockname()[1]
                if cmd == "PASV":
                    self.wfile.write(b"227 Entering Passive Mode (127,0,0,1,%d,%d).\r\n" % (p >> 8, p & 255))
                else:
                    self.wfile.write(b"229 Entering Extended Passive Mode (|||%d|)\r\n" % p)
            elif cmd == "PORT":
                n = [int(x) for x in arg.split(",")]
                active = ("%d.%d.%d.%d" % tuple(n[:4]), n[4] << 8 | n[5])
                self.wfile.write(b"200 PORT ok\r\n")
            elif cmd == "STOR":
                self.wfile.write(b"150 ok to send data\r\n")
                if pasv:
                    conn, _ = pasv.accept()
                else:
                    conn = socket.create_connection(active)
                while conn.recv(65536):
                    pass
                conn.close()
                pasv = None
                self.wfile.write(b"226 transfer complete\r\n")
            elif cmd == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"200 ok\r\n")


def ftp_stor(passive):
    port = free_port()
    srv = serve(Ftp, port)
    import io
    f = ftplib.FTP()
    f.connect("127.0.0.1", port)
    f.login("anonymous", "guest")
    f.set_pasv(passive)
    f.storbinary("STOR rapport-cnss.txt", io.BytesIO(DOC))
    f.quit()
    srv.shutdown()
    return port


if __name__ == "__main__":
    record("http-chunked-gzip.pcap", "tcp", http_chunked_gzip)
    record("http-multipart.pcap", "tcp", http_multipart)
    record("smtp-attachment.pcap", "tcp", smtp_attachment)
    record("ftp-passive.pcap", "tcp", lambda: ftp_stor(True))
    record("ftp-active.pcap", "tcp", lambda: ftp_stor(False))
