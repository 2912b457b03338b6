#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Allocation-failure campaign (SQLite's faultsim, curl's torture mode).

Usage: run.py ARGO SOURCE_DIR [--per-command N] [--seed S] [--only CMD,...]
              [--jobs J] [--keep] [--db-prefix postgresql://...schema=]

ARGO must be built with -DARGO_FAULTSIM=ON (src/base/faultsim.c), best
also with -DARGO_SANITIZE=ON so that leaks (LeakSanitizer) and memory
errors are found. For each command on the shipped data (MSFT; the
calibration report also gets the first 700 bars of TTRC, since MSFT
alone resolves too few signals to evaluate), the driver

1. runs the command once with ARGO_FAULT_COUNT to learn how many
   allocations it makes (its allocation points);
2. fails each of them in turn (ARGO_FAULT_ALLOC=i), or, when there are
   more than --per-command, a random sample of that many with a fixed
   seed, and checks after each run:
   - exit status 1 and exactly one line on stderr, "argo CMD: ...",
     naming the shortage ("out of memory");
   - no crash and no sanitizer report (memory error, UB, leak);
   - the store (argo.db) and the backups folder byte-identical to
     before (a leftover WAL must hold nothing: the dump is compared).
   A failure that the program absorbs (SQLite's benign allocations,
   such as its page cache) is accepted only when the run is
   indistinguishable from the clean one: exit 0, the same stdout and
   the same store. Those are counted as "absorbed".
Exits 0 when every injected fault passed, 1 otherwise (each failure
is listed with the command to reproduce it).

With --db-prefix PREFIX (a postgresql:// URL prefix ending in
`schema=`, as ARGO_TEST_STORE_URL) the store is PostgreSQL: the states
are built as above (SQLite files), then each is copied once into a
pristine schema (`argo store copy`, this argo without a fault); each
worker's store is a schema of its own, dropped and copied again from
the pristine one (PostgreSQL to PostgreSQL) when a run changed it, and
every command runs with `--db URL`. The workers are kept per state
across the commands. Stores are compared through psql (pg_dump below,
with tests/pg/pgdb.py: every relation, months' partitions included,
every table's rows, events included, in order of all columns, the
times of making and keys add's random key masked) instead of sqlite3.
A failed copy into a new schema may leave it made, migrated and
without rows (only a SQLite target is removed again). Only commands
whose store is the PostgreSQL one run: ingest, replay, track, generate,
stats, signals, calibrate, calibrate report, backup --all, backup of
one day, health --level 3, keys add and keys list, store copy from
PostgreSQL to a new SQLite file, and store copy from a SQLite file to
a new schema; backup verify and archive query/cat read only Parquet
files. libpq's own allocations are not failed (only argo's, through
the linker's --wrap). A sequence advanced by a failed, rolled-back run
(PostgreSQL does not roll sequences back) is not a change: it is set
back before the next run. Every schema made is dropped at the end (its
pg_partman registration too).
"""
import argparse
import atexit
import concurrent.futures
import hashlib
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

ap = argparse.ArgumentParser()
ap.add_argument("argo")
ap.add_argument("src")
ap.add_argument("--per-command", type=int, default=150,
                help="fault points per command at most (random sample beyond)")
ap.add_argument("--seed", type=int, default=9)
ap.add_argument("--only", default="", help="comma-separated command names (see COMMANDS)")
ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
ap.add_argument("--persist", action="store_true",
                help="every allocation from the Nth on fails (else only the Nth)")
ap.add_argument("--points", default="", help="comma-separated allocation numbers to fail (debugging)")
ap.add_argument("--db-prefix", default="",
                help="a postgresql:// URL prefix ending in schema=: the stores are schemas there")
args = ap.parse_args()

ARGO = os.path.abspath(args.argo)
SRC = os.path.abspath(args.src)
MSFT = os.path.join(SRC, "data/market/MSFT.csv")
TTRC = os.path.join(SRC, "data/market/TTRC.csv")
SAN_EXIT = 86
ENV = dict(os.environ)
for k in list(ENV):
    if k.startswith("ARGO_"):
        del ENV[k]
ENV.update({
    "ASAN_OPTIONS": f"detect_leaks=1:exitcode={SAN_EXIT}:abort_on_error=0:allocator_may_return_null=1",
    "UBSAN_OPTIONS": f"print_stacktrace=1:halt_on_error=1:exitcode={SAN_EXIT}",
    "LSAN_OPTIONS": f"exitcode={SAN_EXIT}",
    "TZ": "UTC",
})
PG = args.db_prefix
if PG:
    sys.path.insert(0, os.path.join(SRC, "tests/pg"))
    import pgdb
    if not pgdb.is_pg(PG) or not re.search(r"[?&]schema=$", PG):
        sys.exit(f"--db-prefix: expected a postgresql:// URL prefix ending in schema=")
    # every schema of this run starts with TAG, so two runs never collide
    TAG = f"fs{os.getpid()}_"
    made = []  # the schemas to drop at the end
SAN_RE = re.compile(r"(Sanitizer|runtime error:|AddressSanitizer|LeakSanitizer)")
OOM_RE = re.compile(r"out of memory", re.I)


def run(cwd, argv, extra=None, timeout=120):
    env = dict(ENV)
    if extra:
        env.update(extra)
    t0 = time.monotonic()
    try:
        p = subprocess.run([ARGO] + argv, cwd=cwd, env=env, capture_output=True,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, b"", b"timeout", time.monotonic() - t0
    return p.returncode, p.stdout, p.stderr, time.monotonic() - t0


def must(cwd, argv):
    rc, out, err, _ = run(cwd, argv)
    if rc != 0:
        sys.exit(f"setup: argo {' '.join(argv)} exited {rc}: {err.decode(errors='replace')}")
    return out


def snapshot(d):
    """Every file under d with its SHA-256, except SQLite's -wal/-shm."""
    snap = {}
    for root, dirs, files in os.walk(d):
        dirs.sort()
        for f in sorted(files):
            p = os.path.join(root, f)
            rel = os.path.relpath(p, d)
            if rel.startswith("argo.db-") or rel.startswith("fault."):
                continue
            with open(p, "rb") as fh:
                data = fh.read()
            if f == "manifest.json":  # the time a backup was made
                data = re.sub(rb'"created_at": "[^"]*"', b'"created_at": ""', data)
            snap[rel] = hashlib.sha256(data).hexdigest()
        for x in list(dirs):
            snap[os.path.relpath(os.path.join(root, x), d) + "/"] = "dir"
    return snap


def dump(d):
    """The store's content, read from a copy (with its WAL) so d is untouched."""
    with tempfile.TemporaryDirectory() as t:
        for f in ("argo.db", "argo.db-wal"):
            if os.path.exists(os.path.join(d, f)):
                shutil.copy(os.path.join(d, f), t)
        if not os.path.exists(os.path.join(t, "argo.db")):
            return None
        con = sqlite3.connect(os.path.join(t, "argo.db"))
        out = [repr(con.execute("PRAGMA user_version").fetchone())]
        for (name, sql) in con.execute("SELECT name, sql FROM sqlite_master ORDER BY name"):
            out.append(repr((name, sql)))
            if sql and sql.startswith("CREATE TABLE"):
                cols = [r[1] for r in con.execute(f'PRAGMA table_info("{name}")')]
                # when a row was made is not what it holds
                sel = ", ".join("0" if c in ("created_at", "logged_at") else f'"{c}"' for c in cols)
                out += [repr(r) for r in con.execute(f'SELECT {sel} FROM "{name}"')]
        con.close()
        return "\n".join(out)


def pg_url(name):
    return PG + TAG + re.sub(r"[^a-z0-9_]", "_", name.lower())


def pg_script(url, sql, timeout=120):
    """Runs a psql script (several statements) in the store's schema; the
    rows of all its queries as text lines."""
    conn, schema = pgdb.split(url)
    env = dict(os.environ, PGOPTIONS="-c search_path=%s" % schema)
    r = subprocess.run([pgdb.PSQL, "-X", "-At", "-q", "-v", "ON_ERROR_STOP=1", "-F", "\t", conn,
                        "-f", "-"], input=sql, capture_output=True, text=True,
                       timeout=timeout, env=env)
    if r.returncode != 0:
        raise RuntimeError("psql: %s: %s" % (sql[:80], r.stderr.strip()))
    return r.stdout.splitlines()


# columns that hold when a row was made, or a secret made at random
# (argo keys add's key: its hash and the prefix shown)
PG_MASK = re.compile(r"(_at$|^hash$|^prefix$)")


REL_SQL = ("SELECT c.relname, c.relkind, c.relispartition, coalesce(string_agg(a.attname, ','"
           " ORDER BY a.attnum), '') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
           " LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
           " AND c.relkind IN ('r', 'p', 'm') WHERE n.nspname = '%s' GROUP BY 1, 2, 3 ORDER BY 1")
pg_rels = {}  # url: its relations as the last dump found them


def pg_data_sql(schema, rels):
    script = []
    for line in rels:
        name, kind, part, cols = line.split("\t")
        if kind not in "rpm" or part == "t" or not cols:
            continue
        cols = cols.split(",")
        sel = ", ".join("0" if PG_MASK.search(c) else '"%s"' % c for c in cols)
        order = ", ".join(str(i + 1) for i in range(len(cols)))
        script.append("SELECT '== %s';" % name)
        script.append('SELECT %s FROM "%s" ORDER BY %s;' % (sel, name, order))
    # pg_sequences shows no last_value for a sequence set with is_called
    # false (as argo store copy leaves them): read each one
    script.append("SELECT '== sequences';")
    for line in rels:
        name, kind = line.split("\t")[:2]
        if kind == "S":
            script.append("SELECT '%s', last_value, is_called FROM \"%s\";" % (name, name))
    return "\n".join(script)


def pg_dump(url):
    """(content, sequences) of a store's schema: every relation's name and
    kind (partitions included), each table's and materialized view's rows
    in order of all their columns, times of making and keys masked.
    (None, None) when the schema does not exist. The sequences are apart:
    a rolled-back insert advances one, and that is not a change of the
    store. One psql call when the relations are those of the last dump
    of url (pgdb.dump makes two per table), else two."""
    _, schema = pgdb.split(url)
    if pg_rels.get(url):
        rels = pg_rels[url]
        try:
            rows = pg_script(url, "SELECT '== relations';\n" + (REL_SQL % schema) + ";\n"
                             + pg_data_sql(schema, rels))
        except RuntimeError:
            rows = None  # a table gone
        if rows is not None:
            j = next(i for i, r in enumerate(rows) if i > 0 and r.startswith("== "))
            k = rows.index("== sequences")
            if rows[1:j] == rels:
                return "\n".join(rels + rows[j:k]), rows[k + 1:]
    pg_rels.pop(url, None)
    rels = pgdb.psql(url, REL_SQL % schema)
    if not rels and not pgdb.exists(url):
        return None, None
    rows = pg_script(url, pg_data_sql(schema, rels))
    pg_rels[url] = rels
    k = rows.index("== sequences")
    return "\n".join(rels + rows[:k]), rows[k + 1:]


def rows_only_meta(d):
    """Whether a pg_dump text holds no row outside argo_meta (the schema
    version a migration writes)."""
    section = None
    for line in d.splitlines():
        if line.startswith("== "):
            section = line[3:]
        elif section is not None and section != "argo_meta":
            return False
    return True


def pg_reset_sequences(url, seqs):
    _, schema = pgdb.split(url)
    sql = []
    for line in seqs:
        name, last, called = line.split("\t")
        sql.append("SELECT setval('\"%s\".\"%s\"', %s, %s);"
                   % (schema, name, last, "true" if called == "t" else "false"))
    pg_script(url, "\n".join(sql))


def pg_forget(url):
    """Drops a store's schema and what pg_partman keeps of it (its rows in
    partman.part_config and its template tables), so a schema made again
    under the name is registered afresh."""
    _, schema = pgdb.split(url)
    pg_rels.pop(url, None)
    pg_script(url, """DROP SCHEMA IF EXISTS "%s" CASCADE;
DO $$ DECLARE r record; BEGIN
  IF to_regclass('partman.part_config') IS NOT NULL THEN
    FOR r IN SELECT template_table FROM partman.part_config
             WHERE split_part(parent_table, '.', 1) = '%s' AND template_table IS NOT NULL LOOP
      EXECUTE 'DROP TABLE IF EXISTS ' || r.template_table;
    END LOOP;
    DELETE FROM partman.part_config WHERE split_part(parent_table, '.', 1) = '%s';
  END IF;
END $$;""" % (schema, schema, schema))


def pg_drop_all():
    """Drops every schema this run made, with their pg_partman registrations."""
    for url in made:
        try:
            pg_forget(url)
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            print(f"could not drop {pgdb.split(url)[1]}: {e}", file=sys.stderr)


def wal_frames(d):
    w = os.path.join(d, "argo.db-wal")
    return os.path.exists(w) and os.path.getsize(w) > 0


tmp = tempfile.mkdtemp(prefix="argo-faultsim-")
t_start = time.monotonic()

# --- the states the commands start from ---------------------------------
with open(MSFT) as f:
    msft = f.readlines()
with open(TTRC) as f:
    ttrc = f.readlines()
os.makedirs(os.path.join(tmp, "data/head"))
head_msft = os.path.join(tmp, "data/head/MSFT.csv")
with open(head_msft, "w") as f:
    f.writelines(msft[:121])
head_ttrc = os.path.join(tmp, "data/head/TTRC.csv")
with open(head_ttrc, "w") as f:
    f.writelines(ttrc[:701])


def state(name, steps, base=None):
    d = os.path.join(tmp, "state", name)
    if base:
        shutil.copytree(os.path.join(tmp, "state", base), d)
    else:
        os.makedirs(d)
    for s in steps:
        must(d, s)
    return name


# half of MSFT replayed: ingesting the whole file adds 128 bars (and
# ignores 120 repeats); generate and track then have new bars to work on
state("half", [["ingest", head_msft], ["replay", "--quiet"]])
state("newbars", [["ingest", MSFT]], base="half")
state("full", [["ingest", MSFT], ["replay", "--quiet"]])
state("calib", [["ingest", head_ttrc], ["replay", "--quiet"]], base="full")
state("backedup", [["backup", "--all"]], base="full")
if PG:
    state("keyed", [["keys", "add", "--role", "admin", "--name", "a"],
                    ["keys", "add", "--role", "stream"]], base="full")
parquet = sorted(os.path.relpath(os.path.join(r, f), os.path.join(tmp, "state/backedup"))
                 for r, _, fs in os.walk(os.path.join(tmp, "state/backedup/backups"))
                 for f in fs if f.endswith(".parquet"))
if not parquet:
    sys.exit("setup: backup --all wrote no Parquet file")
# the day with the most rows, for a backup of one day
day = max(sorted(set(os.path.dirname(x) for x in parquet)),
          key=lambda d: sum(os.path.getsize(os.path.join(tmp, "state/backedup", d, f))
                            for f in os.listdir(os.path.join(tmp, "state/backedup", d))))
day = "-".join(day.split("/")[-3:])

COMMANDS = [
    ("ingest", "half", ["ingest", MSFT]),
    ("replay", "full", ["replay", "--quiet"]),
    ("track", "newbars", ["track"]),
    ("generate", "newbars", ["generate"]),
    ("stats", "full", ["stats"]),
    # the dashboard's filtered statistics (on PostgreSQL: the raw rows)
    ("stats-filtered", "full", ["stats", "--json", "--by", "exit", "--symbol", "MSFT",
                                "--strategy", "trend", "--since", "2001-01-01"]),
    ("signals", "full", ["signals"]),
    ("calibrate", "calib", ["calibrate"]),
    ("calibrate-report", "calib", ["calibrate", "report"]),
    ("backup", "full", ["backup", "--all"]),
    ("backup-day", "full", ["backup", "--date", day]),
    ("backup-verify", "backedup", ["backup", "verify", "--all"]),
    ("archive-query", "backedup", ["archive", "query"]),
    ("archive-cat", "backedup", ["archive", "cat", parquet[0]]),
    ("health", "backedup", ["health", "--level", "3"]),
    # a new target file: removed again when the copy fails
    ("store-copy", "full", ["store", "copy", "--from", "argo.db", "--to", "copy.db"]),
]
if PG:
    # only what touches the store, which is the schema "{db}" (see above)
    COMMANDS = [(n, st, argv + ["--db", "{db}"]) for n, st, argv in COMMANDS
                if n not in ("backup-verify", "archive-query", "archive-cat", "store-copy")]
    COMMANDS += [
        ("keys-add", "full", ["keys", "add", "--role", "read", "--name", "fault", "--db", "{db}"]),
        ("keys-list", "keyed", ["keys", "list", "--db", "{db}"]),
        # a new SQLite target file: removed again when the copy fails
        ("store-copy-out", "full", ["store", "copy", "--from", "{db}", "--to", "copy.db"]),
        # a new schema: absent again when the copy fails
        ("store-copy-in", "full", ["store", "copy", "--from", "argo.db", "--to", "{db}"]),
    ]
# the commands whose store starts absent (its source is the state's SQLite file)
PG_EMPTY = {"store-copy-in"}
# argo health reports a shortage as a failing check (exit 2, the check
# named) or, when no report could be made, exits 3 (docs/HEALTH.md)
FAIL_EXITS = {"health": (2, 3)}


def same_output(argv, out, clean_out):
    """argo health's report holds times (durations, ages, its pid): two
    runs are the same when every check has the same name and status.
    argo store copy's last line says how long it took; argo keys add
    prints a new random key (the same length)."""
    if argv[:2] == ["keys", "add"]:
        return len(out) == len(clean_out) and out.count(b"\n") == clean_out.count(b"\n")
    if argv[0] == "store":
        took = re.compile(rb" in [0-9.]+ s\n")
        return took.sub(b"", out) == took.sub(b"", clean_out)
    if argv[0] != "health":
        return out == clean_out
    def checks(o):
        return [tuple(l.split()[:2]) for l in o.decode(errors="replace").splitlines()]
    return checks(out) == checks(clean_out)
only = set(x for x in args.only.split(",") if x)
unknown = only - set(c[0] for c in COMMANDS)
if unknown:
    sys.exit(f"unknown command(s) {sorted(unknown)}; known: {[c[0] for c in COMMANDS]}")


class Worker:
    """A work folder of its own, restored from the state only when changed."""

    def __init__(self, st, ident, empty=False):
        self.src = os.path.join(tmp, "state", st)
        self.dir = os.path.join(tmp, "work", f"{st}-{ident}")
        self.empty = empty
        if PG:
            # on PostgreSQL the store is the schema (the state's SQLite
            # file only for a copy into a new schema)
            self.url = pg_url(f"w_{st}_{ident}")
            made.append(self.url)
            self.snap0 = {k: v for k, v in snapshot(self.src).items()
                          if empty or not k.startswith("argo.db")}
        else:
            self.snap0 = snapshot(self.src)
        self.restore()
        if PG:
            self.dump0, self.seq0 = pg_dump(self.url)

    def restore(self):
        if os.path.exists(self.dir):
            shutil.rmtree(self.dir)
        if PG and not self.empty:
            shutil.copytree(self.src, self.dir, ignore=shutil.ignore_patterns("argo.db*"))
        else:
            shutil.copytree(self.src, self.dir)
        if PG:
            # dropped and made again: a copy --replace deletes the rows
            # but keeps the months' partitions a run made
            pg_forget(self.url)
        if PG and not self.empty:
            # PostgreSQL to PostgreSQL from the pristine schema (as fast
            # as from the SQLite file: docs/TESTING.md)
            must(self.dir, ["store", "copy", "--from", pristine(os.path.basename(self.src)),
                            "--to", self.url])

    def argv(self, argv):
        return [self.url if a == "{db}" else a for a in argv] if PG else argv


pristines = {}
pools = {}


def pg_workers(st, empty, n):
    """n workers on state st, from a pool kept across the commands (each
    worker is restored after any run that changed it, so it is always
    the state); on PostgreSQL making one costs a copy, so the missing
    ones are made in parallel."""
    ws = pools.setdefault((st, empty), [])
    k = len(ws)
    if n > k:
        with concurrent.futures.ThreadPoolExecutor(n - k) as ex:
            ws += ex.map(lambda j: Worker(st, f"{'e' if empty else ''}{j}", empty), range(k, n))
    return ws[:n]


def pristine(st):
    """The schema holding state st as it was built, copied once from its
    SQLite file."""
    if st not in pristines:
        url = pg_url(f"p_{st}")
        made.append(url)
        pg_forget(url)
        must(tmp, ["store", "copy", "--from", "sqlite:" + os.path.join(tmp, "state", st, "argo.db"),
                   "--to", url])
        pristines[st] = url
    return pristines[st]


failures = []
summary = []


DAY_RE = re.compile(r"^(backups/\d{4}/\d{2}/\d{2})/.")


def finished_days_only(snap, snap0, clean_files):
    problems = []
    changed = sorted(k for k in set(snap) | set(snap0) if snap.get(k) != snap0.get(k))
    for k in changed:
        if k in snap0 and k not in snap:
            problems.append(f"removed {k}")
        elif k in snap and clean_files.get(k) != snap[k]:
            problems.append(f"{k} is not what a clean run writes")
    for d in sorted(set(m.group(1) for m in map(DAY_RE.match, changed) if m)):
        want = set(k for k in clean_files if k.startswith(d + "/"))
        have = set(k for k in snap if k.startswith(d + "/"))
        if want != have:
            problems.append(f"{d}: a partial day ({len(have)} of {len(want)} files)")
    return problems[:3]


def check_one(w, name, argv, point, clean):
    report = os.path.join(w.dir, "fault.count")
    extra = {"ARGO_FAULT_ALLOC": str(point), "ARGO_FAULT_COUNT": report}
    if args.persist:
        extra["ARGO_FAULT_PERSIST"] = "1"
    rc, out, err, secs = run(w.dir, w.argv(argv), extra)
    injected = None
    try:
        with open(report) as f:
            injected = int(f.read().split()[3])
        os.unlink(report)
    except (OSError, IndexError, ValueError):
        pass
    text = err.decode(errors="replace")
    lines = text.splitlines()
    problems = []
    verdict = "failed-cleanly"
    if rc is None:
        problems.append("timed out")
    elif rc < 0:
        problems.append(f"killed by signal {-rc}")
    elif rc == SAN_EXIT or SAN_RE.search(text):
        problems.append("sanitizer report")
    elif injected == 0:
        verdict = "not-reached"
    elif rc == 0:
        verdict = "absorbed"
        if not same_output(argv, out, clean["stdout"]):
            problems.append("exit 0 after a failed allocation, with a different output")
    elif rc not in FAIL_EXITS.get(argv[0], (1,)):
        problems.append(f"exit {rc} (expected {' or '.join(map(str, FAIL_EXITS.get(argv[0], (1,))))})")
    else:
        if len(lines) != 1:
            problems.append(f"{len(lines)} stderr lines (expected 1)")
        if not lines or not lines[0].startswith(f"argo {argv[0]}"):
            problems.append("stderr does not start with 'argo " + argv[0] + "'")
        if not OOM_RE.search(text):
            problems.append("stderr does not say 'out of memory'")
    # the store and the backups: unchanged by a failure; as the clean run
    # left them when the fault was absorbed
    snap = snapshot(w.dir)
    changed = False
    if verdict == "absorbed":
        d, seqs = pg_dump(w.url) if PG else (dump(w.dir), None)
        if d != clean["dump"]:
            problems.append("the store differs from the clean run's")
        files = {k: v for k, v in snap.items() if not k.startswith("argo.db")}
        if files != clean["files"]:
            diff = sorted(k for k in set(files) | set(clean["files"])
                          if files.get(k) != clean["files"].get(k))
            problems.append(f"files differ from the clean run's: {', '.join(diff[:5])}")
        # a PostgreSQL worker costs a copy to restore: only when changed
        changed = not PG or problems or d != w.dump0 or snap != w.snap0
        if not changed and seqs != w.seq0:
            pg_reset_sequences(w.url, w.seq0)
    elif snap != w.snap0 and argv[:2] == ["backup", "--all"]:
        # each day is backed up atomically, manifest last: a failed
        # --all keeps the days it finished (complete, as a clean run
        # writes them) and nothing of the day it failed on
        problems += finished_days_only(snap, w.snap0, clean["files"])
        changed = True
    elif snap != w.snap0:
        diff = sorted(k for k in set(snap) | set(w.snap0) if snap.get(k) != w.snap0.get(k))
        problems.append(f"changed: {', '.join(diff[:5])}{' ...' if len(diff) > 5 else ''}")
        changed = True
    elif wal_frames(w.dir):
        if dump(w.dir) != clean["dump0"]:
            problems.append("the store's WAL holds changes")
        changed = True
    if PG and verdict != "absorbed":
        # a failure (or a fault not reached) leaves the schema as it was
        d, seqs = pg_dump(w.url)
        if d != w.dump0 and w.empty and rows_only_meta(d):
            # a copy into a new schema that fails leaves it made and
            # migrated, with no rows (docs/POSTGRES.md: only a SQLite
            # target the copy made is removed)
            changed = True
        elif d != w.dump0:
            old, new = (w.dump0 or "").splitlines(), (d or "").splitlines()
            first = next((f"{a!r} -> {b!r}" for a, b in zip(old, new) if a != b),
                         f"{len(old)} -> {len(new)} lines")
            problems.append(f"the store changed ({first[:200]})")
            changed = True
        elif seqs != w.seq0:
            pg_reset_sequences(w.url, w.seq0)
    if changed or os.path.exists(os.path.join(w.dir, "argo.db-wal")):
        w.restore()
    return point, verdict, problems, lines[:3], rc, secs


def campaign(name, st, argv):
    t0 = time.monotonic()
    empty = bool(PG) and name in PG_EMPTY
    w = pg_workers(st, empty, 1)[0] if PG else Worker(st, "clean")
    dump0 = w.dump0 if PG else dump(w.dir)
    report = os.path.join(w.dir, "fault.count")
    rc, out, err, secs = run(w.dir, w.argv(argv), {"ARGO_FAULT_COUNT": report})
    if rc != 0 or SAN_RE.search(err.decode(errors="replace")):
        failures.append((name, 0, [f"clean run exited {rc}: {err.decode(errors='replace')[:300]}"]))
        return
    with open(report) as f:
        total = int(f.read().split()[1])
    os.unlink(report)
    clean = {"stdout": out, "dump": pg_dump(w.url)[0] if PG else dump(w.dir), "dump0": dump0,
             "files": {k: v for k, v in snapshot(w.dir).items() if not k.startswith("argo.db")}}
    if PG and (clean["dump"] != w.dump0 or snapshot(w.dir) != w.snap0):
        w.restore()  # back in the pool as the state
    elif PG and pg_dump(w.url)[1] != w.seq0:
        pg_reset_sequences(w.url, w.seq0)
    if args.points:
        points = [int(x) for x in args.points.split(",")]
    elif total <= args.per_command:
        points = list(range(1, total + 1))
    else:
        rng = random.Random(f"{args.seed}:{name}")
        points = sorted(rng.sample(range(1, total + 1), args.per_command))
    jobs = max(1, min(args.jobs, len(points)))
    workers = (pg_workers(st, empty, jobs) if PG
               else [Worker(st, f"{name}-{j}") for j in range(jobs)])
    counts = {"failed-cleanly": 0, "absorbed": 0, "not-reached": 0}
    bad = 0
    with concurrent.futures.ThreadPoolExecutor(jobs) as ex:
        chunks = [points[j::jobs] for j in range(jobs)]

        def work(j):
            return [check_one(workers[j], name, argv, p, clean) for p in chunks[j]]

        for res in ex.map(work, range(jobs)):
            for point, verdict, problems, lines, rc, _ in res:
                counts[verdict] += 1
                if problems:
                    bad += 1
                    failures.append((name, point, problems + [f"exit {rc}"] + lines))
    wall = time.monotonic() - t0
    summary.append((name, total, len(points), counts, bad, wall))
    print(f"{name:17} {total:7} points {len(points):4} injected: "
          f"{counts['failed-cleanly']} failed cleanly, {counts['absorbed']} absorbed, "
          f"{counts['not-reached']} not reached, {bad} bad ({wall:.0f} s)", flush=True)


if PG:
    atexit.register(pg_drop_all)
print(f"argo faultsim campaign: {ARGO} (seed {args.seed}, at most {args.per_command} "
      f"points per command, {args.jobs} jobs"
      f"{', store: PostgreSQL ' + PG + TAG + '...' if PG else ''}); setup {time.monotonic() - t_start:.0f} s")
for name, st, argv in COMMANDS:
    if not only or name in only:
        campaign(name, st, argv)

injected = sum(s[2] for s in summary)
print(f"total: {sum(s[1] for s in summary)} allocation points, {injected} faults injected, "
      f"{len(failures)} failures, {time.monotonic() - t_start:.0f} s wall")
classes = {}
for name, point, problems in failures:
    key = name + ": " + re.sub(r"\d+", "N", "; ".join(str(p) for p in problems))
    classes.setdefault(key, []).append(point)
for key, pts in sorted(classes.items(), key=lambda kv: -len(kv[1])):
    print(f"{len(pts):5}x {key[:300]} (at {', '.join(map(str, pts[:8]))})")
for name, point, problems in failures[:20]:
    argv = next(c[2] for c in COMMANDS if c[0] == name)
    print(f"FAIL {name} at allocation {point}: {'; '.join(str(p) for p in problems)}")
    st = next(c[1] for c in COMMANDS if c[0] == name)
    where = f"in a copy of {tmp}/state/{st}"
    if PG:
        where += f"; {{db}}: a schema made with argo store copy --from its argo.db --to {PG}NAME"
    print(f"     reproduce: ARGO_FAULT_ALLOC={point} ARGO_FAULT_TRACE=1 {ARGO} "
          f"{' '.join(argv)}   ({where})")
if args.keep or failures:
    print(f"kept {tmp}")
else:
    shutil.rmtree(tmp)
sys.exit(1 if failures else 0)
