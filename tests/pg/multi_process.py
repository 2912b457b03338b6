#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Several argo processes on one PostgreSQL database, and the faults of
a database server, on a throwaway cluster of this test's own
(scripts/pg.sh: the test restarts and stops it, so it shares it with
no other test).

Usage: multi_process.py ARGO SOURCE_DIR WORK_DIR

- Concurrent live cycles: day by day, two `argo generate` at once, then
  two `argo track` at once; the signals and the statistics equal those
  of the same days run one process at a time on SQLite (the reference):
  no signal made twice, no outcome resolved twice, none missing.
- Two `argo serve` on the database: bars posted to one reach the stream
  clients of the other, in seq order, none missing, none twice; and the
  other way round; and an `argo generate` run by hand reaches both.
- The server restarted while `argo generate` waits inside its
  transaction: the command says it runs again, succeeds, and the day's
  signals are made once.
- Connection refused (the server stopped): exit 1, one line, the URL's
  password masked.
- A lock held by another session past the busy timeout: exit 1,
  one line saying the store is busy, and nothing changed.

Exit 0 when every check passed, 1 otherwise, 77 when PostgreSQL 15 is
not installed. Every process started is stopped at the end, also on
failure; every wait is bounded.
"""
import asyncio
import http.client
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

import websockets

ARGO, SRC, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
FAILS = []
PROCS = []
SYMS, DAYS0, LIVE = 40, 260, 8  # symbols; days stored first; days run live
PG = "/usr/lib/postgresql/15/bin"


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


def run(*args, db=None, conf=None, timeout=120):
    cmd = [ARGO, *args]
    if db:
        cmd += ["--db", db]
    if conf:
        cmd += ["--config", conf]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def must(r, what):
    if not check(r.returncode == 0, what):
        print(r.stdout[-2000:], r.stderr[-2000:], sep="\n")
        raise SystemExit(finish())
    return r


def pgsh(*args):
    return subprocess.run([os.path.join(SRC, "scripts", "pg.sh"), *args], capture_output=True,
                          text=True, timeout=90)


def pgctl(*args):
    """pg_ctl on this test's cluster, as its owner (postgres under root)."""
    owner = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
    # no pipe of ours: a server pg_ctl starts would hold it open
    return subprocess.run([*owner, os.path.join(PG, "pg_ctl"), "-D", os.path.join(PGDIR, "data"),
                           "-l", os.path.join(PGDIR, "log"), *args], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, timeout=90)


def psql(sql):
    r = subprocess.run(["psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-h", PGDIR, "-p",
                        str(PGPORT), "-U", "postgres", "-d", "postgres", "-c", sql],
                       capture_output=True, text=True, timeout=60)
    return r.stdout.strip() if r.returncode == 0 else None


def finish():
    for p in PROCS:
        if p.poll() is None:
            p.kill()
            p.wait()
    pgsh("stop", PGDIR)
    for f in FAILS:
        print("FAILED: " + f)
    print("%d failures" % len(FAILS))
    return 1 if FAILS else 0


def day_files(d):
    """CSV files holding day d of every symbol (header + one row)."""
    out = os.path.join(WORK, "day%d" % d)
    os.makedirs(out, exist_ok=True)
    files = []
    for n in sorted(os.listdir(CSV)):
        with open(os.path.join(CSV, n)) as f:
            lines = f.read().splitlines()
        with open(os.path.join(out, n), "w") as f:
            f.write(lines[0] + "\n" + lines[1 + d] + "\n")
        files.append(os.path.join(out, n))
    return files


def history_files():
    """CSV files holding the first DAYS0 days of every symbol."""
    out = os.path.join(WORK, "history")
    os.makedirs(out, exist_ok=True)
    files = []
    for n in sorted(os.listdir(CSV)):
        with open(os.path.join(CSV, n)) as f:
            lines = f.read().splitlines()
        with open(os.path.join(out, n), "w") as f:
            f.write("\n".join(lines[:1 + DAYS0]) + "\n")
        files.append(os.path.join(out, n))
    return files


def signals_of(db):
    r = must(run("signals", "--json", db=db), "argo signals --json on " + label(db))
    return json.loads(r.stdout)


