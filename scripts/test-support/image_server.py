#!/usr/bin/env python3
"""A small image server for the end-to-end tests, on 127.0.0.1 only. Serves the files of a folder
with an ETag (their sha256) and answers If-None-Match with 304; /missing.png is 404, /big.png
announces 25 MB, /redirect/N redirects N times before /good.png. Every request is appended to
requests.log in the folder as "METHOD PATH STATUS". Writes its port to FOLDER/port, then serves until killed.

usage: image_server.py FOLDER
"""
import hashlib
import http.server
import os
import sys

FOLDER = sys.argv[1]


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def record(self, status):
        with open(os.path.join(FOLDER, "requests.log"), "a") as log:
            log.write(f"{self.command} {self.path} {status}\n")

    def answer(self, status, body=b"", headers=None):
        self.record(status)
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if "Content-Length" not in (headers or {}):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def do_GET(self):
        if self.path.startswith("/redirect/"):
            n = int(self.path.rsplit("/", 1)[1])
            target = "/good.png" if n <= 0 else f"/redirect/{n - 1}"
            return self.answer(302, headers={"Location": target})
        if self.path == "/big.png":
            self.record(200)
            self.send_response(200)
            self.send_header("Content-Length", str(25 * 1024 * 1024))
            self.end_headers()
            self.wfile.write(b"\x89PNG\r\n\x1a\n" + b"\0" * 65536)
            return
        path = os.path.join(FOLDER, os.path.basename(self.path))
        if not os.path.isfile(path):
            return self.answer(404, b"not found")
        body = open(path, "rb").read()
        etag = '"' + hashlib.sha256(body).hexdigest() + '"'
        if self.headers.get("If-None-Match") == etag:
            return self.answer(304, headers={"ETag": etag, "Content-Length": "0"})
        self.answer(200, body, {"ETag": etag, "Content-Type": "image/png"})


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(os.path.join(FOLDER, "port.tmp"), "w") as f:
    f.write(str(server.server_address[1]))
os.rename(os.path.join(FOLDER, "port.tmp"), os.path.join(FOLDER, "port"))
server.serve_forever()
