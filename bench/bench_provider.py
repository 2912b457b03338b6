#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""bench_provider.py - what market data costs in provider calls, measured
against the fake provider (tests/provider/fake_alpaca.py), which counts
every request it answers.

1. A daily cycle of SYMBOLS symbols: `argo fetch` after one new day, and
   again the same day (nothing new), with Alpaca's batched bars
   (batch_symbols 100) and, as the peer, the CSV-over-HTTP source (one
   request per symbol). Calls per cycle and the HTTP cache's hit rate,
   against the replaced system's claim: "< 15 calls per cycle, > 80% hit
   rate".
2. A trading day of polling against the stream, for `argo serve`: polling
   every POLL_S seconds through a 6.5-hour session is 6.5 * 3600 / POLL_S
   fetch cycles (78 at 300 s); the bench runs that many cycles with the
   server's poll interval compressed to 1 s, the day's bar arriving
   halfway. The stream: the same day with [provider] stream = 1 (one
   WebSocket, the catch-up fetch at the start). Calls per day and the
   reduction, against the claim "WebSocket streams: 70-80% API cost
   reduction".

Usage: bench/bench_provider.py [ARGO] [SYMBOLS] [DAYS] [POLL_S]
       (defaults: build-release/argo, 500, 260, 300)
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "provider"))
import fakeprovider  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
ARGO = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build-release", "argo")
SYMBOLS = int(sys.argv[2]) if len(sys.argv) > 2 else 500
DAYS = int(sys.argv[3]) if len(sys.argv) > 3 else 260
POLL_S = int(sys.argv[4]) if len(sys.argv) > 4 else 300
PY = "/usr/bin/python3"
KEY, SECRET = "bench-key", "bench-secret"
ENV = dict(os.environ, APCA_API_KEY_ID=KEY, APCA_API_SECRET_KEY=SECRET)
ENV.pop("ARGO_DB", None)
ENV.pop("ARGO_CONFIG", None)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Fake(fakeprovider.Fake):
    def __init__(self, work, data, today):
        super().__init__(work, data, today, KEY, SECRET, "--rate-limit", "1000000",
                         max_seconds=3600)

    def calls(self):
        return self.control("stats")["calls"]


SYMBOLS_FILE = None


def conf(path, fake, kind="alpaca", **extra):
    keys = {"kind": kind, "history_start": "2009-01-01", "retry_base_ms": "50",
            "symbols_file": SYMBOLS_FILE}
    if kind == "alpaca":
        keys["rest_url"] = f"http://127.0.0.1:{fake.rest}"
        keys["stream_url"] = f"ws://127.0.0.1:{fake.stream}/v2/iex"
    else:
        keys["rest_url"] = f"http://127.0.0.1:{fake.rest}/csv/{{symbol}}.csv"
    keys.update({k: str(v) for k, v in extra.items()})
    serve = keys.pop("serve", "")
    with open(path, "w") as f:
        f.write(serve)
        f.write("[provider]\n" + "".join(f"{k} = {v}\n" for k, v in keys.items()))


def fetch(cfg, db, *more):
    t = time.time()
    r = subprocess.run([ARGO, "fetch", "--config", cfg, "--db", db, "--json", *more],
                       capture_output=True, text=True, env=ENV, timeout=3600)
    if r.returncode:
        sys.exit("argo fetch failed: " + r.stderr.strip())
    doc = json.loads(r.stdout)
    doc["wall"] = time.time() - t
    return doc