def stats_of(db):
    r = must(run("stats", "--json", db=db), "argo stats --json on " + label(db))
    return json.loads(r.stdout)


def label(db):
    return "PostgreSQL" if db.startswith("postgresql:") else "SQLite"


def parallel(args, db, conf=None):
    """Runs the same argo command in two processes at once."""
    cmd = [ARGO, *args, "--db", db] + (["--config", conf] if conf else [])
    ps = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
          for _ in range(2)]
    PROCS.extend(ps)
    return [(p.wait(120), *p.communicate()) for p in ps]


# ---- the cluster ----------------------------------------------------------
if not os.path.exists(os.path.join(PG, "initdb")):
    print("skipped: PostgreSQL 15 is not installed (scripts/setup.sh --test installs it)")
    sys.exit(77)
PGDIR = tempfile.mkdtemp(prefix="argo-multi-pg-")
PGPORT = free_port()
r = pgsh("start", PGDIR, str(PGPORT))
if r.returncode != 0:
    print("FAIL cannot start a PostgreSQL cluster:", r.stdout, r.stderr)
    sys.exit(1)
URL = "postgresql:///postgres?host=%s&port=%d&user=postgres&schema=multi" % (PGDIR, PGPORT)
SQ = os.path.join(WORK, "ref.db")
for f in (SQ, SQ + "-wal", SQ + "-shm"):
    if os.path.exists(f):
        os.unlink(f)
CSV = os.path.join(WORK, "csv")
shutil.rmtree(CSV, ignore_errors=True)
must(run("synth", "--symbols", str(SYMS), "--days", str(DAYS0 + LIVE + 4), "--csv", CSV),
     "argo synth writes the universe")

