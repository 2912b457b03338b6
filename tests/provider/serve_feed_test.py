#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""`argo serve` fed only by the provider's bar stream, for several
simulated days, makes exactly the signals and outcomes `argo replay`
makes on the same bars.

Usage: serve_feed_test.py ARGO SOURCE_DIR WORK_DIR [DAYS]

The fake provider (fake_alpaca.py) serves the shipped real series (MSFT,
TTRC). History up to the first day is fetched with `argo fetch`; then
`argo serve` runs with [provider] kind = alpaca and the stream on, and the
test advances the provider one trading day at a time: the stream sends
each day's minute bars, argo aggregates them into the daily bar, stores
it and runs a cycle. Along the way the stream is dropped in the middle of
a day (argo reconnects and fills the gap through REST), messages are sent
twice, out of order, and one is not JSON. Every day's bars must equal the
CSV's, and at the end the signals (every field but ids and model
versions, compared by rank) and outcomes equal those of `argo replay
--from FIRST_DAY` on a copy of the store.
"""
import csv
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fakeprovider import Fake  # noqa: E402

ARGO, SRC, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
DAYS = int(sys.argv[4]) if len(sys.argv) > 4 else 80
PY = "/usr/bin/python3"
DATA = os.path.join(SRC, "data", "market")
KEY, SECRET = "feed-test-key", "feed-test-secret-value"
START = "2001-01-31"
FAILS = []


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


ENV = dict(os.environ, APCA_API_KEY_ID=KEY, APCA_API_SECRET_KEY=SECRET)
ENV.pop("ARGO_DB", None)
ENV.pop("ARGO_CONFIG", None)


def argo(*args):
    return subprocess.run([ARGO, *args], capture_output=True, text=True, timeout=300, env=ENV)


def metrics(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
            text = r.read().decode()
    except OSError:
        return {}
    out = {}
    for line in text.splitlines():
        m = re.match(r"^([a-z_]+) ([0-9.e+-]+)$", line)
        if m:
            out[m.group(1)] = float(m.group(2))
    return out


def last_bars(db):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        rows = con.execute("SELECT s.name, MAX(b.ts) FROM bars b JOIN symbols s"
                           " ON s.id = b.symbol_id GROUP BY s.name").fetchall()
    finally:
        con.close()
    return dict(rows)


def stored_bars(db, since):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        rows = con.execute("SELECT s.name, b.ts, b.open, b.high, b.low, b.close, b.volume FROM"
                           " bars b JOIN symbols s ON s.id = b.symbol_id WHERE b.ts >= ?"
                           " ORDER BY s.name, b.ts", (since,)).fetchall()
    finally:
        con.close()
    return rows


def csv_bars(since, upto):
    out = []
    for name in sorted(os.listdir(DATA)):
        sym = name[:-4]
        for row in list(csv.reader(open(os.path.join(DATA, name))))[1:]:
            if since <= row[0] <= upto:
                ts = int(time.mktime(time.strptime(row[0], "%Y-%m-%d"))) - time.timezone
                out.append((sym, ts, *[float(x) for x in row[1:6]]))
    return sorted(out)


def day_ts(d):
    return int(time.mktime(time.strptime(d, "%Y-%m-%d"))) - time.timezone


def signals(db):
    r = argo("signals", "--db", db, "--json")
    if r.returncode:
        check(False, "argo signals: " + r.stderr.strip())
        return []
    doc = json.loads(r.stdout)
    rows = doc["signals"] if isinstance(doc, dict) else doc
    versions = sorted({s.get("model_version") for s in rows if s.get("model_version") is not None})
    rank = {v: i for i, v in enumerate(versions)}
    out = []
    for s in rows:
        s = dict(s)
        s.pop("id", None)
        if s.get("model_version") is not None:
            s["model_version"] = rank[s["model_version"]]
        out.append(json.dumps(s, sort_keys=True))
    return sorted(out)


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    fake = Fake(WORK, DATA, START, KEY, SECRET, log=os.path.join(WORK, "fake.log"))
    srv = None
    try:
        srv = run(fake)
    finally:
        if srv and srv.poll() is None:
            srv.kill()
        fake.stop()
    print(f"{len(FAILS)} failed" if FAILS else "all passed")
    return 1 if FAILS else 0


def run(fake):
    db = os.path.join(WORK, "serve.db")
    conf = os.path.join(WORK, "argo.conf")
    port = free_port()
    with open(conf, "w") as f:
        f.write(f"""[serve]
