#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A scripted HTTP server for tests/unit/test_http.c (http/http.c).

Usage: http_server.py PORTFILE. Binds 127.0.0.1 on a port the OS
chooses, writes it to PORTFILE, and answers until killed (or for 120 s
at most). Each path is a script; the last path segment is a name the
test chooses, so that every case has its own hit count:

  /ok/N        200, a body and the headers http.c parses, plus X-Extra
  /etag/N      304 when If-None-Match is "v1" (quoted), else 200 with it
  /echo/N      200, the request's headers as "name: value" lines
  /flakyecho/N 500 once, then as /echo
  /ra/N        429 with Retry-After: 1 on the first hit, then 200
  /radate/N    429 with Retry-After an HTTP date 2 s ahead, then 200
  /rabig/N     429 with Retry-After: 3600 (always)
  /ra503/N     503 with Retry-After: 10 (always)
  /flaky/N     500 twice, then 200
  /down/N      500 (always)
  /notimpl/N   501 (always)
  /stall/N     the first hit waits 4 s before answering, then 200
  /big/N       200 with 100,000 bytes and their Content-Length
  /bigstream/N 200 with 1 MB and no Content-Length (Connection: close)
  /hits/P      the hit count of path /P, as text
"""
import collections
import email.utils
import http.server
import os
import sys
import threading
import time

hits = collections.Counter()
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body=b"", headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and status != 304:
            self.wfile.write(body)

    def script(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        path = self.path.split("?")[0]
        kind = path.strip("/").split("/")[0]
        with lock:
            hits[path] += 1
            hit = hits[path]
        if kind == "hits":
            with lock:
                count = hits[path[len("/hits"):]]
            return self.answer(200, str(count).encode())
        if kind == "ok":
            return self.answer(200, b"hello, argo\n", [
                ("ETag", '"v1"'), ("Last-Modified", "Wed, 21 Oct 2015 07:28:00 GMT"),
                ("Content-Type", "text/csv; charset=utf-8"), ("X-RateLimit-Limit", "200"),
                ("X-RateLimit-Remaining", "199"), ("X-RateLimit-Reset", "1700000000"),
                ("X-Extra", "  spaced value  ")])
        if kind == "etag":
            if self.headers.get("If-None-Match") == '"v1"':
                return self.answer(304, headers=[("ETag", '"v1"')])
            return self.answer(200, b"fresh\n", [("ETag", '"v1"')])
        if kind == "echo" or (kind == "flakyecho" and hit > 1):
            text = "".join(f"{k}: {v}\n" for k, v in self.headers.items())
            return self.answer(200, text.encode(), [("Content-Type", "text/plain")])
        if kind == "flakyecho":
            return self.answer(500, b"once")
        if kind == "ra":
            if hit == 1:
                return self.answer(429, b"slow down", [("Retry-After", "1")])
            return self.answer(200, b"after the wait")
        if kind == "radate":
            if hit == 1:
                when = email.utils.formatdate(time.time() + 2, usegmt=True)
                return self.answer(429, b"slow down", [("Retry-After", when)])
            return self.answer(200, b"after the date")
        if kind == "rabig":
            return self.answer(429, b"come back in an hour", [("Retry-After", "3600")])
        if kind == "ra503":
            return self.answer(503, b"busy", [("Retry-After", "10")])
        if kind == "flaky":
            if hit <= 2:
                return self.answer(500, b"oops")
            return self.answer(200, b"third time lucky")
        if kind == "down":
            return self.answer(500, b"down")
        if kind == "notimpl":
            return self.answer(501, b"no such thing")
        if kind == "stall":
            if hit == 1:
                time.sleep(4)
            return self.answer(200, b"awake")
        if kind == "big":
            return self.answer(200, b"x" * 100000)
        if kind == "bigstream":
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            for _ in range(100):
                self.wfile.write(b"y" * 10000)
            return None
        return self.answer(404, b"no script")

    def handle_safely(self):
        try:
            self.script()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up on this answer (stall, cap)

    do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = handle_safely


def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    tmp = sys.argv[1] + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(tmp, sys.argv[1])
    threading.Timer(120, os._exit, args=(0,)).start()  # never outlives a hung test
    server.serve_forever()


if __name__ == "__main__":
    main()
