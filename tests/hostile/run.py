#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The hostile-input suite: runs every case under tests/hostile/cases/
against one argo program and checks exit status, a single stderr line
with the expected first words, and that a failed command left the store
and the backup folder byte-identical. The case format is in README.md
beside this file.

Usage: run.py ARGO SRCDIR [--only AREA] [--case FILE] [-v] [--jobs N]
Exit status: 0 when every case passes, 1 otherwise.
"""
import argparse
import base64
import concurrent.futures
import hashlib
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

CASE_TIMEOUT = 60  # seconds; a command that hangs fails its case


class Case:
    def __init__(self, path):
        self.path = path
        self.comment = []
        self.fixture = "empty"
        self.sh = []
        self.bg = []
        self.env = {}
        self.cmd = None
        self.exit = None
        self.stderr = None
        self.stderr_has = []
        self.stdout_has = []
        self.files = []  # (name, bytes)
        self.stdin = None
        self.stdout_full = False
        self.parse()

    def parse(self):
        with open(self.path, "rb") as f:
            text = f.read().decode("utf-8")
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        i = 0
        while i < len(lines) and not lines[i].startswith("--- "):
            line = lines[i]
            i += 1
            if not line.strip():
                continue
            if line.startswith("#"):
                self.comment.append(line[1:].strip())
                continue
            key, sep, val = line.partition(":")
            if not sep:
                raise ValueError(f"{self.path}: line without 'key:': {line!r}")
            key, val = key.strip(), val.strip()
            if key == "fixture":
                if val not in ("empty", "store", "backups"):
                    raise ValueError(f"{self.path}: unknown fixture {val!r}")
                self.fixture = val
            elif key == "sh":
                self.sh.append(val)
            elif key == "bg":
                self.bg.append(val)
            elif key == "env":
                k, _, v = val.partition("=")
                self.env[k] = v
            elif key == "cmd":
                self.cmd = val
            elif key == "exit":
                self.exit = int(val)
            elif key == "stderr":
                self.stderr = val
            elif key == "stderr-has":
                self.stderr_has.append(val)
            elif key == "stdout-has":
                self.stdout_has.append(val)
            elif key == "stdout":
                if val != "full":
                    raise ValueError(f"{self.path}: stdout: must be 'full'")
                self.stdout_full = True
            else:
                raise ValueError(f"{self.path}: unknown key {key!r}")
        sections = []
        while i < len(lines):
            head = lines[i][4:].strip()
            i += 1
            body = []
            while i < len(lines) and not lines[i].startswith("--- "):
                body.append(lines[i])
                i += 1
            sections.append((head, body))
        for head, body in sections:
            kind, _, name = head.partition(" ")
            name = name.strip()
            if kind == "file":
                if name.endswith("!"):
                    data = "\n".join(body).encode("utf-8")
                    name = name[:-1]
                else:
                    data = ("\n".join(body) + "\n").encode("utf-8")
            elif kind == "b64":
                data = base64.b64decode("".join(body))
            elif kind == "hex":
                data = bytes.fromhex("".join(body).replace(" ", ""))
            elif kind == "stdin":
                self.stdin = ("\n".join(body) + "\n").encode("utf-8")
                continue
            else:
                raise ValueError(f"{self.path}: unknown section {head!r}")
            if not name or name.startswith("/") or ".." in name.split("/"):
                raise ValueError(f"{self.path}: bad file name {name!r}")
            self.files.append((name, data))
        if self.cmd is None or self.exit is None:
            raise ValueError(f"{self.path}: needs cmd: and exit:")
        if self.exit != 0 and self.stderr is None:
            raise ValueError(f"{self.path}: a failing case needs stderr:")
        if not self.comment:
            raise ValueError(f"{self.path}: say what the case checks in a # line")


def snapshot(folder, skip):
    """sha256 of every file under folder except skip and SQLite's -wal/-shm."""
    out = {}
    for root, dirs, files in os.walk(folder):
        for d in dirs:
            rel = os.path.relpath(os.path.join(root, d), folder)
            out[rel + "/"] = "dir"
        for fn in files:
            p = os.path.join(root, fn)
            rel = os.path.relpath(p, folder)
            if rel in skip or fn.endswith("-wal") or fn.endswith("-shm"):
                continue
            try:
                with open(p, "rb") as f:
                    out[rel] = hashlib.sha256(f.read()).hexdigest()
            except OSError as e:  # unreadable on purpose (sh: chmod)
                out[rel] = "unreadable:" + e.strerror
    return out