listen = 127.0.0.1:{port}
metrics_public = 1
[provider]
kind = alpaca
rest_url = http://127.0.0.1:{fake.rest}
stream_url = ws://127.0.0.1:{fake.stream}/v2/iex
symbols = MSFT,TTRC
history_start = 1985-01-01
retry_base_ms = 50
retry_cap_ms = 500
timeout_s = 5
""")
    r = argo("fetch", "--config", conf, "--db", db)
    if not check(r.returncode == 0, f"history fetched up to {START}: {r.stderr.strip()[:200]}"):
        return None
    log = open(os.path.join(WORK, "serve.log"), "w")
    srv = subprocess.Popen([ARGO, "serve", "--config", conf, "--db", db], env=ENV,
                           stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 30
    while time.time() < deadline and metrics(port).get("argo_feed_up") != 1:
        time.sleep(0.1)
    if not check(metrics(port).get("argo_feed_up") == 1, "argo serve's stream is live"):
        return srv
    first = None
    day = START
    drop_on, dup_on, shuffle_on, bad_on = 5, 9, 13, 17
    for k in range(1, DAYS + 1):
        if k == drop_on:
            fake.control("stream", {"kind": "drop", "after": 3})
        if k == dup_on:
            fake.control("stream", {"kind": "duplicate", "count": 5})
        if k == shuffle_on:
            fake.control("stream", {"kind": "shuffle"})
        if k == bad_on:
            fake.control("stream", {"kind": "bad_json"})
        before = metrics(port).get("argo_cycle_duration_seconds_count", 0)
        fake.control("advance", {"days": 1})
        day = fake.control("stats")["today"]
        first = first or day
        want = day_ts(day)
        deadline = time.time() + 30
        while time.time() < deadline:
            lb = last_bars(db)
            if lb.get("MSFT") == want and lb.get("TTRC") == want:
                break
            time.sleep(0.05)
        lb = last_bars(db)
        if not check(lb.get("MSFT") == want and lb.get("TTRC") == want,
                     f"day {k} ({day}): both bars stored from the stream"):
            return srv
        # the day's cycle(s) ran before the next day begins
        deadline = time.time() + 30
        while time.time() < deadline:
            m = metrics(port)
            if m.get("argo_cycle_duration_seconds_count", 0) > before and time.time():
                time.sleep(0.3)
                if metrics(port).get("argo_cycle_duration_seconds_count", 0) == \
                        m.get("argo_cycle_duration_seconds_count", 0):
                    break
            time.sleep(0.05)
    m = metrics(port)
    check(m.get("argo_feed_reconnects_total", 0) >= 1 and m.get("argo_feed_gap_fills_total", 0) >= 2,
          f"the dropped stream reconnected and its gap was filled (reconnects "
          f"{m.get('argo_feed_reconnects_total')}, gap fills {m.get('argo_feed_gap_fills_total')})")
    check(m.get("argo_feed_rejected_total", 0) >= 1, "the message that is not JSON was dropped")
    if shutil.which("promtool"):
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
            text = r.read()
        p = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                           timeout=60)
        check(p.returncode == 0 and b"argo_provider_calls_total" in text,
              "promtool check metrics with the provider's and the stream's families: "
              + (p.stdout + p.stderr).decode(errors="replace").strip()[:300])
    srv.send_signal(signal.SIGTERM)
    try:
        rc = srv.wait(30)
    except subprocess.TimeoutExpired:
        rc = None
    check(rc == 0, f"argo serve exits 0 after SIGTERM ({rc})")
    got = stored_bars(db, day_ts(first))
    want = csv_bars(first, day)
    if not check(got == want, f"{len(got)} bars from the stream, equal to the CSV's {len(want)}"):
        for a, b in zip(got, want):
            if a != b:
                print("     stream:", a)
                print("     csv:   ", b)
    live = signals(db)
    copy = os.path.join(WORK, "replay.db")
    shutil.copy(db, copy)
    r = argo("replay", "--db", copy, "--config", conf, "--from", first, "--quiet")
    check(r.returncode == 0, "argo replay --from " + first + ": " + r.stderr.strip()[:200])
    replayed = signals(copy)
    check(len(live) > 0, f"the stream's days made {len(live)} signals")
    check(live == replayed, f"argo serve's {len(live)} signals and outcomes equal argo replay's "
          f"{len(replayed)}, field by field")
    if live != replayed:
        for a, b in zip(live, replayed):
            if a != b:
                print("     live:  ", a)
                print("     replay:", b)
                break
    return srv


if __name__ == "__main__":
    sys.exit(main())
