#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""kill -9 campaign: commands killed at random points, then checked.

Usage: run.py ARGO SOURCE_DIR [--points N] [--seed S] [--only CMD,...]
              [--push N] [--keep] [--db-prefix PREFIX]

Each command runs on the shipped data (MSFT and TTRC) from a prepared
state, and is killed with SIGKILL after a random delay (fixed seed)
drawn over its clean run time. After each kill:
- the store passes PRAGMA integrity_check (Python's sqlite3);
- the coverage invariant holds: on a copy, `argo track` then
  `argo stats --json` says coverage 1 (every signal resolved, or open
  with its expiry in the future and every bar scanned);
- `argo backup verify --all` (where there are backups) passes or names
  what was interrupted in one line; what it says is recorded;
- rerunning the command succeeds, and the store and the backup folder
  (and, for push, the objects in the bucket) then equal those of a
  clean, uninterrupted run: nothing lost, nothing duplicated.
Commands: ingest, replay, track, backup (--all), tier (archive tier);
with --push N also archive push against s3rver (tests/s3/node_modules),
N kill points. Work folders are on /dev/shm when it exists (the
campaign kills processes, it does not cut power: fsync costs nothing
to what it tests). Exits 0 when every kill point passed.

PostgreSQL mode: --db-prefix PREFIX, a postgresql:// (or postgres://)
URL prefix ending in `schema=` (ctest's ARGO_TEST_STORE_URL; only the
option selects it: the environment of the children stays stripped of
ARGO_*, so an exported ARGO_TEST_STORE_URL changes nothing). The states
are built on SQLite as always; each run's store (the clean run's and
each kill point's) is then a fresh schema PREFIX + kill<pid>_<cmd>_<tag>
made from the state's argo.db by `argo store copy --from sqlite:...`
(verified; a state without argo.db, `empty`, gives no schema), the
folder keeps the state's other files (argo.conf, backups, tier
folders) but no argo.db, and every argo command gets `--db URL`.
After each kill:
- integrity: what PostgreSQL's own constraints do not hold for a
  partitioned table, checked with psql (tests/pg/pgdb.py): no signal id
  twice (the primary key is (id, ts)), no bar, signal, model or
  strategy state of a symbol that does not exist, and each symbol's
  first_ts/last_ts equal to its bars' min/max(ts);
- coverage: `argo store copy` of the schema to another (PG to PG), then
  track and stats --json there, as above;
