#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Stand-in web services for the real-browser tests: one HTTPS server answering under every
service name the test maps to it (Chromium's --host-resolver-rules), so that the TLS server name
is the real service's while the traffic stays in the test's network namespace.

  server.py ADDRESS PORT CERT KEY PAGE LOG

GET of any path returns PAGE (the stand-in web client, which picks its upload pattern from the
host name it was loaded from). OPTIONS answers CORS preflights. POST and PUT bodies are read
whole and dropped; each request is logged to LOG as one JSON line: host, method, path, bytes.
"""
import http.server
import json
import ssl
import sys
import threading


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    lock = threading.Lock()

    def log_message(self, fmt, *args):  # quiet: the JSON log is what tests read
        pass

    def cors(self):
        self.send_header("Access-Control-Allow-Origin", self.headers.get("Origin") or "*")
        self.send_header("Access-Control-Allow-Methods", "GET, POST, PUT, OPTIONS")
        self.send_header("Access-Control-Allow-Headers",
                         self.headers.get("Access-Control-Request-Headers") or "*")
        self.send_header("Access-Control-Expose-Headers", "*")

    def reply(self, code, body, ctype):
        self.send_response(code)
        self.cors()
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            n = 0
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    return n
                self.rfile.read(size)
                self.rfile.readline()
                n += size
        length = int(self.headers.get("Content-Length") or 0)
        left = length
        while left > 0:
            chunk = self.rfile.read(min(left, 1 << 16))
            if not chunk:
                break
            left -= len(chunk)
        return length - left

    def record(self, n):
        line = json.dumps({"host": self.headers.get("Host", ""), "method": self.command,
                           "path": self.path, "bytes": n})
        with self.lock, open(self.server.log_path, "a") as f:
            f.write(line + "\n")

    def do_GET(self):
        self.reply(200, self.server.page, "text/html; charset=utf-8")

    def do_OPTIONS(self):
        self.send_response(204)
        self.cors()
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self):
        n = self.read_body()
        self.record(n)
        if "upload.php" in self.path:  # a form's target: a page
            self.reply(200, b"<html><body>sent</body></html>", "text/html")
        else:
            self.reply(200, b'{"ok":true}', "application/json")

    do_PUT = do_POST


def main():
    address, port, cert, key, page, log = sys.argv[1:7]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    httpd = http.server.ThreadingHTTPServer((address, int(port)), Handler)
    httpd.daemon_threads = True
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    with open(page, "rb") as f:
        httpd.page = f.read()
    httpd.log_path = log
    httpd.serve_forever()


if __name__ == "__main__":
    main()
