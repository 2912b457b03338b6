#!/usr/bin/python3
"""Checks tests/provider/fake_alpaca.py against its contract.

Stdlib http.client for REST and control, python3-websockets (10.4) for the
stream. Starts its own servers (OS-chosen ports, read from the port file),
bounds every wait, and stops them at the end. Usage:
    /usr/bin/python3 fake_alpaca_selftest.py [DATA_DIR]
DATA_DIR defaults to ../../../shared/data/market if present, else a small
generated universe.
"""

import asyncio
import csv
import datetime as dt
import email.utils
import http.client
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zoneinfo

import websockets
import websockets.client

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "fake_alpaca.py")
PY = "/usr/bin/python3"
AUTH = {"APCA-API-KEY-ID": "test-key", "APCA-API-SECRET-KEY": "test-secret"}
NY = zoneinfo.ZoneInfo("America/New_York")
FAILS = []
CHECKS = [0]


def phase(name, t0=[time.time()]):
    now = time.time()
    print("%-8s %.2f s" % (name, now - t0[0]), flush=True)
    t0[0] = now


def check(cond, what):
    CHECKS[0] += 1
    if not cond:
        FAILS.append(what)
        print("FAIL:", what, flush=True)


class Server:
    def __init__(self, data, tmp, *extra):
        self.portfile = os.path.join(tmp, "port-%d.json" % random.randrange(1 << 30))
        self.log = open(self.portfile + ".log", "w")
        t0 = time.time()
        self.proc = subprocess.Popen([PY, SERVER, "--data", data, "--portfile", self.portfile, "--max-seconds", "120"] + list(extra),
                                     stdout=self.log, stderr=subprocess.STDOUT)
        while not os.path.exists(self.portfile):
            if self.proc.poll() is not None or time.time() - t0 > 30:
                raise SystemExit("fake_alpaca did not start: %s" % open(self.portfile + ".log").read())
            time.sleep(0.05)
        self.startup = time.time() - t0
        ports = json.load(open(self.portfile))
        self.rest, self.stream = ports["rest"], ports["stream"]

    def req(self, method, path, body=None, headers=None, timeout=20):
        c = http.client.HTTPConnection("127.0.0.1", self.rest, timeout=timeout)
        h = dict(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        c.request(method, path, body=data, headers=h)
        r = c.getresponse()
        raw = r.read()
        hdr = {k.lower(): v for k, v in r.getheaders()}
        c.close()
        return r.status, hdr, raw

    def ctl(self, name, body=None):
        s, _, raw = self.req("POST" if body is not None or name != "stats" else "GET", "/control/" + name, body)
        if s != 200:
            raise SystemExit("control %s: %d %s" % (name, s, raw))
        return json.loads(raw)

    def bars(self, query, headers=None):
        h = dict(AUTH)
        h.update(headers or {})
        return self.req("GET", "/v2/stocks/bars?" + query, headers=h)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def read_csv(path):
    out = []
    with open(path, newline="") as fh:
        r = csv.reader(fh)
        next(r)
        for row in r:
            if row:
                out.append((row[0], float(row[1]), float(row[2]), float(row[3]), float(row[4]), int(row[5])))
    return out


def ny_date(t):
    u = dt.datetime.strptime(t, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
    local = u.astimezone(NY)
    check(local.hour == 0 and local.minute == 0, "daily bar %s is not midnight New York" % t)
    return local.date().isoformat()


def fetch_all(srv, query):
    """Follows page tokens; returns ({sym: [bar]}, pages)."""
    out, pages, token = {}, [], None
    for _ in range(10000):
        q = query + ("&page_token=" + token if token else "")
        s, _, raw = srv.bars(q)
        check(s == 200, "bars %s: status %d %s" % (q, s, raw[:200]))
        if s != 200:
            break
        doc = json.loads(raw)
        pages.append(doc)
        for sym, lst in doc["bars"].items():
            out.setdefault(sym, []).extend(lst)
        token = doc["next_page_token"]
        if token is None:
            break
    return out, pages


def agg(minutes):
    return (minutes[0]["o"], max(m["h"] for m in minutes), min(m["l"] for m in minutes), minutes[-1]["c"], sum(m["v"] for m in minutes))


def same_bar(a, b):
    # compare the floats' repr: bit for bit
    return all(repr(x) == repr(y) for x, y in zip(a, b)) and len(a) == len(b)


def t_rest(srv, data, syms):
    want = {s: read_csv(os.path.join(data, s + ".csv")) for s in syms}
    # multi-symbol, paged, limit across symbols
    got, pages = fetch_all(srv, "symbols=%s&timeframe=1Day&start=1980-01-01&limit=100" % ",".join(syms))
    for p in pages:
        check(sum(len(v) for v in p["bars"].values()) <= 100, "page larger than limit")
    check(any(len(p["bars"]) > 1 for p in pages), "no page spans two symbols (limit must count across symbols)")
    check(all(sum(len(v) for v in p["bars"].values()) == 100 for p in pages[:-1]), "a non-last page is not full")
    for s in syms:
        g = got.get(s, [])
        check(len(g) == len(want[s]), "%s: %d bars, CSV has %d" % (s, len(g), len(want[s])))
        for b, w in zip(g, want[s]):
            if ny_date(b["t"]) != w[0] or not same_bar((b["o"], b["h"], b["l"], b["c"], b["v"]), w[1:]):
                check(False, "%s %s: %r != CSV %r" % (s, b["t"], b, w))
                break
            if not isinstance(b["v"], int) or "n" not in b or "vw" not in b:
                check(False, "%s %s: v not int or n/vw missing" % (s, b["t"]))
                break
    # one page with the largest limit gives the same bars
    got2, pages2 = fetch_all(srv, "symbols=%s&timeframe=1Day&limit=10000" % ",".join(reversed(syms)))
    check(got2 == got, "limit 10000 and limit 100 disagree")
    check(list(pages2[0]["bars"]) == sorted(pages2[0]["bars"]), "symbols not in sorted order")
    # start / end by date, inclusive, and by RFC 3339 time
    s0 = syms[0]
    d1, d2 = want[s0][10][0], want[s0][14][0]
    g, _ = fetch_all(srv, "symbols=%s&timeframe=1Day&start=%s&end=%s" % (s0, d1, d2))
    check([ny_date(b["t"]) for b in g.get(s0, [])] == [w[0] for w in want[s0][10:15]], "start/end dates not inclusive")
    g, _ = fetch_all(srv, "symbols=%s&timeframe=1Day&start=%sT12:00:00Z&end=%sT23:00:00-04:00" % (s0, d1, d2))
    check([ny_date(b["t"]) for b in g.get(s0, [])] == [w[0] for w in want[s0][11:15]], "start/end RFC 3339 wrong")
    # minutes aggregate back to every day, bit for bit; each minute valid
    gm, _ = fetch_all(srv, "symbols=%s&timeframe=1Min&limit=10000" % ",".join(syms))
    for s in syms:
        mins = gm.get(s, [])
        check(len(mins) == 4 * len(want[s]), "%s: %d minutes for %d days" % (s, len(mins), len(want[s])))
        bad = 0
        for i, w in enumerate(want[s]):
            day = mins[4 * i:4 * i + 4]
            stamps = [m["t"] for m in day]
            if stamps != ["%sT%s:00Z" % (w[0], hm) for hm in ("14:30", "16:00", "18:00", "20:59")]:
                bad += 1
            elif not same_bar(agg(day), w[1:]):
                bad += 1
            elif not all(m["l"] <= min(m["o"], m["c"]) and max(m["o"], m["c"]) <= m["h"] and isinstance(m["v"], int) for m in day):
                bad += 1
            elif [m["v"] for m in day[:3]] != [w[5] // 4] * 3:
                bad += 1
        check(bad == 0, "%s: %d days whose minutes do not aggregate to the day exactly" % (s, bad))
    # errors
    s, _, raw = srv.bars("symbols=%s&timeframe=1Day&page_token=%%21%%21notbase64" % s0)
    check(s == 400 and "message" in json.loads(raw), "bad page token: %d %s" % (s, raw))
    s, _, raw = srv.bars("symbols=%s&timeframe=1Day&page_token=%s" % (s0, "djF8Wlp8MjAwMC0wMS0wMVQwMDowMDowMFo"))
    check(s == 400, "page token for another symbol: %d" % s)
    for q in ("symbols=%s&timeframe=7Weeks" % s0, "symbols=%s&timeframe=1Day&limit=0" % s0, "symbols=%s&timeframe=1Day&limit=10001" % s0,
              "timeframe=1Day", "symbols=%s&timeframe=1Day&start=yesterday" % s0):
        s, _, raw = srv.bars(q)
        check(s in (400, 422) and "code" in json.loads(raw), "bad parameters %s: %d %s" % (q, s, raw))
    s, _, _ = srv.req("GET", "/v2/stocks/bars?symbols=%s&timeframe=1Day" % s0)
    check(s == 401, "no credentials: %d" % s)
    s, _, _ = srv.req("GET", "/v2/stocks/bars?symbols=%s&timeframe=1Day" % s0, headers={"APCA-API-KEY-ID": "test-key", "APCA-API-SECRET-KEY": "nope"})
    check(s == 403, "wrong secret: %d" % s)
    s, _, raw = srv.bars("symbols=NOSUCH&timeframe=1Day")
    check(s == 200 and json.loads(raw) == {"bars": {}, "next_page_token": None}, "unknown symbol: %d %s" % (s, raw))
    # the CSV source
    s, h, raw = srv.req("GET", "/csv/%s.csv" % s0)
    rows = list(csv.reader(raw.decode().splitlines()))
    check(s == 200 and rows[0] == ["date", "open", "high", "low", "close", "volume"], "csv header")
    check([(r[0],) + tuple(float(x) for x in r[1:5]) + (int(r[5]),) for r in rows[1:]] == want[s0], "csv rows differ from the file")
    s, _, _ = srv.req("GET", "/csv/NOSUCH.csv")
    check(s == 404, "csv unknown symbol: %d" % s)


def t_cache(srv, sym, other):
    q = "symbols=%s,%s&timeframe=1Day&limit=10000" % (sym, other)
    s, h, raw = srv.bars(q)
    etag, lm = h.get("etag"), h.get("last-modified")
    check(s == 200 and etag and etag.startswith('"') and lm, "ETag / Last-Modified missing")
    s, h2, raw2 = srv.bars(q, {"If-None-Match": etag})
    check(s == 304 and raw2 == b"" and h2.get("etag") == etag, "If-None-Match: %d" % s)
    s, _, raw2 = srv.bars(q, {"If-Modified-Since": lm})
    check(s == 304 and raw2 == b"", "If-Modified-Since: %d" % s)
    old = email.utils.formatdate(email.utils.parsedate_to_datetime(lm).timestamp() - 86400, usegmt=True)
    s, _, _ = srv.bars(q, {"If-Modified-Since": old})
    check(s == 200, "If-Modified-Since a day earlier: %d" % s)
    s, hc, _ = srv.req("GET", "/csv/%s.csv" % sym)
    s2, _, _ = srv.req("GET", "/csv/%s.csv" % sym, headers={"If-None-Match": hc["etag"]})
    check(s == 200 and s2 == 304, "csv ETag: %d %d" % (s, s2))
    # a revision changes the body, the ETag and Last-Modified
    before = json.loads(raw)["bars"][sym][-1]
    srv.ctl("revise", {"symbol": sym, "date": ny_date(before["t"]), "close": before["c"] + 0.25, "high": max(before["h"], before["c"] + 0.25)})
    s, h3, raw3 = srv.bars(q, {"If-None-Match": etag})
    check(s == 200 and h3["etag"] != etag, "revise: ETag unchanged (%d)" % s)
    check(json.loads(raw3)["bars"][sym][-1]["c"] == before["c"] + 0.25, "revise: close not revised")
    s, _, _ = srv.bars(q, {"If-Modified-Since": h3["last-modified"]})
    check(s == 304, "after revise, If-Modified-Since its Last-Modified: %d" % s)
    s, _, _ = srv.bars(q, {"If-Modified-Since": lm})
    check(s == 200, "after revise, the old Last-Modified must not give 304: %d" % s)
    s, _, _ = srv.req("GET", "/csv/%s.csv" % sym, headers={"If-None-Match": hc["etag"]})
    check(s == 200, "csv after revise: %d" % s)
    st = srv.ctl("stats")
    check(st["not_modified"] >= 4 and st["status"].get("304", 0) == st["not_modified"], "stats not_modified %r" % st)


def t_faults(srv, sym):
    q = "symbols=%s&timeframe=1Day&limit=5" % sym
    srv.ctl("fault", {"kind": "status", "status": 500, "count": 2})
    got = [srv.bars(q)[0] for _ in range(3)]
    check(got == [500, 500, 200], "500 x2: %r" % got)
    srv.ctl("fault", {"kind": "status", "status": 429, "count": 1, "retry_after": 3})
    s, h, _ = srv.bars(q)
    check(s == 429 and h.get("retry-after") == "3", "429 fault: %d %r" % (s, h.get("retry-after")))
    srv.ctl("fault", {"kind": "status", "status": 503, "count": 1, "retry_after": 1})
    s, h, _ = srv.bars(q)
    check(s == 503 and h.get("retry-after") == "1", "503 fault: %d" % s)
    # stall, with control calls answering meanwhile
    srv.ctl("fault", {"kind": "stall", "seconds": 1.5, "count": 1})
    res = {}

    def slow():
        t0 = time.time()
        res["s"] = srv.bars(q)[0]
        res["t"] = time.time() - t0

    th = threading.Thread(target=slow)
    th.start()
    time.sleep(0.2)
    t0 = time.time()
    srv.ctl("stats")
    check(time.time() - t0 < 0.5, "control call blocked by a stalled fetch")
    th.join(10)
    check(res.get("s") == 200 and res.get("t", 0) >= 1.4, "stall: %r" % res)
    # bad answers
    srv.ctl("stream", {"kind": "bad_price"})
    s, _, raw = srv.bars(q)
    bars = json.loads(raw)["bars"][sym]
    check(s == 200 and min(min(b["o"], b["h"], b["l"], b["c"]) for b in bars) < 0, "bad_price: no negative price")
    s, _, raw = srv.bars(q)
    check(min(b["o"] for b in json.loads(raw)["bars"][sym]) > 0, "bad_price: lasted beyond one answer")
    srv.ctl("fault", {"kind": "bad_json"})
    s, _, raw = srv.bars(q)
    try:
        json.loads(raw)
        check(False, "bad_json (REST): body parses")
    except ValueError:
        pass
    srv.ctl("stream", {"kind": "bad_json", "target": "rest"})
    s, _, raw = srv.req("GET", "/csv/%s.csv" % sym)
    check(s == 200 and b"\x00" in raw, "bad_json (CSV): body intact")
    s, _, raw = srv.bars(q)
    check(s == 200 and json.loads(raw)["bars"], "faults did not clear")


def t_rate(data, tmp):
    sym = sorted(f[:-4] for f in os.listdir(data) if f.endswith(".csv"))[0]
    dates = [r[0] for r in read_csv(os.path.join(data, sym + ".csv"))]
    srv = Server(data, tmp, "--rate-limit", "3", "--rate-window", "1", "--today", dates[-5])
    try:
        q = "symbols=%s&timeframe=1Day&limit=1" % sym
        rem = []
        for _ in range(3):
            s, h, _ = srv.bars(q)
            rem.append((s, h.get("x-ratelimit-limit"), h.get("x-ratelimit-remaining")))
            reset = int(h.get("x-ratelimit-reset", "0"))
        check(rem == [(200, "3", "2"), (200, "3", "1"), (200, "3", "0")], "rate headers %r" % rem)
        check(time.time() - 1 <= reset <= time.time() + 2, "X-RateLimit-Reset %d is not the window's end" % reset)
        s, h, _ = srv.bars(q)
        check(s == 429 and int(h.get("retry-after", "0")) >= 1, "past the limit: %d %r" % (s, h.get("retry-after")))
        s, _, _ = srv.req("GET", "/control/stats")
        check(s == 200, "control is rate limited")
        time.sleep(max(0, reset - time.time()) + 0.2)
        s, h, _ = srv.bars(q)
        check(s == 200 and h.get("x-ratelimit-remaining") == "2", "after the window: %d" % s)
        st = srv.ctl("stats")
        check(st["status"].get("429") == 1 and st["calls"] == 5, "stats after rate limit %r" % st)
        for _ in range(2):
            srv.bars(q)
        s, _, _ = srv.bars(q)
        check(s == 429, "limit again: %d" % s)
        srv.ctl("advance", {"days": 1})
        s, h, _ = srv.bars(q)
        check(s == 200 and h.get("x-ratelimit-remaining") == "2", "advance starts a new window: %d" % s)
    finally:
        srv.stop()


async def recv_json(ws, timeout=10):
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


async def connect(srv, feed="iex", auth=True, subscribe=None):
    ws = await asyncio.wait_for(websockets.client.connect("ws://127.0.0.1:%d/v2/%s" % (srv.stream, feed), ping_interval=None, max_queue=None), 10)
    m = await recv_json(ws)
    check(m == [{"T": "success", "msg": "connected"}], "connect message %r" % m)
    if auth:
        await ws.send(json.dumps({"action": "auth", "key": "test-key", "secret": "test-secret"}))
        m = await recv_json(ws)
        check(m == [{"T": "success", "msg": "authenticated"}], "auth answer %r" % m)
    if subscribe:
        await ws.send(json.dumps({"action": "subscribe", "bars": subscribe}))
        m = await recv_json(ws)
        check(m[0]["T"] == "subscription" and sorted(m[0]["bars"]) == sorted(subscribe), "subscription answer %r" % m)
    return ws


async def collect(ws, n, timeout=10):
    """n frames, each parsed (or the raw text if it does not parse)."""
    out = []
    for _ in range(n):
        raw = await asyncio.wait_for(ws.recv(), timeout)
        try:
            out.append(json.loads(raw))
        except ValueError:
            out.append(raw)
    return out


async def advance(srv, days):
    return await asyncio.get_running_loop().run_in_executor(None, srv.ctl, "advance", {"days": days})


async def t_stream_async(srv, data, syms):
    want = {s: {r[0]: r[1:] for r in read_csv(os.path.join(data, s + ".csv"))} for s in syms}
    # before auth; wrong credentials
    ws = await connect(srv, auth=False)
    await ws.send(json.dumps({"action": "subscribe", "bars": [syms[0]]}))
    m = await recv_json(ws)
    check(m[0].get("T") == "error" and m[0].get("code") == 401, "subscribe before auth: %r" % m)
    await ws.send(json.dumps({"action": "auth", "key": "test-key", "secret": "wrong"}))
    m = await recv_json(ws)
    check(m == [{"T": "error", "code": 402, "msg": "auth failed"}], "auth failure: %r" % m)
    try:
        await asyncio.wait_for(ws.recv(), 5)
        check(False, "connection open after auth failure")
    except websockets.ConnectionClosed:
        pass
    # every minute, in time order, aggregating to the day
    ws = await connect(srv, subscribe=list(syms))
    other = await connect(srv, feed="sip", subscribe=[syms[0]])
    day0 = srv.ctl("stats")["today"]
    task = asyncio.ensure_future(advance(srv, 3))
    days = []
    frames = []
    res = await asyncio.wait_for(task, 30)
    days = res["days"]
    nbars = sum(1 for d in days for s in syms if d in want[s]) * 4
    frames = await collect(ws, nbars)
    other_frames = await collect(other, sum(4 for d in days if d in want[syms[0]]))
    check(len(days) == 3 and days[0] > day0 and res["today"] == days[-1], "advance: %r" % res)
    msgs = [m for f in frames for m in f]
    check(all(len(f) == 1 and f[0]["T"] == "b" for f in frames), "frames are not single bar messages")
    check([m["t"] for m in msgs] == sorted(m["t"] for m in msgs), "minutes not in time order")
    check(all(m["S"] == syms[0] for f in other_frames for m in f), "a connection got a symbol it did not subscribe")
    for s in syms:
        for d in days:
            mins = [m for m in msgs if m["S"] == s and m["t"][:10] == d]
            if d in want[s]:
                check(len(mins) == 4 and same_bar(agg(mins), want[s][d]), "stream %s %s: minutes do not give the day" % (s, d))
    # REST agrees with today
    g, _ = fetch_all(srv, "symbols=%s&timeframe=1Day&start=%s" % (syms[0], days[0]))
    check([ny_date(b["t"]) for b in g.get(syms[0], [])] == [d for d in days if d in want[syms[0]]], "REST after advance")
    await other.close()
    # duplicate
    srv.ctl("stream", {"kind": "duplicate", "count": 2})
    res = await advance(srv, 1)
    n = sum(4 for s in syms if res["days"][0] in want[s])
    frames = await collect(ws, n + 2)
    ts = [(f[0]["S"], f[0]["t"]) for f in frames]
    check(ts[0] == ts[1] and ts[2] == ts[3] and len(set(ts)) == n, "duplicate: %r" % ts[:5])
    # shuffle
    srv.ctl("stream", {"kind": "shuffle"})
    res = await advance(srv, 1)
    d = res["days"][0]
    n = sum(4 for s in syms if d in want[s])
    frames = await collect(ws, n)
    ts = [f[0]["t"] for f in frames]
    check(ts != sorted(ts) and len(set((f[0]["S"], f[0]["t"]) for f in frames)) == n, "shuffle: %r" % ts)
    for s in syms:
        mins = sorted((f[0] for f in frames if f[0]["S"] == s), key=lambda m: m["t"])
        if d in want[s]:
            check(same_bar(agg(mins), want[s][d]), "shuffled %s %s do not give the day" % (s, d))
    # the next day is in order again
    res = await advance(srv, 1)
    frames = await collect(ws, sum(4 for s in syms if res["days"][0] in want[s]))
    ts = [f[0]["t"] for f in frames]
    check(ts == sorted(ts), "shuffle lasted beyond one day")
    # bad JSON and bad price on the stream
    srv.ctl("stream", {"kind": "bad_json"})
    srv.ctl("stream", {"kind": "bad_price", "target": "stream"})
    res = await advance(srv, 1)
    frames = await collect(ws, sum(4 for s in syms if res["days"][0] in want[s]))
    check(isinstance(frames[0], str), "bad_json: first frame parses")
    check(isinstance(frames[1], list) and frames[1][0]["o"] < 0, "bad_price: second frame %r" % frames[1])
    check(all(isinstance(f, list) and f[0]["o"] > 0 for f in frames[2:]), "stream corruption lasted")
    # drop mid-day: after 3 frames
    srv.ctl("stream", {"kind": "drop", "after": 3})
    res = await advance(srv, 1)
    frames = []
    try:
        while True:
            frames.append(await asyncio.wait_for(ws.recv(), 5))
    except websockets.ConnectionClosed:
        pass
    check(len(frames) == 3, "drop after 3: got %d frames" % len(frames))
    # reconnect; drop now
    ws = await connect(srv, subscribe=["*"])
    st = srv.ctl("stats")
    check(st["stream_open"] == 1, "open connections %r" % st)
    out = srv.ctl("stream", {"kind": "drop"})
    check(out.get("dropped") == 1, "drop now: %r" % out)
    try:
        await asyncio.wait_for(ws.recv(), 5)
        check(False, "connection open after drop")
    except websockets.ConnectionClosed:
        pass
    st = srv.ctl("stats")
    check(st["stream_connections"] == 4 and st["stream_messages"] > 0, "stream stats %r" % st)
    srv.ctl("reset-stats", {})
    st = srv.ctl("stats")
    check(st["calls"] == 0 and st["stream_messages"] == 0 and st["status"] == {}, "reset-stats %r" % st)


def make_universe(folder, nsym, ndays):
    """A synthetic universe like `argo synth --csv` writes (4-decimal prices)."""
    os.makedirs(folder, exist_ok=True)
    rng = random.Random(7)
    start = dt.date(2010, 1, 4)
    dates = []
    d = start
    while len(dates) < ndays:
        if d.weekday() < 5:
            dates.append(d.isoformat())
        d += dt.timedelta(days=1)
    texts = []
    for i in range(min(nsym, 16)):  # 16 distinct series, reused: writing is the cost
        p = 20 + 80 * rng.random()
        lines = ["date,open,high,low,close,volume"]
        for day in dates:
            o = p
            c = p * (1 + rng.gauss(0, 0.02))
            h = max(o, c) * (1 + 0.01 * rng.random())
            lo = min(o, c) * (1 - 0.01 * rng.random())
            lines.append("%s,%.4f,%.4f,%.4f,%.4f,%d" % (day, o, h, lo, c, rng.randrange(1, 5000000)))
            p = c
        texts.append("\n".join(lines) + "\n")
    for i in range(nsym):
        with open(os.path.join(folder, "SYN%04d.csv" % i), "w") as fh:
            fh.write(texts[i % len(texts)])


def t_big(tmp):
    folder = os.path.join(tmp, "synth")
    make_universe(folder, 500, 2520)
    phase("generate")
    srv = Server(folder, tmp)
    try:
        check(srv.startup < 30, "500 symbols x 2520 days took %.1f s to load" % srv.startup)
        print("500 x 2520 loaded in %.2f s" % srv.startup, flush=True)
        syms = ["SYN%04d" % i for i in range(0, 500, 10)]
        res = {}

        def big():
            t0 = time.time()
            res["got"], res["pages"] = fetch_all(srv, "symbols=%s&timeframe=1Day&start=2019-01-01&limit=2000" % ",".join(syms))
            res["t"] = time.time() - t0

        th = threading.Thread(target=big)
        th.start()
        lat = []
        while th.is_alive():
            t0 = time.time()
            srv.ctl("stats")
            lat.append(time.time() - t0)
            time.sleep(0.05)
        th.join()
        check(max(lat) < 2, "control calls waited %.2f s during a big fetch" % max(lat))
        n = sum(len(v) for v in res["got"].values())
        print("50 symbols since 2019: %d bars in %d pages, %.2f s" % (n, len(res["pages"]), res["t"]), flush=True)
        one = read_csv(os.path.join(folder, "SYN0010.csv"))
        one = [r for r in one if r[0] >= "2019-01-01"]
        g = res["got"]["SYN0010"]
        check(len(g) == len(one) and all(same_bar((b["o"], b["h"], b["l"], b["c"], b["v"]), r[1:]) for b, r in zip(g, one)), "SYN0010 differs")
    finally:
        srv.stop()


def main():
    default = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "data", "market"))
    if len(sys.argv) > 1:
        data = sys.argv[1]
    elif os.path.isdir(default):
        data = default
    else:
        data = None
    tmp = tempfile.mkdtemp(prefix="fake-alpaca-selftest-")
    t_start = time.time()
    try:
        if data is None:
            data = os.path.join(tmp, "small")
            make_universe(data, 3, 300)
        syms = sorted(f[:-4] for f in os.listdir(data) if f.endswith(".csv"))[:3]
        srv = Server(data, tmp)
        try:
            phase("start")
            t_rest(srv, data, syms)
            phase("rest")
            t_cache(srv, syms[0], syms[-1])
            phase("cache")
            t_faults(srv, syms[0])
            phase("faults")
        finally:
            srv.stop()
        # the stream: a server whose today is ten days before the data ends
        common = None
        for s in syms:
            ds = {r[0] for r in read_csv(os.path.join(data, s + ".csv"))}
            common = ds if common is None else common & ds
        srv = Server(data, tmp, "--today", sorted(common)[-12])
        try:
            asyncio.run(asyncio.wait_for(t_stream_async(srv, data, syms), 60))
        finally:
            srv.stop()
        phase("stream")
        t_rate(data, tmp)
        phase("rate")
        t_big(tmp)
        phase("big")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d checks, %d failed, %.1f s" % (CHECKS[0], len(FAILS), time.time() - t_start))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
