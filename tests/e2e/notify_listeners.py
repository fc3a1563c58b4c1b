#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Local receivers for e2e.notify: a webhook (HTTP POST; answers 500 to the first request, to
make the collector retry, then 200) and syslog over UDP and TCP. Each request or message is
appended to a file in OUTDIR as one JSON line: webhook.jsonl, syslog-udp.txt, syslog-tcp.txt.

    notify_listeners.py OUTDIR HTTP_PORT UDP_PORT TCP_PORT
"""
import http.server
import json
import os
import socketserver
import sys
import threading

OUT, HTTP_PORT, UDP_PORT, TCP_PORT = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
lock = threading.Lock()
seen = {"n": 0}


def append(name, text):
    with lock, open(os.path.join(OUT, name), "a", encoding="utf-8") as f:
        f.write(text + "\n")


class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
        with lock:
            seen["n"] += 1
            n = seen["n"]
        append("webhook.jsonl", json.dumps({"n": n, "signature": self.headers.get("X-Raqib-Signature"),
                                            "type": self.headers.get("Content-Type"), "body": body}))
        self.send_response(500 if n == 1 else 200)
        self.end_headers()

    def log_message(self, *args):
        pass


class Udp(socketserver.BaseRequestHandler):
    def handle(self):
        append("syslog-udp.txt", self.request[0].decode())


class Tcp(socketserver.StreamRequestHandler):
    def handle(self):
        while True:
            length = b""
            while not length.endswith(b" "):
                c = self.rfile.read(1)
                if not c:
                    return
                length += c
            msg = self.rfile.read(int(length))
            append("syslog-tcp.txt", length.decode() + msg.decode())


servers = [
    http.server.ThreadingHTTPServer(("127.0.0.1", HTTP_PORT), Hook),
    socketserver.UDPServer(("127.0.0.1", UDP_PORT), Udp),
    socketserver.ThreadingTCPServer(("127.0.0.1", TCP_PORT), Tcp),
]
for s in servers:
    threading.Thread(target=s.serve_forever, daemon=True).start()
append("ready", "ok")
threading.Event().wait()