def clean_env():
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("ARGO_") and not k.startswith("AWS_")}
    env["HOME"] = env.get("HOME", "/nonexistent")
    return env


def run_bounded(argv, cwd, env, stdin=None, timeout=CASE_TIMEOUT, stdout_full=False):
    """Runs argv in its own process group; on timeout the whole group is
    killed (a grandchild holding the pipes cannot hang the suite) and
    subprocess.TimeoutExpired is raised. With stdout_full, stdout is
    /dev/full (every write fails with ENOSPC) and the output is empty."""
    full = open("/dev/full", "wb") if stdout_full else None
    try:
        p = subprocess.Popen(argv, cwd=cwd, env=env, start_new_session=True,
                             stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                             stdout=full if full else subprocess.PIPE, stderr=subprocess.PIPE)
    finally:
        if full:
            full.close()
    try:
        out, err = p.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        p.communicate()
        raise
    finally:
        if p.poll() is None:
            p.kill()
    return subprocess.CompletedProcess(argv, p.returncode, out or b"", err)


def run_argo(argo, args, cwd, env, stdin=None, timeout=CASE_TIMEOUT, stdout_full=False):
    return run_bounded([argo] + args, cwd, env, stdin, timeout, stdout_full)


def build_fixtures(argo, src, base):
    """empty, store (MSFT ingested and replayed), backups (+ backup --all)."""
    env = clean_env()
    fx = {}
    empty = os.path.join(base, "empty")
    os.makedirs(empty)
    fx["empty"] = empty
    store = os.path.join(base, "store")
    os.makedirs(store)
    msft = os.path.join(src, "data", "market", "MSFT.csv")
    for args in (["ingest", msft, "--symbol", "MSFT"], ["replay", "--quiet"]):
        r = run_argo(argo, args, store, env, timeout=300)
        if r.returncode != 0:
            sys.exit(f"hostile: fixture 'store': argo {' '.join(args)} failed: "
                     f"{r.stderr.decode(errors='replace').strip()}")
    fx["store"] = store
    backups = os.path.join(base, "backups")
    shutil.copytree(store, backups)
    r = run_argo(argo, ["backup", "--all"], backups, env, timeout=300)
    if r.returncode != 0:
        sys.exit(f"hostile: fixture 'backups': argo backup --all failed: "
                 f"{r.stderr.decode(errors='replace').strip()}")
    fx["backups"] = backups
    return fx


def expand(s, src):
    return (s.replace("{data}", os.path.join(src, "data", "market"))
            .replace("{src}", src))


# ---- the PostgreSQL mode (--db-prefix) ----------------------------------

# Words that make a case SQLite's own: it names or opens the store file,
# sets the store itself, or expects a message about that file.
SQLITE_ONLY = ("argo.db", "sqlite", "ARGO_DB", "[store]", "--db", "--from", "--to")


def sqlite_only(case):
    with open(case.path, encoding="utf-8") as f:
        text = f.read()
    return any(w in text for w in SQLITE_ONLY)