def metrics(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
            text = r.read().decode()
    except OSError:
        return {}
    return {m.group(1): float(m.group(2)) for m in
            (re.match(r"^([a-z_]+) ([0-9.e+-]+)$", l) for l in text.splitlines()) if m}


def pct(x):
    return "n/a" if x is None else f"{x * 100:.1f}%"


def daily_cycle(work, data, last, kind):
    fake = Fake(work, data, last)
    try:
        cfg = os.path.join(work, f"{kind}.conf")
        conf(cfg, fake, kind)
        db = os.path.join(work, f"{kind}.db")
        first = fetch(cfg, db)
        fake.control("advance", {"days": 1})
        c0 = fake.calls()
        day = fetch(cfg, db)
        c1 = fake.calls()
        again = fetch(cfg, db)
        c2 = fake.calls()
        return first, day, c1 - c0, again, c2 - c1
    finally:
        fake.stop()


def serve_day(work, data, last, db_src, stream, polls):
    fake = Fake(work, data, last)
    port = free_port()
    db = os.path.join(work, f"serve-{stream}.db")
    shutil.copy(db_src, db)
    cfg = os.path.join(work, f"serve-{stream}.conf")
    conf(cfg, fake, stream=1 if stream else 0, poll_s=1,
         serve=f"[serve]\nlisten = 127.0.0.1:{port}\nmetrics_public = 1\n")
    c0 = fake.calls()
    srv = subprocess.Popen([ARGO, "serve", "--config", cfg, "--db", db], env=ENV,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        while time.time() < deadline and not metrics(port).get("argo_provider_fetch_cycles_total"):
            time.sleep(0.05)
        if stream:
            while time.time() < deadline and metrics(port).get("argo_feed_up") != 1:
                time.sleep(0.05)
            fake.control("advance", {"days": 1})
            want = SYMBOLS * 4
            while time.time() < deadline + 120 and \
                    metrics(port).get("argo_feed_minute_bars_total", 0) < want:
                time.sleep(0.1)
            time.sleep(1)
            cycles = metrics(port).get("argo_provider_fetch_cycles_total", 0)
        else:
            advanced = False
            deadline = time.time() + polls * 3 + 120
            while time.time() < deadline:
                n = metrics(port).get("argo_provider_fetch_cycles_total", 0)
                if not advanced and n >= polls // 2:
                    fake.control("advance", {"days": 1})
                    advanced = True
                if n >= polls:
                    break
                time.sleep(0.05)
            cycles = metrics(port).get("argo_provider_fetch_cycles_total", 0)
        calls = fake.calls() - c0
        conns = fake.control("stats").get("stream_connections", 0)
        return calls, cycles, conns
    finally:
        srv.send_signal(signal.SIGTERM)
        try:
            srv.wait(30)
        except subprocess.TimeoutExpired:
            srv.kill()
        fake.stop()


def main():
    work = tempfile.mkdtemp(prefix="bench_provider.", dir="/dev/shm" if os.access("/dev/shm", os.W_OK) else None)
    try:
        data = os.path.join(work, "data")
        r = subprocess.run([ARGO, "synth", "--symbols", str(SYMBOLS), "--days", str(DAYS),
                            "--csv", data], capture_output=True, text=True, env=ENV)
        if r.returncode:
            sys.exit("argo synth failed: " + r.stderr.strip())
        global SYMBOLS_FILE
        SYMBOLS_FILE = os.path.join(work, "symbols.txt")
        with open(SYMBOLS_FILE, "w") as f:
            f.write("".join(n[:-4] + "\n" for n in sorted(os.listdir(data))))
        dates = sorted(l.split(",")[0] for l in open(os.path.join(data, "SYN0001.csv")).read().split("\n")[1:] if l)
        last = dates[-2]
        print(f"bench_provider: {SYMBOLS} symbols x {DAYS} days (argo synth), the fake provider "
              f"on 127.0.0.1; one run, machine shared")
        print()
        print("1. a daily cycle: argo fetch after one new day, then again the same day")
        print(f"{'provider':<28}{'history calls':>14}{'cycle calls':>12}{'hit rate':>10}"
              f"{'again calls':>12}{'hit rate':>10}{'cycle s':>9}")
        rows = {}
        for kind, label in (("alpaca", "alpaca, 100 symbols/call"), ("csv", "csv, 1 symbol/call")):
            first, day, dcalls, again, acalls = daily_cycle(work, data, last, kind)
            rows[kind] = (day, again)
            print(f"{label:<28}{first['calls']:>14}{dcalls:>12}{pct(day['cache_hit_rate']):>10}"
                  f"{acalls:>12}{pct(again['cache_hit_rate']):>10}{day['seconds']:>9.3f}")
        a, c = rows["alpaca"][0]["calls"], rows["csv"][0]["calls"]
        print(f"calls per daily cycle: alpaca {a}, csv {c} (ratio {c / a:.0f}x); "
              f"the claim: < 15 calls, > 80% hit rate")
        print()
        polls = max(1, round(6.5 * 3600 / POLL_S))
        print(f"2. one trading day in argo serve: polling every {POLL_S} s ({polls} fetch cycles, "
              f"run at 1 s) against the stream")
        # a store up to the day before the new one: fetch it afresh
        fake = Fake(work, data, last)
        cfg = os.path.join(work, "base.conf")
        conf(cfg, fake)
        base = os.path.join(work, "base.db")
        fetch(cfg, base)
        fake.stop()
        pcalls, pcycles, _ = serve_day(work, data, last, base, False, polls)
        scalls, scycles, sconns = serve_day(work, data, last, base, True, polls)
        red = 1 - scalls / pcalls if pcalls else float("nan")
        print(f"{'mode':<12}{'REST calls/day':>16}{'fetch cycles':>14}{'WebSockets':>12}")
        print(f"{'polling':<12}{pcalls:>16}{int(pcycles):>14}{0:>12}")
        print(f"{'stream':<12}{scalls:>16}{int(scycles):>14}{sconns:>12}")
        print(f"reduction in REST calls: {red * 100:.1f}% (the claim: 70-80%)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
