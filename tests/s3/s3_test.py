#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""argo's S3 archive against a real S3-compatible server and independent tools.

Usage: s3_test.py ARGO S3_PUT SOURCE_DIR

- s3rver (npm, tests/s3/package.json) runs on 127.0.0.1 over a temporary
  folder. argo talks to it through a recording proxy in this script,
  which keeps every request exactly as it came over the wire, and can
  answer 503 (retry tests) or emulate S3 Object Lock on HEAD (s3rver has
  none).
- Debian's awscli (/usr/bin/aws) reads every pushed object back: bytes
  and SHA-256 must equal the local files and their manifests.
- botocore's S3SigV4Auth (Debian's python3-botocore) signs every recorded
  request again, from the bytes received, with the clock of its
  x-amz-date; every Authorization header must be identical. Covered: PUT,
  HEAD, GET, multipart (?uploads, ?partNumber&uploadId, ?uploadId) and
  ?lifecycle.
- Faults: server down, 503s, an unknown access key, objects changed
  remotely, a damaged local file.
- The lifecycle XML is parsed and validated with botocore's S3 model
  (the service's published shapes) and compared with its documented
  example.
Exits 77 (skipped) when s3rver, awscli or botocore is missing.
"""
import base64
import datetime
import glob
import hashlib
import http.client
import http.server
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import xml.etree.ElementTree as ET

ARGO, S3_PUT, SRC = sys.argv[1], sys.argv[2], sys.argv[3]
S3RVER = os.path.join(SRC, "tests/s3/node_modules/.bin/s3rver")
AWS = "/usr/bin/aws"
try:
    import botocore.auth
    import botocore.model
    import botocore.parsers
    import botocore.validate
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    from botocore.loaders import Loader
except ImportError:
    print("SKIP: botocore is not installed (Debian package python3-botocore)")
    sys.exit(77)
for tool, what in ((S3RVER, "s3rver (npm install in tests/s3)"), (AWS, "awscli (Debian)")):
    if not os.path.exists(tool):
        print(f"SKIP: {what} is not installed")
        sys.exit(77)
if not shutil.which("node"):
    print("SKIP: node is not installed")
    sys.exit(77)

failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


tmp = tempfile.mkdtemp(prefix="argo-s3-")
S3_PORT = free_port()
BUCKET = "argo-test"
server = subprocess.Popen([S3RVER, "-d", os.path.join(tmp, "s3rver"), "-a", "127.0.0.1", "-p",
                           str(S3_PORT), "-s", "--service-endpoint", "localhost",
                           "--configure-bucket", BUCKET],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
for _ in range(100):
    try:
        socket.create_connection(("127.0.0.1", S3_PORT), timeout=0.2).close()
        break
    except OSError:
        time.sleep(0.1)


class Proxy(http.server.BaseHTTPRequestHandler):
    """Forwards to s3rver; records each request as received."""
    protocol_version = "HTTP/1.1"
    log = []
    fail_next = []      # statuses to answer instead of forwarding
    hang_next = 0       # requests to stall (longer than argo's timeout) before answering
    refuse_path = None  # a PUT of this path is answered 400
    lock = threading.Lock()
    emulate_lifecycle = False  # answer ?lifecycle as S3 does (s3rver: 501)
    lifecycle = None
    digests_checked = 0  # bodies whose Content-MD5 / x-amz-checksum-sha256 were checked
    bad_digests = []

    def answer(self, status, body=b"", headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    emulate_lock = False
    locks = {}          # path -> (mode, until), as S3 Object Lock would keep them

    def log_message(self, *args):
        pass

    def handle_one(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        rec = {"method": self.command, "path": self.path, "body": body,
               "headers": [(k, v) for k, v in self.headers.items()], "t0": time.monotonic()}
        Proxy.log.append(rec)
        # S3 refuses a body that does not match its digests; s3rver does not check
        h = {k.lower(): v for k, v in self.headers.items()}
        if "content-md5" in h or "x-amz-checksum-sha256" in h:
            Proxy.digests_checked += 1
            md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
            sha = base64.b64encode(hashlib.sha256(body).digest()).decode()
            if h.get("content-md5", md5) != md5 or h.get("x-amz-checksum-sha256", sha) != sha:
                Proxy.bad_digests.append(self.path)
        if Proxy.emulate_lifecycle and self.path.endswith("?lifecycle"):
            if self.command == "PUT":
                Proxy.lifecycle = (body, h.get("x-amz-transition-default-minimum-object-size"))
                return self.answer(200)
            if Proxy.lifecycle is None:
                return self.answer(404, b"<Error><Code>NoSuchLifecycleConfiguration</Code>"
                                   b"<Message>The lifecycle configuration does not exist</Message>"
                                   b"</Error>")
            # as S3 answers it: its own declaration and layout
            text = re.sub(rb">\s+<", b"><", Proxy.lifecycle[0])
            text = b'<?xml version="1.0" encoding="UTF-8"?>\n' + text
            return self.answer(200, text, [("x-amz-transition-default-minimum-object-size",
                                            Proxy.lifecycle[1] or "")])
        if Proxy.hang_next:
            Proxy.hang_next -= 1
            time.sleep(3)
        if self.command == "PUT" and self.path == Proxy.refuse_path:
            rec["status"] = 400
            return self.answer(400, b"<Error><Code>InvalidRequest</Code><Message>Refused by "
                               b"the test</Message></Error>")
        with Proxy.lock:
            status = Proxy.fail_next.pop(0) if Proxy.fail_next else None
        if status:
            msg = (b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate."
                   b"</Message></Error>")
            self.send_response(status)
            self.send_header("Content-Length", str(len(msg)))
            self.end_headers()
            self.wfile.write(msg)
            return
        conn = http.client.HTTPConnection("127.0.0.1", S3_PORT, timeout=30)
        hdrs = {k: v for k, v in self.headers.items()}
        conn.request(self.command, self.path, body=body, headers=hdrs)
        resp = conn.getresponse()
        data = resp.read()
        rec["status"] = resp.status
        rec["t1"] = time.monotonic()  # stored: s3rver has answered
        key = self.path.split("?")[0]
        if Proxy.emulate_lock and self.command == "PUT" and "?" not in self.path:
            mode = self.headers.get("x-amz-object-lock-mode")
            if mode:
                Proxy.locks[key] = (mode, self.headers.get("x-amz-object-lock-retain-until-date"))
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(k, v)
        if Proxy.emulate_lock and self.command == "HEAD" and key in Proxy.locks:
            self.send_header("x-amz-object-lock-mode", Proxy.locks[key][0])
            self.send_header("x-amz-object-lock-retain-until-date", Proxy.locks[key][1])
        length = resp.getheader("Content-Length") if self.command == "HEAD" else str(len(data))
        self.send_header("Content-Length", length or "0")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        conn.close()

    def handle_safely(self):
        try:
            self.handle_one()
        except (BrokenPipeError, ConnectionResetError):
            pass  # argo gave up on this request (the timeout case)

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = handle_safely


PROXY_PORT = free_port()
proxy = http.server.ThreadingHTTPServer(("127.0.0.1", PROXY_PORT), Proxy)
threading.Thread(target=proxy.serve_forever, daemon=True).start()

ENV = dict(os.environ, AWS_ACCESS_KEY_ID="S3RVER", AWS_SECRET_ACCESS_KEY="S3RVER",
           AWS_DEFAULT_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true")
ENV.pop("AWS_SESSION_TOKEN", None)
ENV.pop("ARGO_CONFIG", None)


def config(name, **s3):
    s3.setdefault("endpoint", f"http://127.0.0.1:{PROXY_PORT}")
    s3.setdefault("bucket", BUCKET)
    s3.setdefault("retries", "3")
    s3.setdefault("retry_base_ms", "20")
    s3.setdefault("retry_cap_ms", "200")
    s3.setdefault("timeout_s", "5")
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write("[archive]\ndir = %s\n[s3]\n" % os.path.join(tmp, "bk"))
        for k, v in s3.items():
            f.write(f"{k} = {v}\n")
    return path


def argo(*args, db="a.db", env=None):
    e = dict(ENV, ARGO_DB=os.path.join(tmp, db))
    e.update(env or {})
    return subprocess.run([ARGO, *args], capture_output=True, text=True, env=e)


def aws(*args):
    return subprocess.run([AWS, "--endpoint-url", f"http://127.0.0.1:{S3_PORT}", "s3api", *args],
                          capture_output=True, env=ENV)


def remote_rows(db):
    con = sqlite3.connect(os.path.join(tmp, db))
    n = con.execute("SELECT count(*) FROM remote_objects").fetchone()[0]
    con.close()
    return n


try:
    # the shipped real data, replayed and backed up
    for f in sorted(glob.glob(os.path.join(SRC, "data/market/*.csv"))):
        assert argo("ingest", f).returncode == 0
    assert argo("replay").returncode == 0
    r = argo("backup", "--all", "--dir", os.path.join(tmp, "bk"))
    assert r.returncode == 0, r.stderr
    # keep the first 20 backup days (complete days: every version, every
    # file): enough for every case, small enough to sign each request again
    day_dirs = sorted(glob.glob(os.path.join(tmp, "bk/*/*/*")))
    for d in day_dirs[20:]:
        shutil.rmtree(d)
    local = {}  # key -> path
    for path in glob.glob(os.path.join(tmp, "bk/*/*/*/*")):
        local["backups/" + os.path.relpath(path, os.path.join(tmp, "bk"))] = path
    manifest_sha = {}
    for m in glob.glob(os.path.join(tmp, "bk/*/*/*/manifest*.json")):
        d = os.path.dirname(m)
        for f in json.load(open(m))["files"]:
            manifest_sha[os.path.join(d, f["name"])] = f["sha256"]
    cfg = config("s3.conf")

    # push, and read everything back with awscli
    r = argo("archive", "push", "--config", cfg)
    check(r.returncode == 0 and f"{len(local)} uploaded" in r.stdout,
          f"push uploads all {len(local)} backup files ({r.stdout.strip().splitlines()[-1:]}"
          f"{r.stderr.strip()})")
    r = aws("list-objects-v2", "--bucket", BUCKET)
    if r.returncode:
        print(r.stderr.decode())
    listed = json.loads(r.stdout or b"{}")
    keys = {o["Key"] for o in listed.get("Contents", [])}
    check(keys == set(local), f"awscli lists exactly the {len(local)} keys")
    # one awscli run fetches everything (s3 cp --recursive: GetObject per key)
    got_dir = os.path.join(tmp, "got")
    subprocess.run([AWS, "--endpoint-url", f"http://127.0.0.1:{S3_PORT}", "s3", "cp",
                    "--recursive", "--quiet", f"s3://{BUCKET}/backups/", got_dir], env=ENV)
    same = 0
    for key, path in sorted(local.items()):
        gp = os.path.join(got_dir, key[len("backups/"):])
        got = open(gp, "rb").read() if os.path.exists(gp) else None
        want = open(path, "rb").read()
        sha_ok = path not in manifest_sha or \
            hashlib.sha256(got or b"").hexdigest() == manifest_sha[path]
        same += got == want and sha_ok
    check(same == len(local), f"awscli reads back every object byte for byte, SHA-256 as in the "
          f"manifest ({same}/{len(local)})")
    check(remote_rows("a.db") == len(local), "each object is recorded in the store")
    con = sqlite3.connect(os.path.join(tmp, "a.db"))
    rows = con.execute("SELECT key, bytes, etag, sha256 FROM remote_objects").fetchall()
    con.close()
    check(all(hashlib.md5(open(local[k], "rb").read()).hexdigest() == e
              and os.path.getsize(local[k]) == b for k, b, e, _ in rows),
          "recorded size and ETag match the files")

    # idempotent
    n = len(Proxy.log)
    r = argo("archive", "push", "--config", cfg)
    check(r.returncode == 0 and "0 uploaded" in r.stdout and len(Proxy.log) == n,
          "a second push uploads nothing and sends no request")

    # remote verify, HEAD only, then downloading
    r = argo("archive", "verify", "--remote", "--config", cfg)
    check(r.returncode == 0 and f"{len(local)} objects" in r.stdout,
          "verify --remote: every object matches")
    r = argo("archive", "verify", "--remote", "--download", "--date",
             os.path.relpath(sorted(local.values())[0], os.path.join(tmp, "bk"))[:10]
             .replace("/", "-"), "--config", cfg)
    check(r.returncode == 0 and any(x["method"] == "GET" for x in Proxy.log),
          "verify --remote --download reads the objects back with GET")

    # multipart: a 12 MiB file in 5 MiB parts
    big = os.path.join(tmp, "big.bin")
    with open(big, "wb") as f:
        f.write(os.urandom(12 << 20))
    mcfg = config("mp.conf", part_size_mb="5", multipart_threshold_mb="5")
    r = subprocess.run([S3_PUT, mcfg, "test/big.bin", big], capture_output=True, text=True,
                       env=ENV)
    check(r.returncode == 0 and r.stdout.split()[1:] == ["3", str(12 << 20)],
          f"multipart upload in 3 parts ({r.stdout.strip()} {r.stderr.strip()})")
    aws("get-object", "--bucket", BUCKET, "--key", "test/big.bin", os.path.join(tmp, "big.got"))
    check(open(os.path.join(tmp, "big.got"), "rb").read() == open(big, "rb").read(),
          "awscli reads the multipart object back byte for byte")

    # lifecycle: s3rver answers 501 NotImplemented, reported as such, once
    n = len(Proxy.log)
    r = argo("archive", "lifecycle", "apply", "--config", cfg)
    check(r.returncode == 1 and "does not implement bucket lifecycle" in r.stderr
          and "501 NotImplemented" in r.stderr and len(Proxy.log) == n + 1,
          f"lifecycle apply: 501 reported clearly, not retried ({r.stderr.strip()})")
    r = argo("archive", "lifecycle", "get", "--config", cfg)
    check(r.returncode == 1 and "501 NotImplemented" in r.stderr,
          "lifecycle get: 501 reported clearly")

    # lifecycle as S3 answers it (emulated by the proxy: s3rver has none)
    Proxy.emulate_lifecycle = True
    r0 = argo("archive", "lifecycle", "get", "--config", cfg)
    r1 = argo("archive", "lifecycle", "apply", "--config", cfg)
    r2 = argo("archive", "lifecycle", "get", "--config", cfg)
    other = os.path.join(tmp, "other.conf")
    shutil.copy(cfg, other)
    with open(other, "a") as f:
        f.write("[lifecycle]\ntransitions = STANDARD_IA:30,DEEP_ARCHIVE:400\n")
    r3 = argo("archive", "lifecycle", "get", "--config", other)
    Proxy.emulate_lifecycle = False
    ok = (r0.returncode == 3 and "none set" in r0.stdout and r1.returncode == 0 and
          "lifecycle applied" in r1.stdout and Proxy.lifecycle is not None
          and Proxy.lifecycle[1] == "all_storage_classes_128K"
          and b"<!--" not in Proxy.lifecycle[0] and r2.returncode == 0 and "matches" in r2.stdout
          and r3.returncode == 3 and "differs" in r3.stdout)
    # what each step did, for a failure to be read from the log
    seen = "" if ok else "".join(
        f" [{k}: exit {r.returncode}, stdout {r.stdout.strip()!r}, stderr {r.stderr.strip()!r}]"
        for k, r in (("get", r0), ("apply", r1), ("get", r2), ("get other", r3))) + (
        f" [stored: {Proxy.lifecycle!r}]")
    check(ok, "lifecycle apply then get: none set, applied, matches; another policy differs"
          + seen)

    # retries: two 503s, then success
    Proxy.fail_next = [503, 503]
    r = argo("archive", "push", "--config", cfg, db="b.db")
    check(r.returncode == 0 and r.stderr.count("retrying") == 2 and
          remote_rows("b.db") == len(local), "two 503 SlowDown answers are retried, then it works")

    # interrupted mid-day: what was sent is recorded, the next push sends the rest
    Proxy.fail_next = [None, None, 400]
    r = argo("archive", "push", "--config", config("c1.conf", concurrency="1"), db="i.db")
    first = remote_rows("i.db")
    n = len(Proxy.log)
    r2 = argo("archive", "push", "--config", cfg, db="i.db")
    check(r.returncode == 1 and "400" in r.stderr and first == 2 and r2.returncode == 0 and
          len(Proxy.log) - n == len(local) - 2 and remote_rows("i.db") == len(local),
          f"an interrupted push keeps its 2 uploads; the next sends only the other "
          f"{len(local) - 2}")

    # a server that stops answering: the transfer times out and is retried
    tcfg = config("timeout.conf", timeout_s="1")
    first_day = os.path.relpath(sorted(local.values())[0], os.path.join(tmp, "bk"))[:10]
    Proxy.hang_next = 1
    r = argo("archive", "push", "--config", tcfg, "--date", first_day.replace("/", "-"),
             db="t.db")
    check(r.returncode == 0 and "timed out: nothing moved for 1 s; retrying" in r.stderr and
          remote_rows("t.db") > 0, f"a stalled request times out and is retried ({r.stderr.strip()})")

    # virtual-hosted style: BUCKET.s3.localhost (curl resolves *.localhost)
    vcfg = config("vhost.conf", endpoint=f"http://s3.localhost:{PROXY_PORT}", path_style="0",
                  prefix="vhost/")
    n = len(Proxy.log)
    r = argo("archive", "push", "--config", vcfg, "--date", first_day.replace("/", "-"),
             db="v.db")
    hosts = {dict((k.lower(), v) for k, v in x["headers"])["host"] for x in Proxy.log[n:]}
    vkeys = {o["Key"] for o in json.loads(aws("list-objects-v2", "--bucket", BUCKET, "--prefix",
                                              "vhost/").stdout or b"{}").get("Contents", [])}
    check(r.returncode == 0 and hosts == {f"{BUCKET}.s3.localhost:{PROXY_PORT}"} and
          vkeys == {"vhost/" + k[len("backups/"):] for k in local
                    if k.startswith("backups/" + first_day)},
          f"virtual-hosted style: Host {sorted(hosts)}, {len(vkeys)} objects")

    # 4xx are not retried: an unknown access key (the PUTs in flight at
    # once, 8, are each sent once)
    n = len(Proxy.log)
    r = argo("archive", "push", "--config", cfg, db="c.db",
             env={"AWS_ACCESS_KEY_ID": "NOT-A-KNOWN-KEY"})
    sent = [x["path"] for x in Proxy.log[n:]]
    check(r.returncode == 1 and "403 InvalidAccessKeyId" in r.stderr and
          "does not know this access key" in r.stderr and "retrying" not in r.stderr and
          1 <= len(sent) <= 8 and len(set(sent)) == len(sent) and
          len(r.stderr.strip().splitlines()) == 1 and remote_rows("c.db") == 0 and
          "NOT-A-KNOWN-KEY" not in r.stderr and "S3RVER" not in r.stderr,
          f"unknown access key: 403 reported, no retry, nothing recorded, no key printed "
          f"({r.stderr.strip()})")

    # server down
    down = config("down.conf", endpoint=f"http://127.0.0.1:{free_port()}")
    r = argo("archive", "push", "--config", down, db="d.db")
    last = r.stderr.strip().splitlines()[-1] if r.stderr.strip() else ""
    retried = r.stderr.count("retrying")
    check(r.returncode == 1 and retried > 0 and retried % 3 == 0 and
          r.stderr.count("(attempt 4 of 4)") == retried // 3 and
          "Couldn't connect" in last and "gave up after 4 attempts" in last and
          remote_rows("d.db") == 0,
          f"server down: retried, clear error, nothing marked uploaded ({last})")

    # concurrency 1 and 8 (the default) send the same objects and record the same rows
    def rows_of(db, prefix):
        con = sqlite3.connect(os.path.join(tmp, db))
        got = sorted((k[len(prefix):], b, e, h, c, d) for k, b, e, h, c, d in con.execute(
            "SELECT key, bytes, etag, sha256, storage_class, day FROM remote_objects"))
        con.close()
        return got

    def bucket_of(prefix):
        out = json.loads(aws("list-objects-v2", "--bucket", BUCKET, "--prefix", prefix).stdout
                         or b"{}")
        return sorted((o["Key"][len(prefix):], o["Size"], o["ETag"])
                      for o in out.get("Contents", []))

    runs = {}
    for conc in (1, 8):
        ccfg = config(f"conc{conc}.conf", concurrency=str(conc), prefix=f"conc{conc}/")
        n = len(Proxy.log)
        t = time.perf_counter()
        r = argo("archive", "push", "--config", ccfg, db=f"conc{conc}.db")
        runs[conc] = (r.returncode, time.perf_counter() - t, len(Proxy.log) - n,
                      rows_of(f"conc{conc}.db", f"conc{conc}/"), bucket_of(f"conc{conc}/"))
        # each day's manifest arrives after the answers to its day's other files
        days = {}
        for x in Proxy.log[n:]:
            d, name = x["path"].rsplit("/", 1)
            days.setdefault(d, []).append((name.startswith("manifest"), x["t0"], x.get("t1")))
        late = [d for d, xs in days.items()
                if min((t0 for m, t0, _ in xs if m), default=1e18) <
                max((t1 or 1e18 for m, _, t1 in xs if not m), default=0)]
        check(not late, f"concurrency {conc}: every day's manifest is sent after its other "
              f"files are stored ({len(days)} days; early: {late[:2]})")
    check(runs[1][0] == 0 and runs[8][0] == 0 and runs[1][2] == runs[8][2] == len(local) and
          runs[1][3] == runs[8][3] and len(runs[1][3]) == len(local) and
          runs[1][4] == runs[8][4] and len(runs[1][4]) == len(local),
          f"concurrency 1 and 8 send the same {len(local)} objects, one PUT each, and record "
          f"the same rows ({runs[1][1]:.2f} s vs {runs[8][1]:.2f} s)")

    # concurrency 8: the server refuses one key; the push fails with one line after the
    # PUTs in flight end, records exactly the objects the server stored, and a rerun
    # sends only the rest
    fcfg = config("refuse.conf", prefix="refuse/")
    victim_key = sorted(local)[len(local) // 2]
    Proxy.refuse_path = f"/{BUCKET}/refuse/" + victim_key[len("backups/"):]
    n = len(Proxy.log)
    r = argo("archive", "push", "--config", fcfg, db="r.db")
    Proxy.refuse_path = None
    stored = {x["path"][len(f"/{BUCKET}/refuse/"):] for x in Proxy.log[n:]
              if x["method"] == "PUT" and x.get("status") == 200}
    recorded = {k for k, *_ in rows_of("r.db", "refuse/")}
    lines = r.stderr.strip().splitlines()
    n = len(Proxy.log)
    r2 = argo("archive", "push", "--config", fcfg, db="r.db")
    resent = [x["path"] for x in Proxy.log[n:]]
    check(r.returncode == 1 and len(lines) == 1 and "400 InvalidRequest" in lines[0] and
          victim_key[len("backups/"):] in lines[0] and recorded == stored and
          victim_key[len("backups/"):] not in recorded and 0 < len(recorded) < len(local) and
          r2.returncode == 0 and len(resent) == len(local) - len(recorded) and
          len(rows_of("r.db", "refuse/")) == len(local),
          f"one key refused: the push fails with one line ({lines[-1:]}), records the "
          f"{len(recorded)} objects stored and no other; a rerun sends the other "
          f"{len(local) - len(recorded)}")

    # a damaged local file is never uploaded
    victim = sorted(p for p in local.values() if p.endswith(".csv"))[0]
    saved = open(victim, "rb").read()
    open(victim, "wb").write(saved.replace(b",", b";", 1))
    r = argo("archive", "push", "--config", cfg, db="e.db")
    check(r.returncode == 1 and os.path.basename(victim) in r.stderr and
          "does not match its manifest" in r.stderr, "a damaged local file stops the push")
    open(victim, "wb").write(saved)

    # objects changed remotely: same size, and another size
    k1 = sorted(k for k in local if k.endswith(".csv"))[0]
    k2 = sorted(k for k in local if k.endswith(".parquet"))[0]
    body = bytearray(open(local[k1], "rb").read())
    body[-3] ^= 1
    open(os.path.join(tmp, "x1"), "wb").write(bytes(body))
    open(os.path.join(tmp, "x2"), "wb").write(b"not the backup")
    aws("put-object", "--bucket", BUCKET, "--key", k1, "--body", os.path.join(tmp, "x1"))
    aws("put-object", "--bucket", BUCKET, "--key", k2, "--body", os.path.join(tmp, "x2"))
    r = argo("archive", "verify", "--remote", "--config", cfg)
    bad = [line for line in r.stdout.splitlines() if line.startswith("BAD")]
    check(r.returncode == 1 and len(bad) == 2 and any(k1 in b and "SHA-256" in b for b in bad)
          and any(k2 in b and "bytes" in b for b in bad) and "2 of" in r.stderr,
          f"verify --remote names both objects changed remotely ({bad})")

    # bundle = month: one tar per ended month, read back with awscli and tarfile
    bcfg = config("bundle.conf", bundle="month", prefix="bundled/")
    months = sorted({k[len("backups/"):len("backups/") + 7] for k in local})
    last_day = max(k[len("backups/"):len("backups/") + 10] for k in local).replace("/", "-")
    r = argo("archive", "push", "--config", bcfg, "--now", last_day, db="m.db")
    held = sum(1 for d in glob.glob(os.path.join(tmp, "bk", *months[-1].split("/"), "*")))
    check(r.returncode == 0 and f"{len(months) - 1} uploaded" in r.stdout and
          f"{held} backup day" in r.stdout,
          f"bundle = month: the {len(months) - 1} ended months go up, the {held} days of the "
          f"last stay local ({r.stdout.strip().splitlines()[-2:]})")
    r = argo("archive", "push", "--config", bcfg, "--now", "2100-01-01", db="m.db")
    r2 = argo("archive", "push", "--config", bcfg, "--now", "2100-01-01", db="m.db")
    bdir = os.path.join(tmp, "bundles")
    subprocess.run([AWS, "--endpoint-url", f"http://127.0.0.1:{S3_PORT}", "s3", "cp",
                    "--recursive", "--quiet", f"s3://{BUCKET}/bundled/", bdir], env=ENV)
    tars = sorted(glob.glob(os.path.join(bdir, "*/*/bundle-*.tar")))
    members = same = 0
    for t in tars:
        with tarfile.open(t) as tf:
            for m in tf.getmembers():
                members += 1
                data = tf.extractfile(m).read()
                same += data == open(local["backups/" + m.name], "rb").read()
    check(r.returncode == 0 and "1 uploaded" in r.stdout and "0 uploaded" in r2.stdout and
          len(tars) == len(months) and members == len(local) and same == members,
          f"{len(tars)} month bundles hold all {members} files byte for byte; pushing again "
          f"sends nothing (the same backups make the same tar)")
    r = argo("archive", "verify", "--remote", "--config", bcfg, "--now", "2100-01-01",
             db="m.db")
    ok1 = r.returncode == 0 and f"{len(months)} objects" in r.stdout
    key = "bundled/" + os.path.relpath(tars[0], bdir)
    with open(tars[0], "r+b") as f:
        f.seek(600)
        f.write(b"X")
    aws("put-object", "--bucket", BUCKET, "--key", key, "--body", tars[0])
    r = argo("archive", "verify", "--remote", "--config", bcfg, "--now", "2100-01-01",
             db="m.db")
    check(ok1 and r.returncode == 1 and f"BAD  {key}" in r.stdout,
          "verify --remote checks each bundle against one built again, and names a changed one")

    # local tiering rewrites manifests: push sends only those, verify still passes
    aws("put-object", "--bucket", BUCKET, "--key", k1, "--body", local[k1])
    aws("put-object", "--bucket", BUCKET, "--key", k2, "--body", local[k2])
    tcfg2 = config("tier.conf")
    with open(tcfg2, "a") as f:
        f.write("[tiers]\nstandard_ia = %s\n" % os.path.join(tmp, "t_ia"))
    r = argo("archive", "tier", "--config", tcfg2, "--now", "2100-01-01")
    n = len(Proxy.log)
    r2 = argo("archive", "push", "--config", tcfg2)
    sent = [x["path"] for x in Proxy.log[n:] if x["method"] == "PUT"]
    r3 = argo("archive", "verify", "--remote", "--config", tcfg2)
    check(r.returncode == 0 and r2.returncode == 0 and sent and
          all("manifest" in p for p in sent) and r3.returncode == 0,
          f"after archive tier, push re-sends only the {len(sent)} rewritten manifests and "
          f"verify --remote passes")

    # Object Lock: headers sent, retain-until = backup day + 7 years, reported
    Proxy.emulate_lock = True
    lcfg = config("lock.conf", object_lock="COMPLIANCE", prefix="locked/")
    n = len(Proxy.log)
    r = argo("archive", "push", "--config", lcfg, db="f.db")
    puts = [x for x in Proxy.log[n:] if x["method"] == "PUT"]
    good = 0
    for x in puts:
        h = {k.lower(): v for k, v in x["headers"]}
        y, m, d = re.search(r"/locked/(\d{4})/(\d\d)/(\d\d)/", x["path"]).groups()
        want = f"{int(y) + 7}-{m}-{d}T00:00:00Z" if (m, d) != ("02", "29") else \
            f"{int(y) + 7}-02-28T00:00:00Z"
        good += h.get("x-amz-object-lock-mode") == "COMPLIANCE" and \
            h.get("x-amz-object-lock-retain-until-date") == want and "content-md5" in h
    check(r.returncode == 0 and puts and good == len(puts),
          f"Object Lock: every PUT carries COMPLIANCE until day + 7 years ({good}/{len(puts)})")
    r = argo("archive", "verify", "--remote", "--config", lcfg, db="f.db")
    check(r.returncode == 0 and r.stdout.count("lock: COMPLIANCE until") == len(local),
          "verify --remote reports each object's lock")
    Proxy.emulate_lock = False
    r = argo("archive", "verify", "--remote", "--config", lcfg, db="f.db")
    check(r.returncode == 1 and "the server reports no lock" in r.stdout,
          "verify --remote flags objects uploaded locked that the server reports unlocked")

    check(Proxy.digests_checked > len(local) and not Proxy.bad_digests,
          f"Content-MD5 and x-amz-checksum-sha256 match the body of all "
          f"{Proxy.digests_checked} requests that carry them {Proxy.bad_digests[:3]}")

    # every request argo sent, signed again by botocore
    kinds = set()
    agree = 0
    for x in Proxy.log:
        h = {k.lower(): v for k, v in x["headers"]}
        auth = h.get("authorization", "")
        if "Credential=S3RVER/" not in auth:
            continue
        when = datetime.datetime.strptime(h["x-amz-date"], "%Y%m%dT%H%M%SZ")

        class Fixed(datetime.datetime):
            @classmethod
            def utcnow(cls):
                return when

        botocore.auth.datetime.datetime = Fixed
        skip = {"authorization", "x-amz-date", "x-amz-content-sha256", "content-length",
                "user-agent", "accept", "expect", "connection", "accept-encoding"}
        req = AWSRequest(method=x["method"], url=f"http://{h['host']}{x['path']}",
                         data=x["body"], headers={k: v for k, v in x["headers"]
                                                  if k.lower() not in skip})
        botocore.auth.S3SigV4Auth(Credentials("S3RVER", "S3RVER"), "s3",
                                  "us-east-1").add_auth(req)
        if req.headers["Authorization"] == auth and \
                req.headers["X-Amz-Content-SHA256"] == h["x-amz-content-sha256"]:
            agree += 1
            q = x["path"].split("?", 1)[1] if "?" in x["path"] else ""
            kinds.add(x["method"] + " " + ("?" + re.sub(r"=[^&]*", "", q) if q else "object"))
        else:
            print(f"  mismatch: {x['method']} {x['path']}\n    argo:     {auth}\n"
                  f"    botocore: {req.headers['Authorization']}")
    signed = sum("Credential=S3RVER/" in dict((k.lower(), v) for k, v in x["headers"])
                 .get("authorization", "") for x in Proxy.log)
    check(signed > 0 and agree == signed,
          f"botocore computes the same signature for all {signed} requests argo sent")
    need = {"PUT object", "HEAD object", "GET object", "POST ?uploads",
            "PUT ?partNumber&uploadId", "POST ?uploadId", "PUT ?lifecycle", "GET ?lifecycle"}
    check(need <= kinds, f"signatures checked for {sorted(kinds)}")

    # the lifecycle XML against S3's published model and documented example
    r = argo("archive", "lifecycle", "show", "--config", cfg)
    xml = re.sub(r"<!--.*?-->", "", r.stdout, flags=re.S)
    loader = Loader()
    model = botocore.model.ServiceModel(loader.load_service_model("s3", "service-2"))
    out_shape = model.operation_model("GetBucketLifecycleConfiguration").output_shape
    parsed = botocore.parsers.RestXMLParser().parse(
        {"body": xml.encode(), "headers": {}, "status_code": 200}, out_shape)
    rules = parsed.get("Rules", [])
    want_rules = [{"ID": "argo-compliance-retention", "Filter": {"Prefix": "backups/"},
                   "Status": "Enabled",
                   "Transitions": [{"Days": 30, "StorageClass": "STANDARD_IA"},
                                   {"Days": 365, "StorageClass": "GLACIER"},
                                   {"Days": 2555, "StorageClass": "DEEP_ARCHIVE"}],
                   "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7}}]
    check(rules == want_rules, "botocore's S3 model parses the XML into the policy")
    in_shape = model.operation_model("PutBucketLifecycleConfiguration").input_shape
    report = botocore.validate.ParamValidator().validate(
        {"Bucket": BUCKET, "LifecycleConfiguration": {"Rules": rules}}, in_shape)
    check(not report.has_errors(), "the policy validates against PutBucketLifecycleConfiguration "
          + report.generate_report())

    def known(elem, shape):
        """Every element is a member of the model's shape, as S3 serializes it."""
        for child in elem:
            name = child.tag.split("}")[-1]
            target = None
            if shape.type_name == "list":
                if shape.member.serialization.get("name", "member") == name:
                    target = shape.member
            elif shape.type_name == "structure":
                for mname, mshape in shape.members.items():
                    if mshape.serialization.get("name", mname) == name:
                        target = mshape
                        if mshape.type_name == "list" and mshape.serialization.get("flattened"):
                            target = mshape.member
            if target is None or not known(child, target):
                print(f"  unknown element {name}")
                return False
        return True

    root = ET.fromstring(xml.strip())
    lc_shape = in_shape.members["LifecycleConfiguration"]
    check(root.tag == "{http://s3.amazonaws.com/doc/2006-03-01/}LifecycleConfiguration" and
          known(root, lc_shape), "every XML element is in S3's BucketLifecycleConfiguration shape")
    examples = loader.load_service_model("s3", "examples-1")
    ex = examples["examples"]["PutBucketLifecycleConfiguration"][0]["input"]
    ex_rule = ex["LifecycleConfiguration"]["Rules"][0]
    check(set(ex_rule) - {"Expiration"} <= set(rules[0]) | {"Transitions"} and
          set(ex_rule["Filter"]) == set(rules[0]["Filter"]) and
          set(ex_rule["Transitions"][0]) == set(rules[0]["Transitions"][0]),
          "the XML has the shape of S3's documented PutBucketLifecycleConfiguration example")
finally:
    proxy.shutdown()
    server.terminate()
    server.wait()
    shutil.rmtree(tmp, ignore_errors=True)

print(f"{'FAILED: ' + str(len(failures)) if failures else 'all passed'}")
sys.exit(1 if failures else 0)