class PgStores:
    """The PostgreSQL store of each case. Fixture "empty": a schema of its
    own that does not exist yet, in the cluster's database. Fixtures
    "store" and "backups": a database made with CREATE DATABASE ...
    TEMPLATE from one per fixture (the fixture's argo.db moved over by
    argo store copy). Making a database costs about a second, so one that
    a failing case left unchanged (which the case checks) is handed to
    the next case of its fixture; any other is dropped."""

    def __init__(self, prefix, argo, fixtures):
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pg"))
        import pgdb  # noqa: E402 (tests/pg, beside this folder)
        self.pgdb = pgdb
        self.prefix = prefix
        self.tag = "hostile_%d" % os.getpid()
        m = re.match(r"^postgres(?:ql)?://[^/?]*/([^?]*)", prefix)
        self.home = m.group(1) if m and m.group(1) else "postgres"  # the prefix's database
        self.admin = self.url(self.home)
        self.lock = threading.Lock()
        self.made, self.free, self.templates = [], {}, {}
        self.count = 0
        for fx in ("store", "backups"):
            name = "%s_%s" % (self.tag, fx)
            self.create(name, None)
            r = run_argo(argo, ["store", "copy", "--from",
                                "sqlite:" + os.path.join(fixtures[fx], "argo.db"),
                                "--to", self.url(name)], "/", clean_env(), timeout=300)
            if r.returncode != 0:
                sys.exit(f"hostile: fixture '{fx}' on PostgreSQL: argo store copy failed: "
                         f"{r.stderr.decode(errors='replace').strip()}")
            self.templates[fx] = name
            self.free[fx] = []

    def url(self, db, schema="argo"):
        """The URL of schema in database db (the prefix's host, port, user)."""
        base = re.sub(r"([?&])schema=[^&]*&?", r"\1", self.prefix).rstrip("?&")
        base = re.sub(r"^(postgres(?:ql)?://[^/?]*/)[^?]*", lambda m: m.group(1) + db, base)
        return base + ("&" if "?" in base else "?") + "schema=" + schema

    def create(self, name, template):
        self.pgdb.psql(self.admin, 'CREATE DATABASE "%s"%s' % (
            name, ' TEMPLATE "%s"' % template if template else ""))
        with self.lock:
            self.made.append(name)

    def acquire(self, fixture):
        """(handle, URL) of a store in the state of fixture."""
        with self.lock:
            self.count += 1
            n = self.count
            if fixture == "empty":
                return ("schema", n), self.url(self.home, "%s_e%d" % (self.tag, n))
            if self.free[fixture]:
                name = self.free[fixture].pop()
                return ("db", fixture, name), self.url(name)
        name = "%s_c%d" % (self.tag, n)
        self.create(name, self.templates[fixture])
        return ("db", fixture, name), self.url(name)

    def release(self, handle, url, unchanged):
        if handle[0] == "schema":
            self.pgdb.drop(url)
        elif unchanged:
            with self.lock:
                self.free[handle[1]].append(handle[2])
        else:
            self.pgdb.psql(self.admin, 'DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % handle[2])

    def dump(self, url):
        return self.pgdb.dump(url, skip=())

    def close(self):
        for name in self.made:
            try:
                self.pgdb.psql(self.admin, 'DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)
            except RuntimeError:
                pass


def run_case(case, argo, src, fixtures, tmpbase, pg=None):
    """Returns a list of failure strings (empty: passed)."""
    work = tempfile.mkdtemp(prefix="case-", dir=tmpbase)
    handle, unchanged = None, False
    try:
        shutil.rmtree(work)
        shutil.copytree(fixtures[case.fixture], work)
        if pg:  # the store is the case's database; no argo.db to fall back on
            if os.path.exists(os.path.join(work, "argo.db")):
                os.remove(os.path.join(work, "argo.db"))
            handle, url = pg.acquire(case.fixture)
        for name, data in case.files:
            p = os.path.join(work, name)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "wb") as f:
                f.write(data)
        env = clean_env()
        env.update(case.env)
        if pg:
            env["ARGO_DB"] = url
        for line in case.sh:
            try:
                r = run_bounded(["bash", "-c", expand(line, src)], work, env)
            except subprocess.TimeoutExpired:
                return [f"sh: {line!r} did not finish in {CASE_TIMEOUT} s"]
            if r.returncode != 0:
                return [f"sh: {line!r} failed: {r.stderr.decode(errors='replace').strip()}"]
        skip = {name for name, _ in case.files}
        before = snapshot(work, skip)
        # a schema that does not exist yet counts as an empty one: argo
        # creates it at open, before a command can fail (docs/POSTGRES.md)
        store_before = pg.dump(url) if pg and case.exit != 0 else None
        procs = []
        for line in case.bg:
            procs.append(subprocess.Popen(["bash", "-c", expand(line, src)], cwd=work,
                                          env=env, start_new_session=True,
                                          stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL))
        if procs:
            time.sleep(0.5)  # let it take its lock
        args = [expand(a, src) for a in shlex.split(case.cmd)]
        t0 = time.monotonic()
        try:
            r = run_argo(argo, args, work, env, case.stdin, stdout_full=case.stdout_full)
        except subprocess.TimeoutExpired:
            return [f"argo {case.cmd} did not finish in {CASE_TIMEOUT} s"]
        finally:
            for p in procs:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait()
        took = time.monotonic() - t0
        fails = []
        err = r.stderr.decode("utf-8", errors="replace")
        out = r.stdout.decode("utf-8", errors="replace")
        if r.returncode != case.exit:
            fails.append(f"exit {r.returncode}, wanted {case.exit}; stderr: {err.strip()[:300]}")
        if case.exit != 0:
            lines = err.split("\n")
            if lines and lines[-1] == "":
                lines.pop()
            if len(lines) != 1:
                fails.append(f"{len(lines)} stderr lines, wanted 1: {err.strip()[:400]}")
            first = lines[0] if lines else ""
            if case.stderr is not None and not first.startswith(case.stderr):
                fails.append(f"stderr {first[:300]!r} does not start with {case.stderr!r}")
            for h in case.stderr_has:
                if h not in first:
                    fails.append(f"stderr {first[:300]!r} lacks {h!r}")
            if r.returncode > 0 or r.returncode < 0:
                after = snapshot(work, skip)
                if after != before:
                    changed = sorted(k for k in set(before) | set(after)
                                     if before.get(k) != after.get(k))
                    fails.append(f"a failed command changed files: {changed[:8]}")
                if pg:
                    store_after = pg.dump(url)
                    if store_before is None:  # created at open: must be empty
                        table, empty = "", True
                        for line in (store_after or "").split("\n"):
                            if line.startswith("# "):
                                table = line[2:line.index("(")]
                            elif line and table != "argo_meta":  # all but the schema's version
                                empty = False
                        if not empty:
                            fails.append("a failed command left rows in a new store")
                    elif store_after != store_before:
                        fails.append("a failed command changed the PostgreSQL store")
                    else:
                        unchanged = not case.sh and not case.bg  # sh: may change it unseen
        else:
            if case.stderr is not None and not err.startswith(case.stderr):
                fails.append(f"stderr {err.strip()[:300]!r} does not start with {case.stderr!r}")
            for h in case.stderr_has:
                if h not in err:
                    fails.append(f"stderr lacks {h!r}")
        for h in case.stdout_has:
            if h not in out:
                fails.append(f"stdout lacks {h!r}: {out.strip()[:300]}")
        if r.returncode < 0:
            fails.append(f"killed by signal {-r.returncode}")
        if "runtime error:" in err or "AddressSanitizer" in err or "LeakSanitizer" in err:
            fails.append("sanitizer report: " + err.strip()[:400])
        case.took = took
        return fails
    finally:
        if any("chattr" in line for line in case.sh):  # immutable files (read-only for root too)
            subprocess.run(["chattr", "-R", "-i", work], stderr=subprocess.DEVNULL)
        subprocess.run(["chmod", "-R", "u+rwX", work], stderr=subprocess.DEVNULL)
        shutil.rmtree(work, ignore_errors=True)
        if handle:
            pg.release(handle, url, unchanged)


ERRORS_AREA = "errors"
DEFAULT_EXITS = ((2, "usage mistake (exit 2)"), (1, "runtime failure (exit 1)"))
# argo health exits as a monitoring plugin does (docs/HEALTH.md): 1
# degraded, 2 failing, 3 a usage mistake; a case of each is needed
EXPECTED_EXITS = {
    "health": ((3, "usage mistake (exit 3)"), (2, "failing (exit 2)"), (1, "degraded (exit 1)")),
}


# commands named by two words in the help ("archive push", "store copy")
TWO_WORDS = ("archive", "store")


def listed_commands(argo):
    """The commands `argo --help` lists ("stats", "archive push", ...) and
    the archive subcommands of `argo archive --help` ("archive cat")."""
    env = clean_env()
    argo = os.path.abspath(argo)
    top = run_argo(argo, ["--help"], "/", env).stdout.decode()
    cmds = set()
    for line in top.split("\n"):
        if not line.startswith("  ") or line.startswith("   "):
            continue
        words = line.split()
        if words[0].startswith("-"):  # the options every command takes
            continue
        name = " ".join(words[:2]) if words[0] in TWO_WORDS else words[0]
        cmds.add(name)
    arch = run_argo(argo, ["archive", "--help"], "/", env).stdout.decode()
    for line in arch.split("\n"):
        words = line.replace("usage:", "").split()
        if len(words) >= 3 and words[:2] == ["argo", "archive"] and words[2].isalpha():
            cmds.add("archive " + words[2])
    return cmds


def case_command(case):
    """The command a case runs: its first word, two for archive and store."""
    words = shlex.split(case.cmd)
    if not words:
        return ""
    if words[0] in TWO_WORDS and len(words) > 1 and not words[1].startswith("-"):
        return words[0] + " " + words[1]
    return words[0]


def coverage(argo, cases):
    """Every command the help lists needs, in cases/errors/, a usage
    mistake (exit 2) and a runtime failure (exit 1), or the statuses
    EXPECTED_EXITS names for it. Returns the gaps."""
    have = {}
    for c in cases:
        if os.path.basename(os.path.dirname(c.path)) == ERRORS_AREA:
            have.setdefault(case_command(c), set()).add(c.exit)
    gaps = []
    cmds = listed_commands(argo)
    if len(cmds) < 2:
        return [f"could not read the command list from '{argo} --help'"]
    for cmd in sorted(cmds):
        for code, what in EXPECTED_EXITS.get(cmd, DEFAULT_EXITS):
            if code not in have.get(cmd, set()):
                gaps.append(f"argo {cmd}: no {what} case in cases/{ERRORS_AREA}/")
    return gaps


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("argo")
    ap.add_argument("src")
    ap.add_argument("--only", action="append", default=[])
    ap.add_argument("--case", action="append", default=[])
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("-v", action="store_true")
    ap.add_argument("--db-prefix", default="",
                    help="a postgresql:// URL prefix (ending in schema=): run the cases that do"
                         " not name the SQLite file on a PostgreSQL store each")
    a = ap.parse_args()
    argo = os.path.abspath(a.argo)
    src = os.path.abspath(a.src)
    root = os.path.join(src, "tests", "hostile", "cases")
    paths = []
    if a.case:
        paths = [os.path.abspath(p) for p in a.case]
    else:
        for area in sorted(os.listdir(root)):
            if a.only and area not in a.only:
                continue
            d = os.path.join(root, area)
            paths += [os.path.join(d, f) for f in sorted(os.listdir(d)) if f.endswith(".case")]
    cases = []
    bad = 0
    for p in paths:
        try:
            cases.append(Case(p))
        except (ValueError, UnicodeDecodeError) as e:
            print(f"FAIL {os.path.relpath(p, root)}: malformed case: {e}")
            bad += 1
    skipped = []
    if a.db_prefix:
        skipped = [c for c in cases if sqlite_only(c)]
        cases = [c for c in cases if not sqlite_only(c)]
    tmpbase = tempfile.mkdtemp(prefix="argo-hostile-")
    pg = None
    try:
        fixtures = build_fixtures(argo, src, os.path.join(tmpbase, "fixtures"))
        if a.db_prefix:
            pg = PgStores(a.db_prefix, argo, fixtures)
        failed = bad
        with concurrent.futures.ThreadPoolExecutor(max_workers=a.jobs) as ex:
            futs = {ex.submit(run_case, c, argo, src, fixtures, tmpbase, pg): c for c in cases}
            for fut in concurrent.futures.as_completed(futs):
                c = futs[fut]
                rel = os.path.relpath(c.path, root)
                try:
                    fails = fut.result()
                except Exception as e:  # a broken case is a failure, not a crash
                    fails = [f"runner error: {e!r}"]
                if fails:
                    failed += 1
                    print(f"FAIL {rel}: {c.comment[0]}")
                    for f in fails:
                        print(f"    {f}")
                elif a.v:
                    print(f"ok   {rel} ({getattr(c, 'took', 0):.2f} s)")
        areas = sorted({os.path.basename(os.path.dirname(c.path)) for c in cases})
        # the command coverage of the errors area, whenever that area runs whole
        if not a.case and not pg and (not a.only or ERRORS_AREA in a.only):
            gaps = coverage(argo, cases)
            for g in gaps:
                print(f"FAIL coverage: {g}")
            failed += len(gaps)
        print(f"hostile: {len(cases) + bad} cases in {len(areas)} areas ({', '.join(areas)})")
        if pg:
            print(f"on PostgreSQL ({len(skipped)} cases that name the SQLite store file, set"
                  f" the store or copy stores left out: {', '.join(SQLITE_ONLY)})")
        print(f"{len(cases) + bad - failed} passed, {failed} failed")
        return 1 if failed or not cases else 0
    finally:
        if pg:
            pg.close()
        subprocess.run(["chmod", "-R", "u+rwX", tmpbase], stderr=subprocess.DEVNULL)
        shutil.rmtree(tmpbase, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