- backup verify and the rerun as above; the store must equal the clean
  run's by pgdb.dump (every table but events, in order of all columns,
  *_at masked). Ids that PostgreSQL sequences give (symbols.id,
  signals.id, calibration_models.version, api_keys.id) are compared by
  rank, each reference to them mapped the same way: a transaction a
  kill rolled back keeps the numbers it drew (POSTGRES.md, "a sequence
  never gives a number twice; there may be gaps"), so a rerun may
  number on above the clean run's, with the same rows in the same order.
Each run's schemas are dropped when its kill point is done (the
cluster is shared with other tests; --keep keeps them).
"""
import argparse
import atexit
import hashlib
import json
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

ap = argparse.ArgumentParser()
ap.add_argument("argo")
ap.add_argument("src")
ap.add_argument("--points", type=int, default=8, help="kill points per command")
ap.add_argument("--seed", type=int, default=9)
ap.add_argument("--only", default="")
ap.add_argument("--push", type=int, default=0, help="kill points for archive push (s3rver)")
ap.add_argument("--keep", action="store_true")
ap.add_argument("--db-prefix", default="",
                help="PostgreSQL mode: a postgresql:// URL prefix ending in schema=")
args = ap.parse_args()
PG = args.db_prefix
if PG:
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pg"))
    import pgdb
    # psql itself, not Debian's Perl wrapper (/usr/bin/psql) in front of it:
    # half the time of each of the many psql calls
    if os.path.exists("/usr/lib/postgresql/15/bin/psql"):
        os.environ["PATH"] = "/usr/lib/postgresql/15/bin:" + os.environ.get("PATH", "")
    if not pgdb.is_pg(PG) or not PG.endswith("schema="):
        masked = re.sub(r"password=[^&]*", "password=***",
                        re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", PG))
        sys.exit(f"run.py: --db-prefix {masked}: not a postgresql:// URL ending in schema=")

ARGO = os.path.abspath(args.argo)
SRC = os.path.abspath(args.src)
MSFT = os.path.join(SRC, "data/market/MSFT.csv")
TTRC = os.path.join(SRC, "data/market/TTRC.csv")
# Orphans a killed backup or tier move leaves (*.tmp.PID, files no
# manifest names): verify reports them and the rerun must clean them.
STRICT_ORPHANS = True
ENV = {k: v for k, v in os.environ.items() if not k.startswith(("ARGO_", "AWS_"))}
ENV.update({"TZ": "UTC", "ASAN_OPTIONS": "detect_leaks=0"})
ORPHAN_RE = re.compile(r"\.tmp\.\d+$")
base = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
tmp = tempfile.mkdtemp(prefix="argo-kill-", dir=base)
rng = random.Random(args.seed)
t_start = time.monotonic()


def argo(cwd, argv, extra=None, timeout=300):
    env = dict(ENV)
    env.update(extra or {})
    return subprocess.run([ARGO] + argv, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


def must(cwd, argv, extra=None):
    r = argo(cwd, argv, extra)
    if r.returncode != 0:
        sys.exit(f"setup: argo {' '.join(argv)} exited {r.returncode}: {r.stderr}")
    return r


# PostgreSQL mode: the store URL of each work folder (fresh() sets it)
URLS = {}


def db(d):
    """The --db option of folder d's commands: none on SQLite (./argo.db)."""
    return ["--db", URLS[d]] if PG else []


def dump(d):
    """The store's content; times of making (*_at) masked, and the run's
    own names (its folder, its S3 prefix) replaced."""
    if PG:
        text = pg_dump(URLS[d])
        if text is None:
            return None
        return re.sub(r"\b(clean|k\d+)/", "P/", text.replace(d, "<D>"))
    p = os.path.join(d, "argo.db")
    if not os.path.exists(p):
        return None
    con = sqlite3.connect(p)
    out = []
    for (name, sql) in con.execute("SELECT name, sql FROM sqlite_master ORDER BY name"):
        out.append(repr((name, sql)))
        # the event log and its counter record each run: a command rerun
        # after it had committed (replay) logs its events again
        if name in ("events", "sqlite_sequence"):
            continue
        if sql and sql.startswith("CREATE TABLE"):
            cols = [r[1] for r in con.execute(f'PRAGMA table_info("{name}")')]
            sel = ", ".join("0" if c.endswith("_at") else f'"{c}"' for c in cols)
            out += [repr(r) for r in con.execute(f'SELECT {sel} FROM "{name}" ORDER BY 1')]
    con.close()
    return re.sub(r"\b(clean|k\d+)/", "P/", "\n".join(out).replace(d, "<D>"))


# PostgreSQL mode: the ids a sequence gives, (table, column), and the
# columns that refer to them
SEQ_IDS = {("symbols", "id"): "symbols", ("signals", "id"): "signals",
           ("calibration_models", "version"): "calibration_models",
           ("api_keys", "id"): "api_keys", ("bar_corrections", "id"): "bar_corrections"}
REFS = {("bars", "symbol_id"): "symbols", ("signals", "symbol_id"): "symbols",
        ("signals", "model_version"): "calibration_models",
        ("calibration_models", "symbol_id"): "symbols",
        ("calibration_models", "base_version"): "calibration_models",
        ("strategy_state", "symbol_id"): "symbols",
        ("suppressed_signals", "symbol_id"): "symbols",
        ("bar_corrections", "symbol_id"): "symbols"}


