#!/usr/bin/python3
"""A local stand-in for a market-data provider, for argo's provider tests.

It speaks the documented subset of Alpaca's Market Data API v2 (REST bars and
the real-time stock stream) and serves real daily series from a folder of
SYMBOL.csv files, one simulated trading day at a time. It follows the lead's contract for it
(the "fake market-data server" contract that argo's provider tests are
written against) and keeps every name in it; the extensions are listed below.

Why hand-written: no Debian package offers a fake of this provider's API; the
stdlib (http.server, threading) and python3-websockets (10.4, asyncio API)
do the transport.

Written from Alpaca's published documentation, not from argo's C code:
- Market Data API v2, historical data, "Common behavior": base URL /v2,
  authentication headers APCA-API-KEY-ID / APCA-API-SECRET-KEY, `limit`
  1..10000 (default 1000), paging with `next_page_token` / `page_token`
  "leaving the other parameters unchanged", ascending order by time.
  https://alpaca.markets/docs/api-documentation/api-v2/market-data/alpaca-data-api-v2/historical/
  https://alpaca.markets/deprecated/docs/api-documentation/api-v2/market-data/alpaca-data-api-v2/historical
- Multi-symbol bars, GET /v2/stocks/bars?symbols=A,B: an object `bars` keyed
  by symbol, bar fields t/o/h/l/c/v/n/vw, `limit` counting bars over all
  symbols of a page (Market Data API reference, "Historical bars").
- Real-time data: wss://.../v2/{iex|sip}; every server message is an array
  [{"T": type, ...}]; control messages success/error/subscription; the
  connect -> auth -> subscribe sequence; bar messages "T":"b" with
  S,o,h,l,c,v,t,n,vw; error codes 400 invalid syntax, 401 not authenticated,
  402 auth failed, 403 already authenticated, 404 auth timeout.
  https://alpaca.markets/deprecated/docs/api-documentation/api-v2/market-data/alpaca-data-api-v2/real-time/
- Rate limits: 200 requests per minute per account, 429 past it; headers
  X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset (epoch seconds).
  https://alpaca.markets/support/usage-limit-api-calls/ and Alpaca's forum
  answer on the rate headers (forum.alpaca.markets/t/executing-orders/12029).
- ETag / Last-Modified / If-None-Match / If-Modified-Since: RFC 9110 and
  RFC 9111 (Alpaca does not document caching; the contract asks for it).

Choices where the documentation leaves room (the contract's choices first):
- Page token: opaque to clients. Here: urlsafe base64 of
  "v1|SYMBOL|TIMESTAMP" (the first bar of the next page); a token that does
  not decode, or names a symbol not in the request, answers 400
  {"code": 40010001, "message": "invalid page_token ..."}.
- Symbols are served in sorted order (bars ordered by symbol then time);
  unknown symbols and symbols with no bars in range are omitted.
- start/end: a bare date (YYYY-MM-DD) selects by trading date (start and end
  inclusive, so end=D includes D's bar whatever its UTC stamp); an RFC 3339
  time selects by the bar's timestamp, inclusive at both ends.
- Daily bars are stamped at midnight New York time in UTC (04:00Z or 05:00Z,
  zoneinfo America/New_York). Minute bars: 14:30, 16:00, 18:00, 20:59 UTC.
- Minute derivation: the price path o -> X -> Y -> c, where (X, Y) is (h, l)
  when the close is nearer the low (or equally near) and (l, h) when it is
  nearer the high. Minute k opens at the path's point k-1 and closes at point
  k (the first minute is flat at the open); its high/low are the max/min of
  its open and close. So each minute is a valid bar made of the day's own
  floats, and first open / max high / min low / last close give the day back
  bit for bit. Volume: v // 4 each, the remainder on the last minute. n (trade
  count) is split the same way from max(1, v // 100); vw is (h + l + c) / 3.
- Rate limit window: fixed windows of --rate-window seconds (default 60, real
  time; the contract's "minute window"), starting at the first call after the
  previous window ended; /control/advance (a new simulated day) ends the
  window too. Every /v2 and /csv call counts (a 304 too); an answer
  of 429 does not use up a call; /control never counts.
- Last-Modified: the simulated day's close (16:00 New York) plus one second
  per revision made so far, so a revision is seen by If-Modified-Since too.
- Stream: one bar per frame ([{"T":"b",...}]), so "message" in the control
  calls (duplicate, stream_messages) means one frame. Subscribing to "*"
  subscribes to every symbol.
- REST credentials: missing headers -> 401 {"code": 40110000}; wrong ones ->
  403 {"code": 40310000}. /csv/ (the generic CSV source) needs none.
Extensions beyond the contract (additive): --rate-window; stream drop
{"kind":"drop","after": K} closes the connections after K more bar frames
(a mid-day drop when armed before an advance); bad_json / bad_price take an
optional "target": "stream" | "rest" | "both" (defaults: bad_json -> stream,
bad_price -> rest), and /control/fault accepts kinds "bad_json" and
"bad_price" for the REST side; /control/stats also gives "stream_open" (the
connections open now; "stream_connections" counts every one accepted);
--auth-timeout (default 10 s, error 404 "auth timeout"); --verbose; the
timeframes 1D and 1T as aliases; an empty page_token is no token.
Not served: trades, quotes, other timeframes, adjustment other than raw,
sort=desc (422), the 406 connection limit (any number of stream connections).
"""

