#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""End-to-end tests of `argo serve` with real clients (http.client, curl,
raw sockets, openssl, promtool) against a real server on 127.0.0.1.

Usage: serve_test.py ARGO SOURCE_DIR WORK_DIR

Every server this starts is stopped when the test ends, also on failure.
Every JSON response received is recorded in WORK_DIR/exchanges.jsonl and
checked against the OpenAPI document by tests/api/openapi_check.py at
the end. Exit 0 when every check passed, 1 otherwise (one line each).

With ARGO_TEST_STORE_URL (a URL prefix ending in "schema=",
docs/TESTING.md) the stores are fresh PostgreSQL schemas instead of
SQLite files in WORK_DIR; what the test reads of a store it reads
through `argo signals --json`, so every check holds on both backends.
"""
import calendar
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

ARGO, SRC, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
PY = "/usr/bin/python3"
FAILS = []
SERVERS = []
EXCHANGES = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILS.append(what)
    return cond


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def run(*args, **kw):
    return subprocess.run([ARGO, *args], capture_output=True, text=True, timeout=120, **kw)


class Server:
    def __init__(self, conf, db, port=None, extra=()):
        self.port = port or free_port()
        self.proc = subprocess.Popen(
            [ARGO, "serve", "--config", conf, "--db", db, "--listen", "127.0.0.1:%d" % self.port,
             *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        SERVERS.append(self)
        self.line = ""
        deadline = time.time() + 30
        while time.time() < deadline:
            self.line = self.proc.stdout.readline()
            if self.line or self.proc.poll() is not None:
                break
        self.url = self.line.strip().rsplit(" ", 1)[-1] if self.line else ""

    def ready(self):
        return self.line.startswith("argo serve: listening on ")

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def request(port, method, path, key=None, body=None, headers=None, record=True, keyhdr="bearer"):
    h = dict(headers or {})
    if key:
        if keyhdr == "bearer":
            h["Authorization"] = "Bearer " + key
        else:
            h["X-API-Key"] = key
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    hdrs = {}
    for k, v in r.getheaders():
        hdrs[k] = hdrs[k] + ", " + v if k in hdrs else v
    c.close()
    text = data.decode("utf-8", "replace")
    if record and path.startswith("/api/v1/"):
        EXCHANGES.append({"method": method, "path": path, "status": r.status, "headers": hdrs,
                          "body": text if data else None})
    return r.status, hdrs, text


def hget(h, name):
    for k, v in h.items():
        if k.lower() == name.lower():
            return v
    return None


def make_key(db, role, name):
    r = run("keys", "add", "--role", role, "--name", name, "--db", db)
    m = re.search(r"argo_[A-Za-z0-9_-]{43}", r.stdout)
    if not check(r.returncode == 0 and m, "argo keys add --role %s prints a key" % role):
        print(r.stdout, r.stderr)
        sys.exit(1)
    return m.group(0)


def write_conf(path, **serve):
    with open(path, "w") as f:
        f.write("[serve]\n")
        for k, v in serve.items():
            f.write("%s = %s\n" % (k, v))


def metric(text, name):
    """The value of an unlabelled sample of /metrics, or None."""
    for l in text.splitlines():
        if l.startswith(name + " "):
            return float(l.split(" ")[1])
    return None


PG = os.environ.get("ARGO_TEST_STORE_URL", "").startswith(("postgres://", "postgresql://"))


def store_url(name):
    """The URL of a fresh store called name: a PostgreSQL schema under
    ARGO_TEST_STORE_URL when that is set, else a SQLite file in WORK."""
    prefix = os.environ.get("ARGO_TEST_STORE_URL")
    if prefix:
        return "%s%s_%d" % (prefix, name, os.getpid())
    return os.path.join(WORK, name + ".db")


def stored_signals(db):
    """Every stored signal, as `argo signals --json` lists them."""
    r = run("signals", "--json", "--db", db)
    if r.returncode != 0:
        return []
    doc = json.loads(r.stdout)
    return doc.get("signals", []) if isinstance(doc, dict) else doc


def day_start(date):
    return calendar.timegm(time.strptime(date[:10], "%Y-%m-%d"))


def stored_ece(db):
    """The ECE (10 equal-width bins) of the stored confidences against the
    outcomes (a win: net P&L > 0), over every resolved signal; None when
    none is resolved. Written from DESIGN.md's definitions, not argo's code."""
    rows = [(s["confidence"], s["pnl_pct"] > 0) for s in stored_signals(db)
            if s["status"] != "OPEN"]
    if not rows:
        return None
    bins = [[0, 0.0, 0.0] for _ in range(10)]
    for p, win in rows:
        p = min(max(p, 0.0), 1.0)
        b = bins[min(int(p * 10), 9)]
        b[0] += 1
        b[1] += p
        b[2] += win
    return sum(abs(b[1] / b[0] - b[2] / b[0]) * b[0] / len(rows) for b in bins if b[0])


def bars_lines(path):
    with open(path) as f:
        lines = f.read().splitlines()
    return lines[0], lines[1:]


def dashboard_routes(port, key, csv_path):
    """The routes the dashboard added (docs/DASHBOARD.md) on the
    reference store (MSFT replayed, every day backed up), and its files."""
    st, _, b = request(port, "GET", "/api/v1/backups?verify=false", key)
    every = json.loads(b)["days"] if st == 200 else []
    st, _, b = request(port, "GET", "/api/v1/backups?limit=3", key)
    doc = json.loads(b) if st == 200 else {}
    check(st == 200 and doc.get("total_days") == len(every) > 3
          and [d["date"] for d in doc["days"]] == [d["date"] for d in every[-3:]]
          and all(d["verified"] is True for d in doc["days"]),
          "backups?limit=3: the 3 newest of %d days, verified (%r)" % (len(every), doc))
    for bad in ("limit=0", "limit=10001", "limit=x"):
        st, _, _ = request(port, "GET", "/api/v1/backups?" + bad, key)
        check(st == 400, "backups?%s: 400 (%s)" % (bad, st))
    head, rows = bars_lines(csv_path)
    last_close = float(rows[-1].split(",")[head.split(",").index("close")])
    st, _, b = request(port, "GET", "/api/v1/symbols", key)
    syms = json.loads(b)["symbols"] if st == 200 else []
    check(len(syms) == 1 and syms[0]["last_close"] == last_close,
          "symbols: last_close is the CSV's last close %r (%r)" % (last_close, syms))
    st, _, b = request(port, "GET", "/api/v1/archive/cost?years=7", key)
    doc = json.loads(b) if st == 200 else {}
    months = doc.get("months", [])
    check(st == 200 and len(months) == 84
          and abs(sum(m["standard"] for m in months) - doc["total_standard"]) < 1e-9
          and abs(sum(m["tiered"] for m in months) - doc["total_tiered"]) < 1e-9,
          "archive/cost?years=7: 84 months that add up to the totals (%s)" % st)
    for bad in ("years=0", "years=101", "years=7&years=7", "bogus=1"):
        st, _, _ = request(port, "GET", "/api/v1/archive/cost?" + bad, key)
        check(st == 400, "archive/cost?%s: 400 (%s)" % (bad, st))
    st, _, b = request(port, "GET", "/api/v1/archive", key)
    check(st == 200 and json.loads(b).get("last_push", 1) is None,
          "archive: last_push null without [s3]")
    # the dashboard's files: no key, a strict CSP, ETag and 304
    st, h, b = request(port, "GET", "/")
    csp = hget(h, "Content-Security-Policy") or ""
    check(st == 200 and (hget(h, "Content-Type") or "").startswith("text/html")
          and "script-src 'self'" in csp and "default-src 'self'" in csp,
          "GET /: the page, no key needed, with a CSP (%s %r)" % (st, csp))
    tag = hget(h, "ETag")
    st, _, b = request(port, "GET", "/", headers={"If-None-Match": tag or "x"})
    check(st == 304 and not b, "GET / with its ETag: 304 (%s)" % st)
    st, h, b = request(port, "HEAD", "/")
    check(st == 200 and not b, "HEAD /: 200, no body")
    for path, want in (("/dashboard/app.js", 200), ("/dashboard/app.css", 200),
                       ("/dashboard/nope.js", 404), ("/dashboard/../argo.db", 404),
                       ("/dashboard/", 404), ("/index.html", 404)):
        st, h, _ = request(port, "GET", path)
        check(st == want, "GET %s: %d (%s)" % (path, want, st))
    st, h, _ = request(port, "POST", "/", body=b"x")
    check(st == 405 and hget(h, "Allow") == "GET, HEAD", "POST /: 405 with Allow (%s)" % st)


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    db = store_url("argo")
    conf = os.path.join(WORK, "argo.conf")
    inbox = os.path.join(WORK, "inbox")
    os.makedirs(inbox)

    # A reference store: the signals MSFT's full history makes (replay
    # walks history as the live loop does); the served store gets every
    # bar up to the last signal's bar, and that bar is posted through the
    # API: the live cycle must make the same signal.
    msft = os.path.join(SRC, "data/market/MSFT.csv")
    ref = store_url("ref")
    r = run("ingest", msft, "--db", ref)
    check(r.returncode == 0, "reference ingest")
    r = run("replay", "--db", ref)
    check(r.returncode == 0, "reference replay")
    r = run("signals", "--json", "--db", ref)
    ref_sigs = json.loads(r.stdout) if r.returncode == 0 else []
    if isinstance(ref_sigs, dict):
        ref_sigs = ref_sigs.get("signals", [])
    if not check(len(ref_sigs) > 0, "the reference makes signals on MSFT"):
        return
    last = max(ref_sigs, key=lambda s: s["ts"])
    head, rows = bars_lines(msft)
    day = str(last["ts"])[:10]
    cut = next(i for i, l in enumerate(rows) if l.startswith(day))
    os.makedirs(os.path.join(WORK, "cut"))
    before = os.path.join(WORK, "cut", "MSFT.csv")  # the file's name is the symbol
    with open(before, "w") as f:
        f.write("\n".join([head] + rows[:cut]) + "\n")
    posted = "\n".join([head, rows[cut]]) + "\n"
    r = run("ingest", before, "--db", db)
    check(r.returncode == 0, "served store: ingest up to the bar before the signal")
    r = run("generate", "--db", db)
    check(r.returncode == 0, "served store: generate (the strategy state up to that bar)")

    read_key = make_key(db, "read", "reader")
    read2_key = make_key(db, "read", "reader2")
    rate_key = make_key(db, "read", "rated")
    stream_key = make_key(db, "stream", "streamer")
    admin_key = make_key(db, "admin", "admin")

    write_conf(conf, idle_timeout_s=3, rate_limit=5, burst=30, connections_max=64, inbox=inbox,
               readers=2)
    srv = Server(conf, db)
    if not check(srv.ready(), "argo serve prints 'argo serve: listening on http://...': %r"
                 % srv.line):
        print(srv.proc.stderr.read() if srv.proc.poll() is not None else "")
        return
    check(srv.url == "http://127.0.0.1:%d" % srv.port, "the URL printed is the one asked for")
    port = srv.port

    # ---- auth and roles ----
    st, h, b = request(port, "GET", "/api/v1/signals")
    check(st == 401 and hget(h, "WWW-Authenticate"), "no key: 401 with WWW-Authenticate")
    st, h, b = request(port, "GET", "/api/v1/signals", key="argo_" + "x" * 43)
    check(st == 401, "a key that is not one: 401")
    st, h, b = request(port, "GET", "/api/v1/signals", key="not a key at all")
    check(st == 401, "garbage in Authorization: 401")
    st, h, b = request(port, "GET", "/api/v1/signals?limit=5", key=read_key)
    check(st == 200, "read key: 200 on GET /api/v1/signals")
    st, h, b = request(port, "GET", "/api/v1/signals?limit=5", key=read_key, keyhdr="x-api-key")
    check(st == 200, "read key in X-API-Key: 200")
    st, h, b = request(port, "POST", "/api/v1/admin/cycle", key=read_key, body=b"")
    check(st == 403, "read key on an admin route: 403")
    st, h, b = request(port, "GET", "/api/v1/signals", key=stream_key)
    check(st == 403, "stream key on REST: 403")
    st, h, b = request(port, "GET", "/health?level=1")
    check(st == 200, "/health level 1 without a key: 200")
    st, h, b = request(port, "GET", "/health?level=2")
    check(st == 401, "/health level 2 without a key: 401")
    st, h, b = request(port, "GET", "/health?level=2", key=read_key)
    check(st in (200, 503) and json.loads(b).get("level") == 2,
          "/health level 2 with a read key: a level-2 report (status %d)" % st)
    st, h, b = request(port, "GET", "/metrics")
    check(st == 401, "/metrics without a key when metrics_public = 0: 401")
    st, h, b = request(port, "GET", "/api/v1/version")
    check(st in (200, 401), "GET /api/v1/version answers (%d)" % st)

    # revoked key: still valid until SIGHUP reloads the keyring
    st, _, _ = request(port, "GET", "/api/v1/signals?limit=1", key=read2_key)
    check(st == 200, "second read key: 200 before it is revoked")
    r = run("keys", "revoke", "reader2", "--db", db)
    check(r.returncode == 0, "argo keys revoke beside argo serve")
    srv.proc.send_signal(signal.SIGHUP)
    st = None
    for _ in range(50):
        st, _, _ = request(port, "GET", "/api/v1/signals?limit=1", key=read2_key)
        if st == 401:
            break
        time.sleep(0.1)
    check(st == 401, "revoked key after SIGHUP: 401")
    st, _, _ = request(port, "GET", "/api/v1/signals?limit=1", key=read_key)
    check(st == 200, "the other keys still work after SIGHUP")

    # ---- rate limit ----
    got429 = None
    for i in range(200):
        st, h, b = request(port, "GET", "/api/v1/version", key=rate_key)
        if st == 429:
            got429 = (h, b)
            break
    check(got429 is not None, "past its burst a key gets 429")
    if got429:
        ra = hget(got429[0], "Retry-After")
        check(ra is not None and ra.isdigit() and int(ra) >= 1, "429 carries Retry-After: %s" % ra)
    st, _, _ = request(port, "GET", "/api/v1/signals?limit=1", key=read_key)
    check(st == 200, "another key is not limited by the first one's bucket")

    # ---- ETag / 304 ----
    st, h, b = request(port, "GET", "/api/v1/signals?limit=100", key=read_key)
    etag = hget(h, "ETag")
    check(st == 200 and etag, "GET signals has an ETag")
    check(hget(h, "Cache-Control") is not None, "GET signals states Cache-Control")
    st, h2, b2 = request(port, "GET", "/api/v1/signals?limit=100", key=read_key,
                         headers={"If-None-Match": etag or '"x"'})
    check(st == 304 and b2 == "", "If-None-Match with the ETag: 304 and no body")
    cp = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H",
                         "Authorization: Bearer " + read_key, "-H", "If-None-Match: " + (etag or ""),
                         "http://127.0.0.1:%d/api/v1/signals?limit=100" % port],
                        capture_output=True, text=True, timeout=30)
    check(cp.stdout == "304", "curl with If-None-Match: 304")

    # ---- posted bars make the signal, on REST and on the stream ----
    import asyncio
    import websockets
    ws_events = []
    ws_ready = threading.Event()

    def ws_client():
        async def go():
            async with websockets.connect("ws://127.0.0.1:%d/api/v1/stream" % port,
                                          extra_headers={"Authorization": "Bearer " + stream_key},
                                          open_timeout=10) as ws:
                await ws.send(json.dumps({"type": "subscribe", "resume_from": 0,
                                          "channels": ["signals", "bars", "health"]}))
                ws_ready.set()
                end = time.time() + 30
                while time.time() < end:
                    try:
                        m = json.loads(await asyncio.wait_for(ws.recv(), 1))
                    except asyncio.TimeoutError:
                        continue
                    if m.get("type") == "event":
                        ws_events.append(m)
                        if m.get("channel") == "signals":
                            return
        try:
            asyncio.run(go())
        except Exception as e:
            ws_events.append({"error": repr(e)})
        ws_ready.set()

    wst = threading.Thread(target=ws_client)
    wst.start()
    ws_ready.wait(15)
    st, h, b = request(port, "GET", "/api/v1/signals?symbol=MSFT&limit=1000", key=read_key)
    n_before = len(json.loads(b)["signals"]) if st == 200 else -1
    st, h, b = request(port, "POST", "/api/v1/admin/bars?symbol=MSFT", key=admin_key,
                       body=posted.encode(), headers={"Content-Type": "text/csv"})
    check(st == 200, "POST admin/bars (text/csv) with an admin key: 200 (%d %s)" % (st, b[:200]))
    st, h, b = request(port, "GET", "/api/v1/signals?symbol=MSFT&limit=1000", key=read_key)
    sigs = json.loads(b)["signals"] if st == 200 else []
    check(len(sigs) == n_before + 1, "one new signal after the posted bar (%d -> %d)"
          % (n_before, len(sigs)))
    check(any(s["ts"] == last["ts"] and s["action"] == last["action"] for s in sigs),
          "the new signal is the reference's (ts %s, %s)" % (last["ts"], last["action"]))
    wst.join(40)
    chans = [e.get("channel") for e in ws_events]
    seqs = [e.get("seq", 0) for e in ws_events]
    check("bars" in chans and "signals" in chans and seqs == sorted(seqs) and seqs[0] > 0,
          "a stream client got the posted bar's and the cycle's signal events, in seq order (%s)"
          % [(e.get("channel"), e.get("seq")) for e in ws_events][:6] + str(ws_events[-1:])[:200])
    health = [e for e in ws_events if e.get("channel") == "health"]
    check(health and health[0].get("data", {}).get("level") == 2,
          "the level-2 status at start was published as a health event (%s)"
          % str(health[:1])[:200])

    # ---- the inbox ----
    ttrc = os.path.join(SRC, "data/market/TTRC.csv")
    shutil.copy(ttrc, os.path.join(inbox, "TTRC.csv.part"))
    os.rename(os.path.join(inbox, "TTRC.csv.part"), os.path.join(inbox, "TTRC.csv"))
    with open(os.path.join(inbox, "BAD.csv"), "w") as f:
        f.write("date,open,high,low,close,volume\n2020-01-01,1,0.5,2,1,10\n")
    for name in ("TTRC.csv", "BAD.csv"):
        os.utime(os.path.join(inbox, name), (time.time() - 5, time.time() - 5))
    for _ in range(300):
        if os.path.exists(os.path.join(inbox, "done/TTRC.csv")) and \
           os.path.exists(os.path.join(inbox, "failed/BAD.csv")):
            break
        time.sleep(0.1)
    check(os.path.exists(os.path.join(inbox, "done/TTRC.csv")), "inbox: TTRC.csv moved to done/")
    check(os.path.exists(os.path.join(inbox, "failed/BAD.csv")) and
          os.path.getsize(os.path.join(inbox, "failed/BAD.csv.error")) > 0,
          "inbox: a bad file moved to failed/ with BAD.csv.error beside it")
    check(not os.path.exists(os.path.join(inbox, "TTRC.csv")), "inbox: nothing left behind")
    st, h, b = request(port, "GET", "/api/v1/symbols", key=read_key)
    check(st == 200 and "TTRC" in b, "inbox: TTRC's bars are in the store")

    # ---- a second argo serve on the same store ----
    if db.startswith("postgresql:"):
        # several servers share a PostgreSQL store (no serve hold):
        # tests/pg/multi_process.py checks what they publish
        p2 = subprocess.Popen([ARGO, "serve", "--config", conf, "--db", db, "--listen",
                               "127.0.0.1:%d" % free_port()], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
        line = p2.stdout.readline()
        p2.send_signal(signal.SIGTERM)
        try:
            p2.wait(30)
        except subprocess.TimeoutExpired:
            p2.kill()
            p2.wait()
        check(line.startswith("argo serve: listening on ") and p2.returncode == 0,
              "a second argo serve on the PostgreSQL store starts beside the first, and stops")
    else:
        r = subprocess.run([ARGO, "serve", "--config", conf, "--db", db, "--listen",
                            "127.0.0.1:%d" % free_port()], capture_output=True, text=True,
                           timeout=30)
        check(r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1 and
              r.stderr.startswith("argo serve: ") and "serve" in r.stderr[12:],
              "a second argo serve is refused with one line, exit 1: %r" % r.stderr.strip())

    # ---- bad input ----
    def raw(data, wait=5):
        s = socket.create_connection(("127.0.0.1", port), timeout=wait)
        try:
            s.sendall(data)
            out = b""
            while True:
                d = s.recv(65536)
                if not d:
                    break
                out += d
                if b"\r\n\r\n" in out:  # the head, and the body it announces
                    head, _, body = out.partition(b"\r\n\r\n")
                    m = re.search(rb"(?i)content-length: *(\d+)", head)
                    if len(body) >= (int(m.group(1)) if m else 0):
                        break
        except (socket.timeout, ConnectionResetError, BrokenPipeError):
            pass
        finally:
            s.close()
        return out

    out = raw(b"THIS IS NOT HTTP\r\n\r\n")
    check(out == b"" or re.match(rb"HTTP/1\.[01] 4\d\d", out),
          "malformed request line: a 4xx or a close (%r)" % out[:40])
    out = raw(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n")
    check(out == b"" or re.match(rb"HTTP/1\.[01] 431", out),
          "oversized headers: 431 or a close (%r)" % out[:40])
    out = raw(b"POST /api/v1/admin/bars?symbol=X HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
              + admin_key.encode() + b"\r\nContent-Type: text/csv\r\nContent-Length: 999999999"
              b"\r\n\r\nabc")
    check(re.match(rb"HTTP/1\.[01] 413", out) and b"larger than 16 MiB (16777216 bytes)" in out,
          "oversized body: 413 saying the limit (%r)" % out[-120:])
    st, h, b = request(port, "POST", "/api/v1/admin/bars", key=admin_key, body=b"{not json",
                       headers={"Content-Type": "application/json"})
    check(st == 400, "bad JSON: 400 (%d)" % st)
    st, h, b = request(port, "GET", "/api/v1/nothing/here", key=read_key)
    check(st == 404, "unknown route: 404")
    st, h, b = request(port, "DELETE", "/api/v1/signals", key=admin_key)
    check(st == 405 and hget(h, "Allow"), "unknown method on a route: 405 with Allow")
    st, h, b = request(port, "GET", "/health?level=1")
    check(st == 200, "the server still answers after the bad input")

    # a slow client sending a byte a second is cut (idle_timeout_s = 3)
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    req = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100 + b"\r\n\r\n"
    cut = False
    t0 = time.time()
    for i in range(len(req)):
        try:
            s.sendall(req[i:i + 1])
        except OSError:
            cut = True
            break
        time.sleep(1)
        if time.time() - t0 > 30:
            break
    s.close()
    check(cut, "a client sending a byte a second is cut (after %.0f s; idle timeout 3 s)"
          % (time.time() - t0))

    # a flood of connections past connections_max = 64
    socks = []
    for i in range(400):
        try:
            socks.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        except OSError:
            break
    for s in socks[::2]:
        try:
            s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
        except OSError:
            pass
    for s in socks:
        s.close()
    ok = False
    for _ in range(100):
        try:
            st, _, _ = request(port, "GET", "/health?level=1")
            ok = st == 200
            break
        except OSError:
            time.sleep(0.2)
    check(srv.proc.poll() is None and ok,
          "after a flood of %d connections (limit 64) the server is alive and answers"
          % len(socks))

    # ---- /metrics ----
    st, h, b = request(port, "GET", "/metrics", key=read_key)
    check(st == 200 and hget(h, "Content-Type").startswith("text/plain"), "/metrics with a key")
    if shutil.which("promtool"):
        p = subprocess.run(["promtool", "check", "metrics"], input=b, capture_output=True,
                           text=True, timeout=60)
        check(p.returncode == 0, "promtool check metrics on the live /metrics: %s"
              % (p.stdout + p.stderr).strip()[:300])
    series = [l.split(" ")[0] if "}" not in l else l[:l.rindex("}") + 1]
              for l in b.splitlines() if l and not l.startswith("#")]
    dups = {x for x in series if series.count(x) > 1}
    check(not dups, "no duplicate series in /metrics (%s)" % sorted(dups)[:3])
    check('route="/api/v1/signals"' in b and 'status="200"' in b,
          "/metrics counts the requests by route and status")
    check("argo_cycle" in b, "/metrics has the cycle metrics")
    got, want = metric(b, "argo_calibration_ece"), stored_ece(db)
    check(got == want or (got is not None and want is not None and abs(got - want) < 1e-12),
          "argo_calibration_ece is the served store's as-stored ECE (%r, %r)" % (got, want))

    # ---- a WebSocket upgrade anywhere but /api/v1/stream: 404 ----
    for path in ("/api/v1/signals", "/nothing"):
        out = raw(("GET %s HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                   "Authorization: Bearer %s\r\n\r\n" % (path, stream_key)).encode())
        check(re.match(rb"HTTP/1\.[01] 404", out), "a WebSocket upgrade of %s: 404 (%r)"
              % (path, out[:40]))

    # ---- the gauges of a store with outcomes and backups (MSFT replayed) ----
    r = run("backup", "--all", "--db", ref, cwd=WORK)
    check(r.returncode == 0, "reference backup --all")
    pconf = os.path.join(WORK, "public.conf")
    with open(pconf, "w") as f:
        f.write("[serve]\nmetrics_public = 1\n[archive]\ndir = %s\n" % os.path.join(WORK, "backups"))
    dash_key = make_key(ref, "read", "dash")
    ps = Server(pconf, ref)
    if check(ps.ready(), "argo serve on the reference store"):
        st, h, pb = request(ps.port, "GET", "/metrics")
        want = stored_ece(ref)
        got = metric(pb, "argo_calibration_ece")
        check(st == 200 and want is not None and got is not None and abs(got - want) < 1e-12,
              "argo_calibration_ece on the reference store: %r, the stored confidences give %r"
              % (got, want))
        newest = max(max(day_start(s["ts"]), day_start(s["exit_ts"]) if s.get("exit_ts") else 0)
                     for s in stored_signals(ref))
        age = metric(pb, "argo_backup_age_seconds")
        check(age is not None and abs(age - (time.time() - newest - 86400)) < 120,
              "argo_backup_age_seconds: since the end of the newest backed-up day (%r)" % age)
        dashboard_routes(ps.port, dash_key, msft)
    ps.stop()

    # ---- SIGTERM while the writer runs a job ----
    # 40 synthetic symbols dropped in the inbox: one writer job ingests
    # each and runs a cycle after each. SIGTERM once the first is done:
    # the job must finish (every file in done/, none left or failed), the
    # request queued behind it is answered (503: the server is stopping),
    # and the exit is 0.
    # On PostgreSQL a file's ingest and cycle take seconds rather than a
    # fraction of one: 8 files, and the job is given up to 180 s to finish.
    synth = os.path.join(WORK, "synth")
    nsym, stop_wait = ("8", 180) if PG else ("40", 30)
    r = run("synth", "--symbols", nsym, "--days", "1500", "--seed", "7", "--csv", synth)
    check(r.returncode == 0, "argo synth --csv (%s symbols)" % nsym)
    names = sorted(n for n in os.listdir(synth) if n.endswith(".csv"))
    for n in names:
        os.rename(os.path.join(synth, n), os.path.join(inbox, n))
        os.utime(os.path.join(inbox, n), (time.time() - 5, time.time() - 5))
    for _ in range(600):
        if any(os.path.exists(os.path.join(inbox, "done", n)) for n in names):
            break
        time.sleep(0.05)
    result = {}

    def post_cycle():
        try:
            result["r"] = request(port, "POST", "/api/v1/admin/cycle", key=admin_key, body=b"")
        except Exception as e:  # the server must answer before it goes
            result["e"] = repr(e)

    t = threading.Thread(target=post_cycle)
    t.start()
    time.sleep(0.2)
    left = sum(os.path.exists(os.path.join(inbox, n)) for n in names)
    rc = srv.stop(signal.SIGTERM, timeout=stop_wait)
    t.join(60)
    err = srv.proc.stderr.read()
    if not check(rc == 0, "SIGTERM: exit 0 (%s)" % rc):
        print(err[-3000:])
    print("     (%d of %d inbox files were still waiting at SIGTERM)" % (left, len(names)))
    check(left > 0, "SIGTERM came while the writer's job was running")
    done = sum(os.path.exists(os.path.join(inbox, "done", n)) for n in names)
    check(done == len(names), "the running job finished: %d of %d files in done/"
          % (done, len(names)))
    st = result.get("r", (None,))[0]
    check(st in (200, 503), "the request queued at SIGTERM was answered (%s %s)"
          % (st, result.get("e", "")))
    check(read_key not in err and admin_key not in err, "no key appears in the server's output")

    # after the stop the store is whole and servable again
    r = run("stats", "--db", db)
    check(r.returncode == 0, "argo stats after the stop")

    # ---- TLS ----
    if shutil.which("openssl"):
        cert, key = os.path.join(WORK, "cert.pem"), os.path.join(WORK, "key.pem")
        o = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                            key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1"],
                           capture_output=True, timeout=60)
        check(o.returncode == 0, "openssl makes a self-signed certificate")
        tconf = os.path.join(WORK, "tls.conf")
        write_conf(tconf, tls_cert=cert, tls_key=key)
        tls = Server(tconf, db)
        check(tls.ready() and tls.url.startswith("https://"),
              "with tls_cert and tls_key: listening on https:// (%r)" % tls.line)
        cp = subprocess.run(["curl", "-s", "--cacert", cert, "-w", " %{http_code}",
                             "https://127.0.0.1:%d/health" % tls.port],
                            capture_output=True, text=True, timeout=30)
        check(cp.stdout.endswith(" 200"), "curl over TLS (the self-signed cert trusted): 200")
        cp = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                             "http://127.0.0.1:%d/health" % tls.port],
                            capture_output=True, text=True, timeout=30)
        check(cp.stdout != "200", "plain HTTP to the TLS port is not served (%s)" % cp.stdout)
        check(tls.stop() == 0, "TLS server: SIGTERM exits 0")

    # ---- every JSON response against the OpenAPI document ----
    ex = os.path.join(WORK, "exchanges.jsonl")
    with open(ex, "w") as f:
        for e in EXCHANGES:
            f.write(json.dumps(e) + "\n")
    p = subprocess.run([PY, os.path.join(SRC, "tests/api/openapi_check.py"),
                        os.path.join(SRC, "src/server/openapi.json"), ex],
                       capture_output=True, text=True, timeout=120)
    check(p.returncode == 0, "the %d recorded responses match the OpenAPI document%s"
          % (len(EXCHANGES), (": " + (p.stdout + p.stderr).strip()[:2000]) if p.returncode else ""))


try:
    main()
finally:
    for s in SERVERS:
        if s.proc.poll() is None:
            s.proc.kill()
            s.proc.wait()
print("%d failure(s)" % len(FAILS))
sys.exit(1 if FAILS else 0)
