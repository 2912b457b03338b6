# SPDX-License-Identifier: MIT
"""Starting and driving tests/provider/fake_alpaca.py from a test or a
bench: the process, its ports and its control API."""
import json
import os
import subprocess
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))


class Fake:
    """A fake provider serving data (a folder of SYMBOL.csv) from today on;
    stopped by stop(). rest and stream are its ports."""

    def __init__(self, work, data, today, key, secret, *extra, log=None, max_seconds=900):
        self.portfile = os.path.join(work, f"fake.{os.getpid()}.{time.time_ns()}.port")
        self.proc = subprocess.Popen(
            ["/usr/bin/python3", os.path.join(HERE, "fake_alpaca.py"), "--data", data,
             "--portfile", self.portfile, "--key", key, "--secret", secret, "--today", today,
             "--max-seconds", str(max_seconds), *extra],
            stdout=subprocess.DEVNULL,
            stderr=open(log, "w") if log else subprocess.DEVNULL)
        for _ in range(1200):
            if os.path.exists(self.portfile) or self.proc.poll() is not None:
                break
            time.sleep(0.05)
        if not os.path.exists(self.portfile):
            self.stop()
            raise RuntimeError("the fake provider did not start")
        ports = json.load(open(self.portfile))
        self.rest, self.stream = ports["rest"], ports["stream"]

    def control(self, path, body=None):
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.rest}/control/{path}",
            data=None if body is None else json.dumps(body).encode(),
            method="GET" if body is None else "POST",
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read() or b"{}")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