import argparse
import asyncio
import base64
import bisect
import datetime as dt
import email.utils
import hashlib
import http.server
import json
import os
import random
import signal
import socketserver
import sys
import threading
import time
import urllib.parse
import zoneinfo

import websockets
import websockets.server

NY = zoneinfo.ZoneInfo("America/New_York")
MINUTES = ("14:30", "16:00", "18:00", "20:59")
HEADER = "date,open,high,low,close,volume"
MAX_BODY = 1 << 16


class DataError(Exception):
    pass


class Series:
    """One symbol's daily bars: dates and raw lines at load, parsed lazily."""

    __slots__ = ("symbol", "path", "dates", "lines", "rows", "lock")

    def __init__(self, symbol, path, dates, lines):
        self.lock = threading.Lock()
        self.symbol = symbol
        self.path = path
        self.dates = dates
        self.lines = lines
        self.rows = None

    def parsed(self):
        """The parsed rows; parsed once, under the series' own lock (not the
        state's), so a first big fetch does not hold up control calls."""
        if self.rows is not None:
            return self.rows
        with self.lock:
            if self.rows is not None:
                return self.rows
            rows = []
            for i, line in enumerate(self.lines):
                f = line.split(",")
                try:
                    if len(f) != 6:
                        raise ValueError("%d fields, want 6" % len(f))
                    d = f[0]
                    if len(d) != 10 or d[4] != "-" or d[7] != "-" or not (d[:4] + d[5:7] + d[8:]).isdigit():
                        raise ValueError("date %r is not YYYY-MM-DD" % d)
                    o, h, lo, c = (float(x) for x in f[1:5])
                    v = f[5].strip()
                    v = int(v) if v.isdigit() else int(float(v))
                except ValueError as e:
                    raise DataError("%s line %d: %s" % (self.path, i + 2, e))
                rows.append((o, h, lo, c, v))
            self.rows = rows
        return self.rows


def load_data(folder):
    series = {}
    names = sorted(n for n in os.listdir(folder) if n.endswith(".csv"))
    if not names:
        raise DataError("%s: no SYMBOL.csv files" % folder)
    for name in names:
        sym = name[:-4]
        path = os.path.join(folder, name)
        with open(path, "r", encoding="ascii", newline="") as fh:
            text = fh.read()
        lines = text.splitlines()
        if "" in lines or any(not ln.strip() for ln in lines[:1]):
            lines = [ln for ln in lines if ln.strip()]
        if not lines or lines[0].strip().lower().replace(" ", "") != HEADER:
            raise DataError("%s: header is not %s" % (path, HEADER))
        lines = lines[1:]
        dates = [ln[:10] for ln in lines]
        # dates in order (C-speed comparisons); each date's form is checked
        # when the series is first parsed (Series.parsed)
        if not all(map(str.__lt__, dates, dates[1:])):
            i = next(i for i in range(1, len(dates)) if not dates[i - 1] < dates[i])
            raise DataError("%s line %d: date %r is not after %r" % (path, i + 2, dates[i], dates[i - 1]))
        series[sym] = Series(sym, path, dates, lines)
    return series


_day_stamp_cache = {}


def day_stamp(date):
    """The daily bar's timestamp: midnight New York time, in UTC."""
    s = _day_stamp_cache.get(date)
    if s is None:
        d = dt.date.fromisoformat(date)
        t = dt.datetime(d.year, d.month, d.day, tzinfo=NY).astimezone(dt.timezone.utc)
        s = t.strftime("%Y-%m-%dT%H:%M:%SZ")
        _day_stamp_cache[date] = s
    return s