def pg_dump(url):
    """pgdb.dump's text, with each sequence-given id replaced by its rank
    in its table (1, 2, ...) and every reference to it mapped the same
    way (a reference to no row shows as missing:N). None when the schema
    does not exist."""
    text = pgdb.dump(url)
    if text is None:
        return None
    # the rank of each id, per table
    rank = {}
    for (t, c), owner in SEQ_IDS.items():
        try:
            ids = pgdb.psql(url, f'SELECT "{c}" FROM "{t}" ORDER BY 1')
        except RuntimeError:
            ids = []  # the table does not exist (yet)
        rank[owner] = {v: str(i + 1) for i, v in enumerate(ids)}
    out, cols, table = [], [], None
    for line in text.split("\n"):
        m = re.fullmatch(r"# (\w+)\((.*)\)", line)
        if m and "\t" not in line:
            table, cols = m.group(1), m.group(2).split(", ")
            out.append(line)
            continue
        vals = line.split("\t")
        if len(vals) == len(cols):
            for i, c in enumerate(cols):
                owner = SEQ_IDS.get((table, c)) or REFS.get((table, c))
                if owner and vals[i] not in ("", "\\N"):  # NULL is \N in pgdb.dump
                    vals[i] = rank[owner].get(vals[i], "missing:" + vals[i])
        out.append("\t".join(vals))
    # the rows in order of their mapped values
    res, block = [], []
    for line in out + [None]:
        if line is None or (re.fullmatch(r"# (\w+)\((.*)\)", line) and "\t" not in line):
            res += sorted(block, key=lambda l: [(0, int(v)) if re.fullmatch(r"-?\d+", v)
                                                else (1, v) for v in l.split("\t")])
            block = []
            if line is not None:
                res.append(line)
        else:
            block.append(line)
    return "\n".join(res)


# PostgreSQL mode: what the integrity check asks (each query counts
# what should not be there); the foreign keys of a partitioned table
# hold, but its primary key is (id, ts), so an id twice is possible
PG_CHECKS = (
    ("signal ids given twice",
     "SELECT count(*) FROM (SELECT id FROM signals GROUP BY id HAVING count(*) > 1) x"),
    ("bars of no symbol",
     "SELECT count(*) FROM bars b WHERE NOT EXISTS (SELECT 1 FROM symbols y WHERE y.id = b.symbol_id)"),
    ("signals of no symbol",
     "SELECT count(*) FROM signals s WHERE NOT EXISTS"
     " (SELECT 1 FROM symbols y WHERE y.id = s.symbol_id)"),
    ("models of no symbol",
     "SELECT count(*) FROM calibration_models m WHERE m.symbol_id IS NOT NULL AND NOT EXISTS"
     " (SELECT 1 FROM symbols y WHERE y.id = m.symbol_id)"),
    ("strategy states of no symbol",
     "SELECT count(*) FROM strategy_state t WHERE NOT EXISTS"
     " (SELECT 1 FROM symbols y WHERE y.id = t.symbol_id)"),
    ("symbols whose first_ts/last_ts are not their bars' min/max(ts)",
     "SELECT count(*) FROM symbols y LEFT JOIN (SELECT symbol_id, min(ts) lo, max(ts) hi"
     " FROM bars GROUP BY symbol_id) b ON b.symbol_id = y.id"
     " WHERE y.first_ts IS DISTINCT FROM b.lo OR y.last_ts IS DISTINCT FROM b.hi"),
)


def integrity(d):
    if PG:
        url = URLS[d]
        if not pgdb.exists(url) or "symbols" not in pgdb.tables(url):
            return "ok"  # killed before its schema (or its tables) was committed
        bad = []
        for what, sql in PG_CHECKS:
            n = pgdb.psql(url, sql)
            if n != ["0"]:
                bad.append(f"{n[0] if n else '?'} {what}")
        return "; ".join(bad) or "ok"
    p = os.path.join(d, "argo.db")
    if not os.path.exists(p):
        return "ok"
    con = sqlite3.connect(p)
    try:
        return "; ".join(r[0] for r in con.execute("PRAGMA integrity_check"))
    finally:
        con.close()