try:
    # ---- concurrent live cycles == one process at a time on SQLite ----
    hist = history_files()
    for db in (SQ, URL):
        must(run("ingest", *hist, db=db), "ingest %d days of %d symbols on %s" % (DAYS0, SYMS, label(db)))
        must(run("generate", db=db), "first generate on " + label(db))
        must(run("track", db=db), "first track on " + label(db))
    both_ok = True
    for d in range(DAYS0, DAYS0 + LIVE):
        files = day_files(d)
        must(run("ingest", *files, db=SQ), "ingest day %d on SQLite" % d)
        run("generate", db=SQ)
        run("track", db=SQ)
        # the same day on PostgreSQL: the bars twice at once too (one
        # stores them, the other finds them stored: repeats)
        res = parallel(["ingest", *files], URL)
        res += parallel(["generate"], URL)
        res += parallel(["track"], URL)
        for rc, out, err in res:
            if rc != 0:
                both_ok = False
                print(err)
    check(both_ok, "two ingests, two generates and two tracks at once succeed, %d days" % LIVE)
    ref, got = signals_of(SQ), signals_of(URL)
    check(len(ref) > 0, "the reference made signals (%d)" % len(ref))
    check(got == ref, "the signals of concurrent cycles on PostgreSQL equal one process's on "
          "SQLite (%d signals; none twice, none missing, same ids and outcomes)" % len(got))
    sref, sgot = stats_of(SQ), stats_of(URL)
    check(sgot == sref, "argo stats --json equal on both")

    # ---- two servers on one database ----
    conf = os.path.join(WORK, "serve.conf")
    with open(conf, "w") as f:
        f.write("[serve]\nheartbeat_s = 1\n")
    r = must(run("keys", "add", "--role", "admin", "--name", "multi", db=URL),
             "argo keys add on PostgreSQL")
    key = re.search(r"argo_[A-Za-z0-9_-]{43}", r.stdout).group(0)
    ports = [free_port(), free_port()]
    servers = []
    for i, port in enumerate(ports):
        p = subprocess.Popen([ARGO, "serve", "--db", URL, "--config", conf, "--listen",
                              "127.0.0.1:%d" % port], stdout=subprocess.PIPE,
                             stderr=open(os.path.join(WORK, "serve%d.err" % i), "w"), text=True)
        PROCS.append(p)
        servers.append(p)
        line = p.stdout.readline()
        check(line.startswith("argo serve: listening on "),
              "argo serve %d starts on the shared database (no serve hold)" % (i + 1))

    def post(port, d):
        bars = {}
        for n in sorted(os.listdir(CSV)):
            with open(os.path.join(CSV, n)) as f:
                row = f.read().splitlines()[1 + d]
            ts, o, h, lo, c, v = row.split(",")
            bars[n[:-4]] = [{"ts": ts, "open": float(o), "high": float(h), "low": float(lo),
                             "close": float(c), "volume": float(v)}]
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        c.request("POST", "/api/v1/admin/bars", body=json.dumps({"bars": bars}).encode(),
                  headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
        r = c.getresponse()
        r.read()
        return r.status

    async def listen(port, start, want_last, into):
        async with websockets.connect("ws://127.0.0.1:%d/api/v1/stream?resume_from=%d" % (
                port, start), extra_headers={"Authorization": "Bearer " + key},
                open_timeout=10, close_timeout=5) as ws:
            # every channel: each server logs a health event when its status
            # changes (at its first check, and every 30 s), which under load
            # can fall inside the window this test compares
            await ws.send(json.dumps({"type": "subscribe",
                                      "channels": ["signals", "outcomes", "bars", "health"]}))
            end = time.time() + 60
            while time.time() < end and (not into or into[-1] < want_last()):
                try:
                    m = json.loads(await asyncio.wait_for(ws.recv(), 1))
                except asyncio.TimeoutError:
                    continue
                if m.get("type") == "event":
                    into.append(m["seq"])

    def log_seqs(after):
        out = psql("SELECT seq FROM multi.events WHERE seq > %d ORDER BY seq" % after)
        return [int(x) for x in out.split()] if out else []

    async def two_servers():
        start = int(psql("SELECT coalesce(max(seq), 0) FROM multi.events") or 0)
        seen = [[], []]
        last = [None]
        tasks = [asyncio.create_task(listen(ports[i], start, lambda: last[0] or 1 << 62, seen[i]))
                 for i in range(2)]
        await asyncio.sleep(1.5)  # both subscribed
        d = DAYS0 + LIVE
        st1 = await asyncio.to_thread(post, ports[0], d)      # to server 1
        st2 = await asyncio.to_thread(post, ports[1], d + 1)  # to server 2
        r = await asyncio.to_thread(run, "ingest", *day_files(d + 2), db=URL)
        g = await asyncio.to_thread(run, "generate", db=URL)  # by hand, a third process
        check(st1 == 200 and st2 == 200 and r.returncode == 0 and g.returncode == 0,
              "a day posted to each server and one ingested and generated by hand")
        want = log_seqs(start)
        last[0] = want[-1] if want else start
        await asyncio.wait_for(asyncio.gather(*tasks), 90)
        return want, seen

    want, seen = asyncio.run(two_servers())
    check(len(want) > 0, "the three days logged %d events" % len(want))
    for i in range(2):
        if not check(seen[i] == want, "server %d's stream client got every event of all three "
                     "writers in seq order, none twice (%d of %d)" % (i + 1, len(seen[i]),
                                                                      len(want))):
            missing = sorted(set(want) - set(seen[i]))
            extra = [q for q in seen[i] if q not in set(want)]
            for q in missing:
                print("  missing seq %d: %s" % (q, psql(
                    "SELECT channel || ' ' || symbol || ' logged_at ' || logged_at"
                    " FROM multi.events WHERE seq = %d" % q)))
            if extra:
                print("  not in the log: %s" % extra)
            if seen[i] != sorted(seen[i]):
                print("  out of order: %s" % seen[i])
            print("  first seen %s, last seen %s, want %s..%s" % (
                seen[i][:1], seen[i][-1:], want[:1], want[-1:]))
    for p in servers:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            p.kill()
        check(p.returncode == 0, "argo serve exits 0 at SIGTERM")

    # ---- the server restarted while generate waits in its transaction ----
    d = DAYS0 + LIVE + 3
    must(run("ingest", *day_files(d), db=URL), "ingest the restart day")
    before = int(psql("SELECT count(*) FROM multi.signals"))
    slow = os.path.join(WORK, "slow.conf")
    with open(slow, "w") as f:
        f.write("[store]\nbusy_timeout_ms = 60000\n")
    # a second session holds the symbols table, so generate waits on its
    # first read, inside the transaction that holds the cycle lock
    holder = subprocess.Popen(["psql", "-X", "-q", "-h", PGDIR, "-p", str(PGPORT), "-U",
                               "postgres", "-d", "postgres"], stdin=subprocess.PIPE,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True)
    PROCS.append(holder)
    holder.stdin.write("BEGIN; LOCK TABLE multi.symbols IN ACCESS EXCLUSIVE MODE;\n"
                       "SELECT pg_sleep(600);\n")
    holder.stdin.flush()
    time.sleep(1)
    gen = subprocess.Popen([ARGO, "generate", "--db", URL, "--config", slow],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    PROCS.append(gen)
    waiting = False
    for _ in range(100):
        n = psql("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
        if n and int(n) > 0:
            waiting = True
            break
        time.sleep(0.1)
    check(waiting, "generate waits for the table inside its transaction")
    r = pgctl("restart", "-m", "fast", "-w", "-t", "30")
    check(r.returncode == 0, "the database server restarts (pg_ctl restart -m fast)")
    try:
        out, err = gen.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        gen.kill()
        out, err = gen.communicate()
    check(gen.returncode == 0, "generate succeeds after the restart (exit %s: %s)" % (
        gen.returncode, err.strip()[:300]))
    check("running it again" in err, "and says it ran the transaction again")
    holder.kill()
    after = int(psql("SELECT count(*) FROM multi.signals"))
    again = run("generate", db=URL)
    check(again.returncode == 0 and int(psql("SELECT count(*) FROM multi.signals")) == after,
          "the day's signals were made once (%d new; a second generate makes none)" % (
              after - before))
    # the same days one process at a time on SQLite: the served days as
    # cycles, the third by hand without a track, then the restart day
    for k in range(4):
        must(run("ingest", *day_files(DAYS0 + LIVE + k), db=SQ), "ingest day %d on SQLite" % (
            DAYS0 + LIVE + k))
        must(run("generate", db=SQ), "generate on SQLite")
        if k < 2:
            must(run("track", db=SQ), "track on SQLite")
    ref, got = signals_of(SQ), signals_of(URL)
    check(got == ref and len(got) > len(ref[:0]) and after > before,
          "after the servers and the restart, the signals equal one process's on SQLite (%d; "
          "the restart day made %d)" % (len(got), after - before))
    dups = psql("SELECT count(*) FROM (SELECT symbol_id, ts FROM multi.signals"
                " GROUP BY 1, 2 HAVING count(*) > 1) x")
    check(dups == "0", "no symbol has two signals at one time")

    # ---- a lock held by another session past the busy timeout ----
    quick = os.path.join(WORK, "quick.conf")
    with open(quick, "w") as f:
        f.write("[store]\nbusy_timeout_ms = 300\n")
    holder = subprocess.Popen(["psql", "-X", "-q", "-h", PGDIR, "-p", str(PGPORT), "-U",
                               "postgres", "-d", "postgres"], stdin=subprocess.PIPE,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True)
    PROCS.append(holder)
    holder.stdin.write("BEGIN; LOCK TABLE multi.symbols IN ACCESS EXCLUSIVE MODE;\n"
                       "SELECT pg_sleep(600);\n")
    holder.stdin.flush()
    time.sleep(1)
    n0 = psql("SELECT count(*) FROM multi.signals")
    r = run("generate", db=URL, conf=quick)
    lines = r.stderr.strip().splitlines()
    check(r.returncode == 1 and len(lines) == 1 and "argo generate:" in lines[0],
          "another session's lock past the busy timeout: exit 1, one line (%s)" % r.stderr.strip())
    holder.kill()
    holder.wait()
    check(psql("SELECT count(*) FROM multi.signals") == n0, "and nothing changed")

    # ---- connection refused ----
    secret = URL.replace("postgresql:///", "postgresql://postgres:hunter2@/")
    pgctl("stop", "-m", "fast", "-w", "-t", "30")
    r = run("stats", db=secret)
    lines = r.stderr.strip().splitlines()
    check(r.returncode == 1 and len(lines) == 1, "a stopped server: exit 1, one line (%s)" %
          r.stderr.strip())
    check("hunter2" not in r.stderr and "***" in r.stderr, "the password is masked")
finally:
    code = finish()
sys.exit(code)
