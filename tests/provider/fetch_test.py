#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""`argo fetch` end to end against the fake provider (fake_alpaca.py),
which serves the shipped real series (MSFT, TTRC) day by day.

Usage: fetch_test.py ARGO SOURCE_DIR WORK_DIR

What it checks (each a line "ok ..." or "FAIL ..."):
- the first fetch of years of history, in pages, stores exactly the bars
  `argo ingest` stores from the same CSV rows (compared row by row);
- a second fetch at once is one batched call answered 304: nothing parsed
  or written, cache hit rate 100%;
- after one new day: one call, the new bar of each symbol stored, the
  overlapped bar a duplicate;
- a revised bar: recorded once as a correction with both versions, the
  stored bar kept, reported; the same revision again is not a new one;
- 429 with Retry-After (waited), 500s (retried), a stalled server
  (timed out and retried), 500s past the retries (exit 1, one line,
  nothing stored);
- bad JSON and a bad price: exit 1, one line naming the request and the
  bar, nothing stored;
- the call budget: batches that would pass it are not sent and their
  symbols are reported as not fetched;
- the CSV-over-HTTP provider stores the same bars;
- the secret key never appears in any output.
"""
import csv
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fakeprovider import Fake  # noqa: E402

ARGO, SRC, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
PY = "/usr/bin/python3"
DATA = os.path.join(SRC, "data", "market")
FAILS = []
KEY, SECRET = "fetch-test-key", "s3cr3t-fetch-test-value"
TODAY = "2001-06-01"


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILS.append(what)
    return cond


def start_fake(today=TODAY):
    return Fake(WORK, DATA, today, KEY, SECRET, max_seconds=300,
                log=os.path.join(WORK, "fake.log"))


def write_conf(path, fake, **extra):
    keys = {"kind": "alpaca", "rest_url": f"http://127.0.0.1:{fake.rest}",
            "history_start": "1985-01-01", "page_limit": "1000", "retry_base_ms": "50",
            "retry_cap_ms": "200", "timeout_s": "2", "retry_after_max_s": "5"}
    keys.update({k: str(v) for k, v in extra.items()})
    with open(path, "w") as f:
        f.write("[provider]\n")
        for k, v in keys.items():
            f.write(f"{k} = {v}\n")


ENV = dict(os.environ, APCA_API_KEY_ID=KEY, APCA_API_SECRET_KEY=SECRET)
ENV.pop("ARGO_DB", None)
ENV.pop("ARGO_CONFIG", None)
OUTPUTS = []


def argo(*args, env=ENV):
    r = subprocess.run([ARGO, *args], capture_output=True, text=True, timeout=180, env=env)
    OUTPUTS.append(r.stdout + r.stderr)
    return r


def fetch(conf, db, *more):
    r = argo("fetch", "--config", conf, "--db", db, "--json", *more)
    doc = None
    try:
        doc = json.loads(r.stdout) if r.stdout.strip() else None
    except ValueError:
        pass
    return r, doc


def bars(db):
    con = sqlite3.connect(db)
    rows = con.execute("SELECT s.name, b.ts, b.open, b.high, b.low, b.close, b.volume FROM bars b"
                       " JOIN symbols s ON s.id = b.symbol_id ORDER BY s.name, b.ts").fetchall()
    con.close()
    return rows


def corrections(db):
    con = sqlite3.connect(db)
    rows = con.execute("SELECT * FROM bar_corrections ORDER BY id").fetchall()
    con.close()
    return rows


def reference(upto):
    """The bars argo ingest stores from the CSV rows dated up to `upto`."""
    d = os.path.join(WORK, "ref-" + upto)
    os.makedirs(d, exist_ok=True)
    files = []
    for name in sorted(os.listdir(DATA)):
        src = list(csv.reader(open(os.path.join(DATA, name))))
        out = os.path.join(d, name)
        with open(out, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(src[0])
            for row in src[1:]:
                if row[0] <= upto:
                    w.writerow(row)
        files.append(out)
    db = os.path.join(d, "ref.db")
    if os.path.exists(db):
        os.unlink(db)
    r = argo("ingest", "--db", db, *files)
    check(r.returncode == 0, f"reference ingest up to {upto}: {r.stderr.strip()}")
    return bars(db)


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    fake = start_fake()
    try:
        run_all(fake)
    finally:
        fake.stop()
    leaked = [o for o in OUTPUTS if SECRET in o]
    check(not leaked, "the secret key appears in no output of argo")
    print(f"{len(FAILS)} failed" if FAILS else "all passed")
    return 1 if FAILS else 0


def run_all(fake):
    revised_key = revised_close = None
    conf = os.path.join(WORK, "argo.conf")
    db = os.path.join(WORK, "fetch.db")
    write_conf(conf, fake)

    # 1. years of history, in pages
    t = time.time()
    r, doc = fetch(conf, db, "--symbols", "MSFT,TTRC")
    check(r.returncode == 0 and doc, f"first fetch exits 0 with a report: {r.stderr.strip()[:300]}")
    if not doc:
        return
    ref = reference(TODAY)
    got = bars(db)
    check(got == ref, f"first fetch: {len(got)} bars, equal row by row to argo ingest's {len(ref)}")
    check(doc["calls"] > 1 and doc["batches"] == 1,
          f"first fetch: one batch of both symbols in {doc['calls']} paged calls")
    check(doc["bars"] == len(ref), f"the report counts {doc['bars']} new bars")
    print(f"     first fetch: {doc['calls']} calls, {doc['bytes']} bytes, {time.time() - t:.2f} s")

    # 2. nothing new: one call whose answer is the overlap, then the same
    # call again, answered 304
    r, doc = fetch(conf, db)
    check(r.returncode == 0 and doc and doc["calls"] == 1 and doc["bars"] == 0
          and doc["duplicates"] >= 2 and doc["not_modified"] == 0,
          f"a fetch right after: one call, nothing new, the week's stored bars asked again "
          f"are duplicates ({doc and doc['duplicates']})")
    before = fake.control("stats")
    r, doc = fetch(conf, db)
    after = fake.control("stats")
    check(r.returncode == 0 and doc and doc["calls"] == 1 and doc["not_modified"] == 1,
          f"the same fetch again is one call answered 304 (calls {doc and doc['calls']})")
    check(doc and doc["cache_hit_rate"] == 1.0 and doc["bars"] == 0 and doc["unchanged"] == 2,
          "... cache hit rate 100%, no bar, both symbols unchanged")
    check(after["status"].get("304", 0) - before["status"].get("304", 0) == 1,
          "the server answered exactly one 304")
    check(bars(db) == ref, "the store is unchanged by the 304")

    # 3. one new day
    fake.control("advance", {"days": 1})
    today = fake.control("stats")["today"]
    r, doc = fetch(conf, db)
    check(r.returncode == 0 and doc and doc["calls"] == 1 and doc["bars"] == 2,
          f"after one new day ({today}): one call, 2 new bars ({doc and doc['bars']})")
    check(doc and doc["duplicates"] >= 2 and doc["not_modified"] == 0,
          "... the same request as before (the week's), answered 200: its stored bars duplicates")
    ref = reference(today)
    check(bars(db) == ref, "... the store equals argo ingest's up to the new day")

    # 4. a revised bar (the last stored one, which the overlap asks again)
    last = [b for b in ref if b[0] == "MSFT"][-1]
    stored_close = last[5]
    revised_key, revised_close = last[:2], stored_close + 0.01
    fake.control("revise", {"symbol": "MSFT", "date": today, "close": stored_close + 0.01,
                            "high": max(last[3], stored_close + 0.01)})
    r, doc = fetch(conf, db)
    check(r.returncode == 0 and doc and doc["corrections"] == 1,
          f"a revised bar is reported as one correction (exit {r.returncode}, "
          f"{doc and doc['corrections']})")
    check("revised by the provider" in r.stderr and "MSFT" in r.stderr,
          "... and said on stderr: " + r.stderr.strip()[:200])
    check(bars(db) == ref, "... the stored bar is kept (never silently applied)")
    cs = corrections(db)
    check(len(cs) == 1, f"... one row in bar_corrections ({len(cs)})")
    if cs:
        row = cs[0]
        check(stored_close in row and stored_close + 0.01 in row,
              "... holding the stored close and the revised close")
    r, doc = fetch(conf, db)
    check(r.returncode == 0 and doc and doc["corrections"] == 0 and len(corrections(db)) == 1,
          "the same revision fetched again is not a new correction")

    # 5. 429 with Retry-After, 500s, a stall
    fake.control("fault", {"kind": "status", "status": 429, "count": 1, "retry_after": 1})
    t = time.time()
    r, doc = fetch(conf, db, "--since", "2001-01-02")
    took = time.time() - t
    check(r.returncode == 0 and doc and doc["retries"] == 1 and took >= 0.9,
          f"429 with Retry-After 1: waited ({took:.2f} s) and retried once")
    fake.control("fault", {"kind": "status", "status": 500, "count": 2})
    r, doc = fetch(conf, db, "--since", "2001-01-03")
    check(r.returncode == 0 and doc and doc["retries"] == 2, "two 500s: retried twice, then stored")
    fake.control("fault", {"kind": "stall", "seconds": 4, "count": 1})
    t = time.time()
    r, doc = fetch(conf, db, "--since", "2001-01-04")
    took = time.time() - t
    check(r.returncode == 0 and doc and doc["retries"] == 1 and took < 4,
          f"a stalled answer times out after 2 s and is retried ({took:.2f} s)")
    n = len(bars(db))
    fake.control("advance", {"days": 1})
    fake.control("fault", {"kind": "status", "status": 500, "count": 5})  # 1 + 4 retries
    r, doc = fetch(conf, db)
    line = r.stderr.strip().splitlines()[-1] if r.stderr.strip() else ""
    check(r.returncode == 1 and "gave up after 5 attempts" in line,
          f"500s past the retries: exit 1, one line: {line[:200]}")
    check(len(bars(db)) == n, "... nothing stored")

    # 6. bad answers
    fake.control("fault", {"kind": "bad_price"})
    r, doc = fetch(conf, db)
    line = r.stderr.strip().splitlines()[-1] if r.stderr.strip() else ""
    check(r.returncode == 1 and len(bars(db)) == n and "argo fetch:" in line,
          f"a bad price: exit 1, nothing stored: {line[:200]}")
    fake.control("fault", {"kind": "bad_json", "target": "rest"})
    r, doc = fetch(conf, db)
    line = r.stderr.strip().splitlines()[-1] if r.stderr.strip() else ""
    check(r.returncode == 1 and len(bars(db)) == n and "argo fetch:" in line,
          f"bad JSON: exit 1, nothing stored: {line[:200]}")
    r, doc = fetch(conf, db)
    check(r.returncode == 0 and doc and doc["bars"] == 2, "the next fetch stores the new day")

    # 7. the call budget: one symbol a batch, one call a cycle
    conf2 = os.path.join(WORK, "budget.conf")
    write_conf(conf2, fake, batch_symbols=1, calls_per_cycle=1)
    fake.control("advance", {"days": 1})
    r, doc = fetch(conf2, db, "--until", fake.control("stats")["today"])
    check(r.returncode == 0 and doc and doc["calls"] == 1 and doc["not_fetched"] == 1
          and doc["batches_not_sent"] == 1,
          f"a budget of 1 call: one batch sent, the other symbol reported not fetched "
          f"({doc and [(s['symbol'], s['status']) for s in doc['symbols']]})")
    conf3 = os.path.join(WORK, "day.conf")
    write_conf(conf3, fake, batch_symbols=1, calls_per_day=1)
    r, doc = fetch(conf3, db, "--until", fake.control("stats")["today"])
    check(r.returncode == 0 and doc and doc["calls"] == 0 and doc["not_fetched"] == 2,
          f"the day's budget already spent: no call, both symbols not fetched "
          f"(calls today {doc and doc['calls_today']})")

    # 8. CSV over HTTP
    conf4 = os.path.join(WORK, "csv.conf")
    with open(conf4, "w") as f:
        f.write(f"[provider]\nkind = csv\nrest_url = http://127.0.0.1:{fake.rest}/csv/{{symbol}}.csv\n"
                "history_start = 1985-01-01\nretry_base_ms = 50\n")
    db2 = os.path.join(WORK, "csv.db")
    r, doc = fetch(conf4, db2, "--symbols", "MSFT,TTRC")
    today = fake.control("stats")["today"]
    ref = reference(today)
    got = bars(db2)
    check(r.returncode == 0 and doc and doc["calls"] == 2,
          f"csv provider: one call per symbol: {r.stderr.strip()[:200]}")
    # the provider's CSV holds the revision made above (a fresh store takes it)
    diff = [(a, b) for a, b in zip(got, ref) if a != b]
    check(len(got) == len(ref) and len(diff) == 1 and diff[0][0][:2] == revised_key
          and diff[0][0][5] == revised_close,
          f"csv provider: {len(got)} bars equal to argo ingest's but the revised one ({diff[:1]})")
    r, doc = fetch(conf4, db2)
    check(r.returncode == 0 and doc and doc["not_modified"] == 2 and doc["cache_hit_rate"] == 1.0,
          "csv provider: the next fetch is two 304s (hit rate 100%)")


if __name__ == "__main__":
    sys.exit(main())