def files(d, sub=("backups", "t1", "t2", "t3", "t4")):
    """Backup files under d with their SHA-256 (times in manifests masked)."""
    snap = {}
    for top in sub:
        for root, _, fs in os.walk(os.path.join(d, top)):
            for f in fs:
                p = os.path.join(root, f)
                with open(p, "rb") as fh:
                    data = fh.read()
                if f.endswith(".json"):
                    data = re.sub(rb'"(\w+_at)": "[^"]*"', rb'"\1": ""', data)
                    data = data.replace(d.encode(), b"<D>")
                snap[os.path.relpath(p, d)] = hashlib.sha256(data).hexdigest()
    return snap


def state(name, steps, base_state=None, conf=None):
    d = os.path.join(tmp, "state", name)
    if base_state:
        shutil.copytree(os.path.join(tmp, "state", base_state), d)
    else:
        os.makedirs(d)
    if conf is not None:
        with open(os.path.join(d, "argo.conf"), "w") as f:
            f.write(conf)
    for s in steps:
        must(d, s)
    return name


os.makedirs(os.path.join(tmp, "data"))
head = {}
for path, n in ((MSFT, 120), (TTRC, 3000)):
    with open(path) as f:
        lines = f.readlines()
    head[path] = os.path.join(tmp, "data", os.path.basename(path))
    with open(head[path], "w") as f:
        f.writelines(lines[:n + 1])
TIERS = "[tiers]\nstandard_ia = t1\nglacier_ir = t2\nglacier = t3\ndeep_archive = t4\n"
state("empty", [])
state("ingested", [["ingest", MSFT, TTRC]])
state("newbars", [["ingest", head[MSFT], head[TTRC]], ["replay", "--quiet"],
                  ["ingest", MSFT, TTRC]])
state("replayed", [["replay", "--quiet"]], base_state="ingested")
# tiering and pushing: MSFT's backups (about 80 files: each kill point
# copies, verifies and hashes them all)
state("msft", [["ingest", MSFT], ["replay", "--quiet"], ["backup", "--all"]], conf=TIERS)
for t in ("t1", "t2", "t3", "t4"):
    os.makedirs(os.path.join(tmp, "state/msft", t))

COMMANDS = [
    ("ingest", "empty", ["ingest", MSFT, TTRC]),
    ("replay", "replayed", ["replay", "--quiet"]),
    ("track", "newbars", ["track"]),
    ("backup", "replayed", ["backup", "--all"]),
    ("tier", "msft", ["archive", "tier", "--now", "2040-01-01"]),
]
only = set(x for x in args.only.split(",") if x)
failures, summary = [], []
verify_said = {}


def fresh(st, name):
    d = os.path.join(tmp, "work", name)
    if os.path.exists(d):
        shutil.rmtree(d)
    if not PG:
        shutil.copytree(os.path.join(tmp, "state", st), d)
        return d
    # the state's files but its store, which goes to a fresh schema
    shutil.copytree(os.path.join(tmp, "state", st), d, ignore=shutil.ignore_patterns("argo.db*"))
    url = pgdb.store_url(PG, f"kill{os.getpid()}_{re.sub(r'[^a-z0-9]', '_', name)}")
    pgdb.drop(url)
    URLS[d] = url
    src = os.path.join(tmp, "state", st, "argo.db")
    if os.path.exists(src):
        must(d, ["store", "copy", "--from", "sqlite:" + src, "--to", url])
    return d


def drop_store(d):
    """PostgreSQL mode: drops folder d's schema (not with --keep)."""
    url = URLS.pop(d)
    if not args.keep:
        pgdb.drop(url)
        pgdb.drop(url + "_cov")  # left by an exception in the coverage check


if PG:
    # the schemas of a run stopped by an exception
    atexit.register(lambda: [drop_store(d) for d in list(URLS)])


