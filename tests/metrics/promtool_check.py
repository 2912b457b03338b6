#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The /metrics document through Prometheus' own checker.

Usage: promtool_check.py TEST_METRICS_BINARY

`test_metrics --render` prints a document with every family and label
kind populated (escaped label values included). It must pass
`promtool check metrics` (format and lint) with no complaint, and no
series (name and label set) may appear twice, which promtool does not
check. Both checks are first shown to fail on a broken document, so a
checker that accepts anything cannot pass this test.
Exit 77 when promtool is missing (Debian package prometheus).
"""
import re
import shutil
import subprocess
import sys

PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"

SERIES = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{((?:[^"\\]|\\.|"(?:[^"\\]|\\.)*")*)\})?'
                    r' (\S+)( \d+)?$')
LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)')


def parse_labels(text):
    labels, pos = [], 0
    while pos < len(text):
        m = LABEL.match(text, pos)
        if not m:
            raise ValueError(f"bad label set {{{text}}}")
        labels.append((m.group(1), m.group(2)))
        pos = m.end()
    names = [n for n, _ in labels]
    if len(names) != len(set(names)):
        raise ValueError(f"a label twice in {{{text}}}")
    return tuple(sorted(labels))


def duplicates(doc):
    """The series that appear more than once (name + label set, label order ignored)."""
    seen, dup = set(), []
    for line in doc.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SERIES.match(line)
        if not m:
            raise ValueError(f"not a sample line: {line!r}")
        key = (m.group(1), parse_labels(m.group(3) or ""))
        if key in seen:
            dup.append(line)
        seen.add(key)
    return dup


def promtool(doc):
    p = subprocess.run([PROMTOOL, "check", "metrics"], input=doc.encode(),
                       capture_output=True, timeout=60)
    return p.returncode, (p.stdout + p.stderr).decode()


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    if not shutil.which(PROMTOOL):
        print("promtool missing (Debian package prometheus): skipped", file=sys.stderr)
        return 77
    doc = subprocess.run([sys.argv[1], "--render"], capture_output=True, check=True,
                         timeout=60).stdout.decode()
    ok = True

    # the checkers can fail: a duplicated sample, a broken TYPE line
    lines = doc.splitlines()
    sample = next(l for l in lines if l.startswith("argo_http_requests_total{"))
    # the same series with its labels in the other order is still the same series
    m = SERIES.match(sample)
    swapped = ",".join(reversed(m.group(3).split(","))) if m.group(3) else ""
    dup_doc = doc + f"{m.group(1)}{{{swapped}}} 1\n"
    if not duplicates(dup_doc):
        print("FAIL: the duplicate check missed a duplicated series", file=sys.stderr)
        ok = False
    bad_doc = doc.replace("# TYPE argo_signals_total counter", "# TYPE argo_signals_total countr")
    rc, out = promtool(bad_doc)
    if rc == 0:
        print(f"FAIL: promtool accepted a broken document:\n{out}", file=sys.stderr)
        ok = False

    rc, out = promtool(doc)
    if rc != 0 or out.strip():
        print(f"FAIL: promtool check metrics exit {rc}:\n{out}", file=sys.stderr)
        ok = False
    dup = duplicates(doc)
    if dup:
        print("FAIL: series twice:\n" + "\n".join(dup), file=sys.stderr)
        ok = False
    n = sum(1 for l in lines if l and not l.startswith("#"))
    print(f"promtool check metrics: {'ok' if ok else 'FAILED'} ({n} series, "
          f"{sum(1 for l in lines if l.startswith('# TYPE'))} families, no duplicates)"
          if ok else "promtool check: FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
