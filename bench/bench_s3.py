#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Uploading the archive: argo archive push against awscli, same files, same server.

Usage: bench_s3.py ARGO S3_PUT SOURCE_DIR
Starts s3rver (tests/s3/node_modules) on 127.0.0.1, backs up the shipped
real data, and times on the same files and server:
- argo archive push ([s3] concurrency, default 8 requests in flight) vs
  aws s3 cp --recursive (awscli's default 10 concurrent requests) of the
  backup folder, after a warm-up of s3rver (the same push to another
  prefix: a fresh Node.js server answers its first thousands of requests
  slower, and whichever client went first paid for them);
- argo's multipart upload of a 64 MiB file (16 MiB parts) vs aws s3 cp
  of the same file (8 MiB parts);
- argo archive verify --remote (a HEAD per object), and a push with
  nothing new (no request at all).
s3rver, a Node.js server writing to disk, is the bottleneck here as much
as either client: these are ratios on one machine, not S3 throughput.
"""
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ARGO, S3_PUT, SRC = sys.argv[1], sys.argv[2], sys.argv[3]
S3RVER = os.path.join(SRC, "tests/s3/node_modules/.bin/s3rver")
AWS = "/usr/bin/aws"
for tool in (S3RVER, AWS):
    if not os.path.exists(tool):
        print(f"SKIP: {tool} is missing (scripts/setup.sh --test installs it)")
        sys.exit(0)

tmp = tempfile.mkdtemp(prefix="argo-bench-s3-")
s = socket.socket()
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
s.close()
server = subprocess.Popen([S3RVER, "-d", os.path.join(tmp, "s3"), "-a", "127.0.0.1", "-p",
                           str(port), "-s", "--configure-bucket", "bench"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
env = dict(os.environ, AWS_ACCESS_KEY_ID="S3RVER", AWS_SECRET_ACCESS_KEY="S3RVER",
           AWS_DEFAULT_REGION="us-east-1", ARGO_DB=os.path.join(tmp, "b.db"))
env.pop("ARGO_CONFIG", None)
endpoint = f"http://127.0.0.1:{port}"


def run(*cmd):
    t = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode:
        sys.exit(f"bench_s3: {' '.join(cmd)} failed: {r.stderr.strip()}")
    return time.perf_counter() - t


try:
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    for f in sorted(glob.glob(os.path.join(SRC, "data/market/*.csv"))):
        run(ARGO, "ingest", f)
    run(ARGO, "replay", "--quiet")
    bk = os.path.join(tmp, "bk")
    run(ARGO, "backup", "--all", "--dir", bk)
    files = [p for p in glob.glob(bk + "/*/*/*/*")]
    size = sum(os.path.getsize(p) for p in files)
    conf = os.path.join(tmp, "argo.conf")
    # CONCURRENCY=N sets [s3] concurrency (else argo's default, 8)
    conc = f"concurrency = {os.environ['CONCURRENCY']}\n" if os.environ.get("CONCURRENCY") else ""
    with open(conf, "w") as f:
        f.write(f"[archive]\ndir = {bk}\n[s3]\nendpoint = {endpoint}\nbucket = bench\n{conc}")

    # warm-up: the same push to a prefix nothing else uses, recorded in a
    # store of its own (a fresh s3rver answers its first thousands of
    # requests slower; awscli, timed last, gets the warmest server)
    wconf = os.path.join(tmp, "warmup.conf")
    with open(wconf, "w") as f:
        f.write(f"[archive]\ndir = {bk}\n[s3]\nendpoint = {endpoint}\nbucket = bench\n"
                f"prefix = warmup/\n{conc}")
    wenv = dict(env, ARGO_DB=os.path.join(tmp, "warmup.db"))
    shutil.copy(env["ARGO_DB"], wenv["ARGO_DB"])
    if subprocess.run([ARGO, "archive", "push", "--config", wconf], capture_output=True,
                      env=wenv).returncode:
        sys.exit("bench_s3: the warm-up push failed")

    t_argo = run(ARGO, "archive", "push", "--config", conf)
    t_aws = run(AWS, "--endpoint-url", endpoint, "s3", "cp", "--recursive", "--quiet", bk,
                "s3://bench/aws/")
    print(f"push {len(files)} backup files ({size / 1e6:.1f} MB): argo {t_argo:.2f} s "
          f"({len(files) / t_argo:.0f} objects/s), aws s3 cp --recursive {t_aws:.2f} s "
          f"({len(files) / t_aws:.0f} objects/s); argo/aws time = {t_argo / t_aws:.2f}")

    t_v = run(ARGO, "archive", "verify", "--remote", "--config", conf)
    t_p = run(ARGO, "archive", "push", "--config", conf)
    print(f"verify --remote, a HEAD per object: {t_v:.2f} s ({len(files) / t_v:.0f} objects/s; "
          f"awscli has no bulk equivalent); a second push, nothing to send: {t_p:.3f} s")

    big = os.path.join(tmp, "big.bin")
    with open(big, "wb") as f:
        f.write(os.urandom(64 << 20))
    t_mp = run(S3_PUT, conf, "big/argo.bin", big)
    t_mpa = run(AWS, "--endpoint-url", endpoint, "s3", "cp", "--quiet", big, "s3://bench/big/aws.bin")
    print(f"one 64 MiB file, multipart: argo (4 x 16 MiB parts, one at a time) {t_mp:.2f} s "
          f"({64 / t_mp:.0f} MiB/s), aws s3 cp (8 MiB parts, concurrent) {t_mpa:.2f} s "
          f"({64 / t_mpa:.0f} MiB/s); argo/aws time = {t_mp / t_mpa:.2f}")
finally:
    server.terminate()
    server.wait()
    shutil.rmtree(tmp, ignore_errors=True)