def kill_at(d, argv, delay, extra=None):
    """Starts argo, SIGKILLs it after delay seconds; True when it was killed."""
    env = dict(ENV)
    env.update(extra or {})
    p = subprocess.Popen([ARGO] + argv, cwd=d, env=env, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    try:
        p.wait(timeout=delay)
        return False
    except subprocess.TimeoutExpired:
        p.send_signal(signal.SIGKILL)
        p.wait()
        return True


def check_after_kill(name, d, argv, clean, point, extra=None, remote=None):
    problems = []
    ic = integrity(d)
    if ic != "ok":
        problems.append(f"integrity_check: {ic}")
    # coverage, on a copy: track, then every signal resolved or open
    c = d + "-cov"
    if os.path.exists(c):
        shutil.rmtree(c)
    shutil.copytree(d, c, ignore=shutil.ignore_patterns("backups", "t1", "t2", "t3", "t4"))
    cov_db = []
    if PG and pgdb.exists(URLS[d]) and "symbols" in pgdb.tables(URLS[d]):
        cov_db = ["--db", URLS[d] + "_cov"]
        pgdb.drop(cov_db[1])
        r = argo(c, ["store", "copy", "--from", URLS[d], "--to", cov_db[1]])
        if r.returncode != 0:
            problems.append(f"store copy for the coverage check: {r.stderr.strip()[:200]}")
            cov_db = []
    if cov_db or (not PG and os.path.exists(os.path.join(c, "argo.db"))):
        r1 = argo(c, ["track"] + cov_db)
        r2 = argo(c, ["stats", "--json"] + cov_db)
        try:
            js = json.loads(r2.stdout)["total"]
            cov, n = js.get("coverage"), js.get("signals", 0)
            if r1.returncode or r2.returncode or (n and cov != 1.0):
                problems.append(f"coverage {cov} of {n} signals after track "
                                f"({r1.stderr.strip() or r2.stderr.strip()})")
        except ValueError:
            problems.append(f"stats --json: {r2.stderr.strip()}")
        if cov_db:
            pgdb.drop(cov_db[1])
    shutil.rmtree(c)
    if os.path.isdir(os.path.join(d, "backups")):
        r = argo(d, ["backup", "verify", "--all"] + db(d))
        lines = r.stderr.splitlines()
        if r.returncode == 0:
            said = "passes"
        elif r.returncode == 1 and len(lines) == 1:
            said = re.sub(r"\d{4}/\d\d/\d\d|\d+", "N", lines[0])[:160]
        else:
            said = None
            problems.append(f"backup verify: exit {r.returncode}, {len(lines)} lines")
        if said:
            verify_said.setdefault(name, {}).setdefault(said, 0)
            verify_said[name][said] += 1
    r = argo(d, argv + db(d), extra)
    if r.returncode != 0:
        problems.append(f"rerun exited {r.returncode}: {r.stderr.strip()[:200]}")
    if dump(d) != clean["dump"]:
        problems.append("the store differs from a clean run's")
    got = files(d)
    orphans = sorted(k for k in set(got) - set(clean["files"]) if ORPHAN_RE.search(k))
    extra_files = sorted(set(got) - set(clean["files"]) - set(orphans))
    missing = sorted(set(clean["files"]) - set(got))
    differ = sorted(k for k in set(got) & set(clean["files"]) if got[k] != clean["files"][k])
    for what, v in (("extra", extra_files), ("missing", missing), ("different", differ)):
        if v:
            problems.append(f"{len(v)} {what} file(s) after the rerun: {', '.join(v[:3])}")
    if orphans and STRICT_ORPHANS:
        problems.append(f"{len(orphans)} orphan(s) left after the rerun: {orphans[0]}")
    if remote and remote() != clean.get("remote"):
        problems.append("the bucket differs from a clean push's")
    for p in problems:
        failures.append((name, point, p))
    return bool(problems), len(orphans)


def campaign(name, st, argv, npoints, extra=None, remote_of=None, prefix_of=None):
    t0 = time.monotonic()
    d = clean_d = fresh(st, f"{name}-clean")
    ex = prefix_of("clean") if prefix_of else extra
    t = time.monotonic()
    must(d, argv + db(d), ex)
    secs = time.monotonic() - t
    clean = {"dump": dump(d), "files": files(d)}
    if remote_of:
        clean["remote"] = remote_of("clean")
    killed = bad = orphans = 0
    for i in range(npoints):
        delay = rng.uniform(0.01, max(0.02, secs * 0.95))
        tag = f"k{i}"
        d = fresh(st, f"{name}-{tag}")
        ex = prefix_of(tag) if prefix_of else extra
        was_killed = kill_at(d, argv + db(d), delay, ex)
        killed += was_killed
        b, o = check_after_kill(name, d, argv, clean, f"{i} ({delay * 1000:.0f} ms)", ex,
                                (lambda: remote_of(tag)) if remote_of else None)
        bad += b
        orphans += o
        shutil.rmtree(d)
        if PG:
            drop_store(d)
    if PG:
        drop_store(clean_d)
    wall = time.monotonic() - t0
    summary.append((name, npoints, killed, bad, wall))
    print(f"{name:8} clean {secs * 1000:6.0f} ms; {npoints} kill points, {killed} killed "
          f"mid-run, {bad} bad, {orphans} orphan(s) left after reruns ({wall:.0f} s)", flush=True)


print(f"argo kill -9 campaign: {ARGO} (seed {args.seed}, {args.points} kill points per "
      f"command) in {tmp}; setup {time.monotonic() - t_start:.0f} s", flush=True)
for name, st, argv in COMMANDS:
    if not only or name in only:
        campaign(name, st, argv, args.points)

if args.push:
    S3RVER = os.path.join(SRC, "tests/s3/node_modules/.bin/s3rver")
    if not os.path.exists(S3RVER) or not shutil.which("node"):
        print("SKIP: s3rver is not installed (npm install in tests/s3)")
        sys.exit(77)
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    sdir = os.path.join(tmp, "s3rver")
    server = subprocess.Popen([S3RVER, "-d", sdir, "-a", "127.0.0.1", "-p", str(port), "-s",
                               "--service-endpoint", "localhost", "--configure-bucket", "kill"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        def prefix_of(tag):
            conf = os.path.join(tmp, f"push-{tag}.conf")
            with open(conf, "w") as f:
                f.write(f"[s3]\nendpoint = http://127.0.0.1:{port}\nbucket = kill\n"
                        f"path_style = 1\nprefix = {tag}/\nretries = 0\ntimeout_s = 10\n")
            return {"ARGO_CONFIG": conf, "AWS_ACCESS_KEY_ID": "S3RVER",
                    "AWS_SECRET_ACCESS_KEY": "S3RVER"}

        def remote_of(tag):
            """The objects under the run's prefix: key (without it) -> SHA-256."""
            out = {}
            root = os.path.join(sdir, "kill", tag)
            for r, _, fs in os.walk(root):
                for f in fs:
                    if f.endswith("._S3rver_object"):
                        with open(os.path.join(r, f), "rb") as fh:
                            out[os.path.relpath(os.path.join(r, f), root)] = \
                                hashlib.sha256(fh.read()).hexdigest()
            return out

        campaign("push", "msft", ["archive", "push"], args.push, remote_of=remote_of,
                 prefix_of=prefix_of)
    finally:
        server.terminate()
        server.wait()

points = sum(s[1] for s in summary)
print(f"total: {points} kill points, {sum(s[2] for s in summary)} killed mid-run, "
      f"{len(failures)} failures, {time.monotonic() - t_start:.0f} s wall")
for name, said in sorted(verify_said.items()):
    for what, n in sorted(said.items(), key=lambda kv: -kv[1]):
        print(f"  after killing {name}, backup verify --all: {what} ({n}x)")
for name, point, p in failures[:40]:
    print(f"FAIL {name} kill point {point}: {p}")
if args.keep or failures:
    print(f"kept {tmp}")
else:
    shutil.rmtree(tmp)
sys.exit(1 if failures else 0)