def day_close_epoch(date):
    d = dt.date.fromisoformat(date)
    return int(dt.datetime(d.year, d.month, d.day, 16, 0, tzinfo=NY).timestamp())


def minute_bars(date, row):
    """The four minute bars of a day: (stamp, o, h, l, c, v, n, vw)."""
    o, h, lo, c, v = row
    if (h - c) < (c - lo):
        x, y = lo, h
    else:
        x, y = h, lo
    path = (o, o, x, y, c)
    n = max(1, v // 100)
    out = []
    for k in range(4):
        mo, mc = path[k], path[k + 1]
        mh, ml = max(mo, mc), min(mo, mc)
        mv = v // 4 + (v % 4 if k == 3 else 0)
        mn = n // 4 + (n % 4 if k == 3 else 0)
        out.append(("%sT%s:00Z" % (date, MINUTES[k]), mo, mh, ml, mc, mv, mn, (mh + ml + mc) / 3))
    return out


def parse_time_param(value, name):
    """('date', 'YYYY-MM-DD') or ('time', 'YYYY-MM-DDTHH:MM:SSZ') or raises."""
    if len(value) == 10:
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError("%s: %r is not a date" % (name, value))
        return ("date", value)
    v = value.replace("Z", "+00:00").replace("z", "+00:00")
    try:
        t = dt.datetime.fromisoformat(v)
    except ValueError:
        raise ValueError("%s: %r is not RFC 3339" % (name, value))
    if t.tzinfo is None:
        raise ValueError("%s: %r has no time zone" % (name, value))
    return ("time", t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))


class State:
    def __init__(self, args, series):
        self.lock = threading.RLock()
        self.args = args
        self.series = series
        self.calendar = sorted({d for s in series.values() for d in s.dates})
        if args.today:
            self.today = args.today
        else:
            self.today = self.calendar[-1]
        self.revisions = 0
        self.faults = []  # list of dicts: kind status/stall with count
        self.rest_corrupt = []  # pending "bad_json" / "bad_price" for REST
        self.stream_corrupt = []  # pending for the stream
        self.duplicate = 0
        self.shuffle = False
        self.drop_after = None
        self.window_start = None
        self.window_used = 0
        self.conns = set()
        self.loop = None
        self.reset_stats()

    def reset_stats(self):
        with self.lock:
            self.st_calls = 0
            self.st_not_modified = 0
            self.st_status = {}
            self.st_conns = 0
            self.st_msgs = 0

    def stats(self):
        with self.lock:
            return {
                "calls": self.st_calls,
                "not_modified": self.st_not_modified,
                "status": dict(self.st_status),
                "stream_connections": self.st_conns,
                "stream_open": len(self.conns),
                "stream_messages": self.st_msgs,
                "today": self.today,
            }

    def last_modified(self):
        return day_close_epoch(self.today) + self.revisions


def json_bytes(obj):
    return json.dumps(obj, separators=(",", ":")).encode()


def api_error(status, code, message):
    return status, {"Content-Type": "application/json"}, json_bytes({"code": code, "message": message})


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-alpaca/1"
    state = None  # set by main

    def log_message(self, fmt, *a):
        if self.state.args.verbose:
            sys.stderr.write("fake_alpaca: " + (fmt % a) + "\n")

    def send(self, status, headers, body):
        st = self.state
        if not self.is_control:
            with st.lock:
                key = str(status)
                st.st_status[key] = st.st_status.get(key, 0) + 1
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 304 and self.command != "HEAD":
            self.wfile.write(body)

    # ---- dispatch ----
    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def dispatch(self, method):
        url = urllib.parse.urlsplit(self.path)
        self.is_control = url.path.startswith("/control/") or url.path == "/control"
        try:
            if self.is_control:
                self.control(method, url)
            else:
                self.rest(method, url)
        except ConnectionError:
            pass  # the client gave up (a stalled answer, a timeout)
        except DataError as e:
            self.send(*api_error(500, 50000000, str(e)))
        except Exception as e:  # a bug here must answer, not hang the test
            sys.stderr.write("fake_alpaca: %s %s: %r\n" % (method, url.path, e))
            self.send(*api_error(500, 50000000, "fake_alpaca internal error: %r" % (e,)))

    # ---- control ----
    def read_json(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n < 0 or n > MAX_BODY:
            raise ValueError("body too large")
        raw = self.rfile.read(n) if n else b"{}"
        obj = json.loads(raw or b"{}")
        if not isinstance(obj, dict):
            raise ValueError("body is not a JSON object")
        return obj

    def control(self, method, url):
        st = self.state
        name = url.path[len("/control/"):]
        try:
            if method == "GET" and name == "stats":
                return self.send(200, {"Content-Type": "application/json"}, json_bytes(st.stats()))
            if method != "POST":
                return self.send(*api_error(405, 40500000, "control: %s %s not allowed" % (method, url.path)))
            body = self.read_json()
            if name == "reset-stats":
                st.reset_stats()
                out = {"ok": True}
            elif name == "advance":
                out = control_advance(st, body)
            elif name == "fault":
                out = control_fault(st, body)
            elif name == "revise":
                out = control_revise(st, body)
            elif name == "stream":
                out = control_stream(st, body)
            else:
                return self.send(*api_error(404, 40400000, "control: no %s" % url.path))
        except (ValueError, TypeError, KeyError) as e:
            self.close_connection = True  # the body may be left unread
            return self.send(*api_error(400, 40000000, "control %s: %s" % (name, e)))
        self.send(200, {"Content-Type": "application/json"}, json_bytes(out))

    # ---- REST ----
    def rest(self, method, url):
        st = self.state
        stall = 0
        with st.lock:
            st.st_calls += 1
            fault = None
            if st.faults:
                fault = st.faults[0]
                fault["count"] -= 1
                if fault["count"] <= 0:
                    st.faults.pop(0)
        if fault is not None and fault["kind"] == "status":
            hdr = {"Content-Type": "application/json"}
            if fault.get("retry_after") is not None:
                hdr["Retry-After"] = str(fault["retry_after"])
            s = fault["status"]
            return self.send(s, hdr, json_bytes({"code": s * 100000, "message": "injected fault %d" % s}))
        if fault is not None and fault["kind"] == "stall":
            stall = fault["seconds"]
        if stall:
            time.sleep(stall)
        if method != "GET":
            self.close_connection = True
            return self.send(*api_error(405, 40500000, "%s %s not allowed" % (method, url.path)))
        # rate limit
        now = time.time()
        with st.lock:
            if st.window_start is None or now >= st.window_start + st.args.rate_window:
                st.window_start = now
                st.window_used = 0
            reset = int(st.window_start + st.args.rate_window + 0.999)
            limited = st.window_used >= st.args.rate_limit
            if not limited:
                st.window_used += 1
            remaining = st.args.rate_limit - st.window_used
        rl = {
            "X-RateLimit-Limit": str(st.args.rate_limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": str(reset),
        }
        if limited:
            rl["Retry-After"] = str(max(1, int(reset - now + 0.999)))
            rl["Content-Type"] = "application/json"
            return self.send(429, rl, json_bytes({"code": 42910000, "message": "too many requests"}))
        if url.path == "/v2/stocks/bars":
            kid = self.headers.get("APCA-API-KEY-ID")
            sec = self.headers.get("APCA-API-SECRET-KEY")
            if kid is None or sec is None:
                return self.send(*with_headers(api_error(401, 40110000, "request is not authorized"), rl))
            if kid != st.args.key or sec != st.args.secret:
                return self.send(*with_headers(api_error(403, 40310000, "forbidden"), rl))
            res = bars_answer(st, url.query)
        elif url.path.startswith("/csv/") and url.path.endswith(".csv"):
            res = csv_answer(st, urllib.parse.unquote(url.path[5:-4]))
        else:
            res = api_error(404, 40410000, "not found: %s" % url.path)
        status, headers, body = res
        headers.update(rl)
        if status == 200:
            lm = headers.pop("_lm")
            etag = '"%s"' % hashlib.sha256(body).hexdigest()[:32]
            headers["ETag"] = etag
            headers["Last-Modified"] = email.utils.formatdate(lm, usegmt=True)
            if not_modified(self.headers, etag, lm):
                with st.lock:
                    st.st_not_modified += 1
                return self.send(304, headers, b"")
        self.send(status, headers, body)


def with_headers(res, extra):
    res[1].update(extra)
    return res


def not_modified(req, etag, lm):
    inm = req.get("If-None-Match")
    if inm is not None:
        tags = [t.strip() for t in inm.split(",")]
        return "*" in tags or etag in tags or ("W/" + etag) in tags
    ims = req.get("If-Modified-Since")
    if ims is not None:
        try:
            t = email.utils.parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
        if t is None:
            return False
        return lm <= int(t.timestamp())
    return False


def take_rest_corruption(st, has_bars):
    with st.lock:
        if st.rest_corrupt and has_bars:
            return st.rest_corrupt.pop(0)
        if st.rest_corrupt and st.rest_corrupt[0] == "bad_json":
            return st.rest_corrupt.pop(0)
    return None


def bars_answer(st, query):
    q = urllib.parse.parse_qs(query, keep_blank_values=True)
    allowed = {"symbols", "timeframe", "start", "end", "limit", "page_token", "feed", "adjustment", "sort", "asof", "currency"}
    for k in q:
        if k not in allowed:
            return api_error(422, 42210000, "unknown parameter %r" % k)
        if len(q[k]) != 1:
            return api_error(422, 42210000, "parameter %r given %d times" % (k, len(q[k])))
    p = {k: v[0] for k, v in q.items()}
    syms = [s.strip() for s in p.get("symbols", "").split(",") if s.strip()]
    if not syms:
        return api_error(422, 42210000, "symbols: missing")
    tf = p.get("timeframe", "")
    if tf not in ("1Day", "1D", "1Min", "1T"):
        return api_error(422, 42210000, "timeframe: %r is not 1Day or 1Min" % tf)
    minute = tf in ("1Min", "1T")
    try:
        limit = int(p.get("limit", "1000"))
    except ValueError:
        return api_error(422, 42210000, "limit: %r is not an integer" % p["limit"])
    if not 1 <= limit <= 10000:
        return api_error(422, 42210000, "limit: %d is not in 1..10000" % limit)
    if p.get("feed", "iex") not in ("iex", "sip"):
        return api_error(422, 42210000, "feed: %r is not iex or sip" % p["feed"])
    if p.get("adjustment", "raw") != "raw":
        return api_error(422, 42210000, "adjustment: only raw is served")
    if p.get("sort", "asc") != "asc":
        return api_error(422, 42210000, "sort: only asc is served")
    try:
        start = parse_time_param(p["start"], "start") if "start" in p else None
        end = parse_time_param(p["end"], "end") if "end" in p else None
    except ValueError as e:
        return api_error(422, 42210000, str(e))
    syms = sorted(set(syms))
    for sym in syms:
        if sym in st.series:
            st.series[sym].parsed()
    first_sym, first_t = None, None
    if p.get("page_token"):
        try:
            raw = base64.urlsafe_b64decode(p["page_token"].encode("ascii") + b"==").decode("ascii")
            ver, first_sym, first_t = raw.split("|")
            if ver != "v1" or first_sym not in syms or len(first_t) != 20:
                raise ValueError
        except (ValueError, UnicodeError):
            return api_error(400, 40010001, "invalid page_token %r" % p["page_token"][:64])
    with st.lock:
        today = st.today
        lm = st.last_modified()
        out = {}
        count = 0
        next_token = None
        for sym in syms:
            if first_sym is not None and sym < first_sym:
                continue
            s = st.series.get(sym)
            if s is None:
                continue
            rows = s.parsed()
            lo_i = 0
            hi_i = bisect.bisect_right(s.dates, today)
            if start is not None and start[0] == "date":
                lo_i = bisect.bisect_left(s.dates, start[1])
            elif start is not None:
                lo_i = bisect.bisect_left(s.dates, start[1][:10])
            if end is not None and end[0] == "date":
                hi_i = min(hi_i, bisect.bisect_right(s.dates, end[1]))
            elif end is not None:
                hi_i = min(hi_i, bisect.bisect_right(s.dates, end[1][:10]))
            lst = []
            i = lo_i
            while i < hi_i:
                d = s.dates[i]
                row = rows[i]
                if minute:
                    items = [(m[0],) + m[1:] for m in minute_bars(d, row)]
                else:
                    o, h, lo, c, v = row
                    items = [(day_stamp(d), o, h, lo, c, v, max(1, v // 100), (h + lo + c) / 3)]
                for t, o, h, lo, c, v, n, vw in items:
                    if start is not None and start[0] == "time" and t < start[1]:
                        continue
                    if end is not None and end[0] == "time" and t > end[1]:
                        continue
                    if first_t is not None and sym == first_sym and t < first_t:
                        continue
                    if count == limit:
                        tok = "v1|%s|%s" % (sym, t)
                        next_token = base64.urlsafe_b64encode(tok.encode()).decode().rstrip("=")
                        break
                    lst.append({"t": t, "o": o, "h": h, "l": lo, "c": c, "v": v, "n": n, "vw": vw})
                    count += 1
                if next_token is not None:
                    break
                i += 1
            if lst:
                out[sym] = lst
            if next_token is not None:
                break
    corrupt = take_rest_corruption(st, bool(out))
    if corrupt == "bad_price":
        bar = next(iter(out.values()))[0]
        bar["o"] = -abs(bar["o"]) if bar["o"] else -1.0
    body = json_bytes({"bars": out, "next_page_token": next_token})
    if corrupt == "bad_json":
        body = body[: max(1, len(body) // 2)] + b"}{,"
    return 200, {"Content-Type": "application/json", "_lm": lm}, body


def csv_answer(st, sym):
    with st.lock:
        s = st.series.get(sym)
        if s is None:
            return api_error(404, 40410000, "no symbol %r" % sym)
        n = bisect.bisect_right(s.dates, st.today)
        lines = s.lines[:n]
        lm = st.last_modified()
    corrupt = take_rest_corruption(st, bool(lines))
    if corrupt == "bad_price":
        f = lines[0].split(",")
        f[1] = "-" + f[1].lstrip("-")
        lines = [",".join(f)] + lines[1:]
    body = (HEADER + "\n" + "".join(ln + "\n" for ln in lines)).encode()
    if corrupt == "bad_json":
        body = body[: max(1, len(body) // 2)] + b"\x00,,x\n"
    return 200, {"Content-Type": "text/csv", "_lm": lm}, body


# ---- control actions ----
def need_int(body, name, lo, hi, default=None):
    v = body.get(name, default)
    if v is None:
        raise ValueError("%s: missing" % name)
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        raise ValueError("%s: %r is not an integer in %d..%d" % (name, v, lo, hi))
    return v


def need_num(body, name, lo, hi, default=None):
    v = body.get(name, default)
    if v is None:
        raise ValueError("%s: missing" % name)
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not lo <= v <= hi:
        raise ValueError("%s: %r is not a number in %g..%g" % (name, v, lo, hi))
    return v


def control_fault(st, body):
    kind = body.get("kind")
    if kind == "status":
        status = need_int(body, "status", 400, 599)
        f = {"kind": "status", "status": status, "count": need_int(body, "count", 1, 10**6, 1)}
        if body.get("retry_after") is not None:
            f["retry_after"] = need_int(body, "retry_after", 0, 3600)
    elif kind == "stall":
        f = {"kind": "stall", "seconds": need_num(body, "seconds", 0, 600), "count": need_int(body, "count", 1, 10**6, 1)}
    elif kind in ("bad_json", "bad_price"):
        with st.lock:
            st.rest_corrupt.append(kind)
        return {"ok": True}
    else:
        raise ValueError("kind: %r is not status, stall, bad_json or bad_price" % kind)
    with st.lock:
        st.faults.append(f)
    return {"ok": True}


def control_revise(st, body):
    sym = body.get("symbol")
    date = body.get("date")
    with st.lock:
        s = st.series.get(sym) if isinstance(sym, str) else None
        if s is None:
            raise ValueError("symbol: %r is not served" % (sym,))
        i = bisect.bisect_left(s.dates, date) if isinstance(date, str) else -1
        if i < 0 or i >= len(s.dates) or s.dates[i] != date:
            raise ValueError("date: %r has no bar for %s" % (date, sym))
        rows = s.parsed()
        o, h, lo, c, v = rows[i]
        o = float(need_num(body, "open", -1e12, 1e12, o))
        h = float(need_num(body, "high", -1e12, 1e12, h))
        lo = float(need_num(body, "low", -1e12, 1e12, lo))
        c = float(need_num(body, "close", -1e12, 1e12, c))
        v = need_int(body, "volume", 0, 10**15, v)
        rows[i] = (o, h, lo, c, v)
        s.lines[i] = "%s,%r,%r,%r,%r,%d" % (date, o, h, lo, c, v)
        st.revisions += 1
        return {"ok": True, "bar": {"date": date, "open": o, "high": h, "low": lo, "close": c, "volume": v}}


def control_stream(st, body):
    kind = body.get("kind")
    target = body.get("target")
    if target not in (None, "stream", "rest", "both"):
        raise ValueError("target: %r is not stream, rest or both" % (target,))
    with st.lock:
        if kind == "drop":
            after = body.get("after")
            if after is not None:
                st.drop_after = need_int(body, "after", 0, 10**9)
                return {"ok": True, "drop_after": st.drop_after}
        elif kind == "duplicate":
            st.duplicate += need_int(body, "count", 1, 10**6, 1)
            return {"ok": True}
        elif kind == "shuffle":
            st.shuffle = True
            return {"ok": True}
        elif kind in ("bad_json", "bad_price"):
            target = target or ("stream" if kind == "bad_json" else "rest")
            if target in ("stream", "both"):
                st.stream_corrupt.append(kind)
            if target in ("rest", "both"):
                st.rest_corrupt.append(kind)
            return {"ok": True}
        else:
            raise ValueError("kind: %r is not drop, duplicate, shuffle, bad_json or bad_price" % (kind,))
    # drop now
    n = run_on_loop(st, drop_all(st), 10)
    return {"ok": True, "dropped": n}


def control_advance(st, body):
    days = need_int(body, "days", 0, 100000, 1)
    with st.lock:
        i = bisect.bisect_right(st.calendar, st.today)
        new_days = st.calendar[i:i + days]
        if new_days:
            st.today = new_days[-1]
            st.window_start = None  # a new simulated day: a fresh rate window
        today = st.today
    sent = 0
    if new_days and st.loop is not None:
        sent = run_on_loop(st, deliver_days(st, new_days), 300)
    return {"ok": True, "today": today, "advanced": len(new_days), "days": new_days, "stream_messages": sent}


def run_on_loop(st, coro, timeout):
    fut = asyncio.run_coroutine_threadsafe(coro, st.loop)
    return fut.result(timeout)


# ---- stream ----
class Conn:
    def __init__(self, ws):
        self.ws = ws
        self.authed = False
        self.bars = set()
        self.all_bars = False
        self.dropped = False

    def wants(self, sym):
        return self.all_bars or sym in self.bars


async def drop_all(st):
    """Closes every stream connection now: no bar is sent to them after this
    returns; the close handshake finishes in the background (close_timeout)."""
    with st.lock:
        conns = list(st.conns)
        st.conns.clear()
    for c in conns:
        c.dropped = True
        asyncio.ensure_future(c.ws.close(1001, "dropped by test control"))
    return len(conns)


async def deliver_days(st, days):
    """Sends each new day's minute bars to every subscribed connection."""
    sent = 0
    for d in days:
        with st.lock:
            syms = sorted(st.series)
            per_minute = [[] for _ in MINUTES]
            for sym in syms:
                s = st.series[sym]
                i = bisect.bisect_left(s.dates, d)
                if i >= len(s.dates) or s.dates[i] != d:
                    continue
                for k, m in enumerate(minute_bars(d, s.parsed()[i])):
                    t, o, h, lo, c, v, n, vw = m
                    per_minute[k].append({"T": "b", "S": sym, "o": o, "h": h, "l": lo, "c": c, "v": v, "t": t, "n": n, "vw": vw})
            msgs = [m for ms in per_minute for m in ms]
            if st.shuffle and len(msgs) > 1:
                st.shuffle = False
                rng = random.Random(d)
                orig = list(msgs)
                while msgs == orig:
                    rng.shuffle(msgs)
        for m in msgs:
            with st.lock:
                targets = [c for c in st.conns if c.authed and c.wants(m["S"])]
            if not targets:
                continue
            with st.lock:
                dup = 0
                if st.duplicate > 0:
                    st.duplicate -= 1
                    dup = 1
                corrupt = st.stream_corrupt.pop(0) if st.stream_corrupt else None
            frame = json.dumps([m], separators=(",", ":"))
            if corrupt == "bad_price":
                bad = dict(m)
                bad["o"] = -abs(bad["o"]) if bad["o"] else -1.0
                frame = json.dumps([bad], separators=(",", ":"))
            elif corrupt == "bad_json":
                frame = frame[: len(frame) // 2] + "}{,"
            for _ in range(1 + dup):
                for c in targets:
                    if c.dropped:
                        continue
                    try:
                        await c.ws.send(frame)
                    except websockets.ConnectionClosed:
                        continue
                    with st.lock:
                        st.st_msgs += 1
                    sent += 1
                with st.lock:
                    if st.drop_after is not None:
                        st.drop_after -= 1
                        drop = st.drop_after <= 0
                        if drop:
                            st.drop_after = None
                    else:
                        drop = False
                if drop:
                    await drop_all(st)
    return sent


def subscription_msg(c):
    return [{"T": "subscription", "trades": [], "quotes": [], "bars": ["*"] if c.all_bars else sorted(c.bars),
             "updatedBars": [], "dailyBars": [], "statuses": [], "lulds": [], "corrections": [], "cancelErrors": []}]


async def stream_handler(st, ws, path):
    if path not in ("/v2/iex", "/v2/sip"):
        await ws.send(json.dumps([{"T": "error", "code": 404, "msg": "not found"}]))
        await ws.close(1008, "unknown path")
        return
    c = Conn(ws)
    with st.lock:
        st.conns.add(c)
        st.st_conns += 1
    try:
        await ws.send(json.dumps([{"T": "success", "msg": "connected"}]))
        while True:
            try:
                raw = await asyncio.wait_for(ws.recv(), timeout=None if c.authed else st.args.auth_timeout)
            except asyncio.TimeoutError:
                await ws.send(json.dumps([{"T": "error", "code": 404, "msg": "auth timeout"}]))
                await ws.close(1008, "auth timeout")
                return
            try:
                msg = json.loads(raw)
                if not isinstance(msg, dict) or not isinstance(msg.get("action"), str):
                    raise ValueError
            except ValueError:
                await ws.send(json.dumps([{"T": "error", "code": 400, "msg": "invalid syntax"}]))
                continue
            act = msg["action"]
            if act == "auth":
                if c.authed:
                    await ws.send(json.dumps([{"T": "error", "code": 403, "msg": "already authenticated"}]))
                elif msg.get("key") == st.args.key and msg.get("secret") == st.args.secret:
                    c.authed = True
                    await ws.send(json.dumps([{"T": "success", "msg": "authenticated"}]))
                else:
                    await ws.send(json.dumps([{"T": "error", "code": 402, "msg": "auth failed"}]))
                    await ws.close(1008, "auth failed")
                    return
                continue
            if not c.authed:
                await ws.send(json.dumps([{"T": "error", "code": 401, "msg": "not authenticated"}]))
                continue
            if act in ("subscribe", "unsubscribe"):
                bars = msg.get("bars", [])
                if not isinstance(bars, list) or not all(isinstance(b, str) for b in bars):
                    await ws.send(json.dumps([{"T": "error", "code": 400, "msg": "invalid syntax"}]))
                    continue
                with st.lock:
                    for b in bars:
                        if b == "*":
                            c.all_bars = act == "subscribe"
                            if not c.all_bars:
                                c.bars.clear()
                        elif act == "subscribe":
                            c.bars.add(b)
                        else:
                            c.bars.discard(b)
                await ws.send(json.dumps(subscription_msg(c)))
            else:
                await ws.send(json.dumps([{"T": "error", "code": 400, "msg": "invalid syntax"}]))
    except websockets.ConnectionClosed:
        pass
    finally:
        with st.lock:
            st.conns.discard(c)


class RestServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


async def amain(st, args):
    loop = asyncio.get_running_loop()
    st.loop = loop
    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))

    Handler.state = st
    rest = RestServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=rest.serve_forever, daemon=True).start()

    async def handler(ws, path):
        await stream_handler(st, ws, path)

    server = await websockets.server.serve(handler, "127.0.0.1", 0, max_size=1 << 16, ping_interval=None, close_timeout=2)
    sport = server.sockets[0].getsockname()[1]
    rport = rest.server_address[1]
    tmp = args.portfile + ".tmp.%d" % os.getpid()
    with open(tmp, "w") as fh:
        json.dump({"rest": rport, "stream": sport}, fh)
    os.replace(tmp, args.portfile)
    if args.verbose:
        sys.stderr.write("fake_alpaca: rest %d stream %d today %s\n" % (rport, sport, st.today))
    try:
        await asyncio.wait_for(stop, timeout=args.max_seconds)
    except asyncio.TimeoutError:
        sys.stderr.write("fake_alpaca: --max-seconds %g reached, exiting\n" % args.max_seconds)
    server.close()
    rest.shutdown()


def main():
    ap = argparse.ArgumentParser(description="fake Alpaca market-data server for argo's tests")
    ap.add_argument("--data", required=True)
    ap.add_argument("--portfile", required=True)
    ap.add_argument("--key", default="test-key")
    ap.add_argument("--secret", default="test-secret")
    ap.add_argument("--today")
    ap.add_argument("--rate-limit", type=int, default=200)
    ap.add_argument("--rate-window", type=float, default=60.0)
    ap.add_argument("--max-seconds", type=float, default=600.0)
    ap.add_argument("--auth-timeout", type=float, default=10.0)
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    if args.rate_limit < 1 or args.rate_window <= 0:
        ap.error("--rate-limit must be >= 1 and --rate-window > 0")
    if args.today is not None:
        try:
            dt.date.fromisoformat(args.today)
        except ValueError:
            ap.error("--today %r is not YYYY-MM-DD" % args.today)
    try:
        series = load_data(args.data)
    except (OSError, DataError, UnicodeError) as e:
        sys.stderr.write("fake_alpaca: %s\n" % e)
        return 2
    st = State(args, series)
    asyncio.run(amain(st, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
