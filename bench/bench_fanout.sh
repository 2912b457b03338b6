#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench_fanout.sh - WebSocket fan-out of argo serve against a Node
# broadcast server on npm ws (pinned in bench/package.json), with the
# same clients and the same messages, in one run.
#
# Usage: [MMAP_MB=N] bench/bench_fanout.sh [BUILD_DIR] [CLIENTS] [CYCLES] [PEER_CYCLES]
#        (defaults: build 10000 6 2; the peer takes minutes a cycle)
#
# The store: SYMS synthetic symbols (argo synth) with all but the last
# CYCLES days stored and the strategies' state generated; each cycle is
# one POST /api/v1/admin/bars with the next day of every symbol (so one
# posted batch makes about 500 signals: a signal is made where a
# symbol's newest bar turns its consensus, about 7% of symbol-days here).
# CLIENTS stream clients (bench_fanout_client: one process, epoll, a
# minimal RFC 6455 client) subscribe to the signals channel with an
# admin key. Measured per cycle: from the commit (the largest logged_at
# of the cycle's signal events, stamped in the store's transaction just
# before it commits) to the last client's last event, on the same wall
# clock; p50 and p99 over the cycles; the server's peak RSS (VmHWM).
# The peer gets the first cycle's event messages as client 0 received
# them; POST /publish stamps them with the time and sends each to every
# client in ws's broadcast idiom. RLIMIT_NOFILE is raised to the hard
# limit (20,000 here) for every process.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../build}" && pwd)
clients=${2:-10000}
cycles=${3:-6}
peer_cycles=${4:-2}
syms=${SYMS:-8500}
argo=$build/argo
ulimit -n "$(ulimit -Hn)"
tmp=$(mktemp -d /tmp/bench_fanout.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT
[ -d "$here/node_modules/ws" ] || (cd "$here" && npm ci --silent --no-audit --no-fund)
cc -O2 -o "$tmp/client" "$here/bench_fanout_client.c"

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_line() { # FILE PATTERN SECONDS
    local end=$((SECONDS + $3))
    while [ $SECONDS -lt $end ]; do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.2; done
    echo "timeout waiting for '$2' in $1" >&2; return 1
}
rss() { awk '/VmHWM/ {print int($2/1024)}' "/proc/$1/status"; }
# peak anonymous and file-backed resident memory of PID, sampled every
# 50 ms into FILE ("ANON_MB FILE_MB") until PID exits or the sampler is
# killed: VmHWM counts the pages of the store that SQLite memory-maps
# ([store] mmap: they are the page cache, shared and clean), and this
# tells them apart from the heap
sample_rss() {
    local pid=$1 out=$2 ma=0 mf=0 a f
    while kill -0 "$pid" 2>/dev/null; do
        read -r a f < <(awk '/RssAnon/ {a=$2} /RssFile/ {f=$2} END {print a+0, f+0}' \
            "/proc/$pid/status" 2>/dev/null || echo "0 0")
        [ "${a:-0}" -gt "$ma" ] && ma=$a
        [ "${f:-0}" -gt "$mf" ] && mf=$f
        echo "$((ma / 1024)) $((mf / 1024))" > "$out"
        sleep 0.05
    done
}

echo "== store: $syms symbols, $cycles days to post"
"$argo" synth --symbols "$syms" --days $((260 + cycles)) --seed 17 --csv "$tmp/syn" > /dev/null
/usr/bin/python3 - "$tmp" "$cycles" <<'EOF'
import os, sys
tmp, cycles = sys.argv[1], int(sys.argv[2])
os.mkdir(os.path.join(tmp, "cut"))
for n in os.listdir(os.path.join(tmp, "syn")):
    with open(os.path.join(tmp, "syn", n)) as f:
        lines = f.read().splitlines()
    with open(os.path.join(tmp, "cut", n), "w") as f:
        f.write("\n".join(lines[:-cycles]) + "\n")
EOF
(cd "$tmp/cut" && "$argo" ingest --db "$tmp/argo.db" ./*.csv > /dev/null)
"$argo" generate --db "$tmp/argo.db" > /dev/null
key=$("$argo" keys add --role admin --name bench --db "$tmp/argo.db" 2>/dev/null | grep -o 'argo_[A-Za-z0-9_-]*')
/usr/bin/python3 - "$tmp" "$cycles" <<'EOF'
import json, os, sys
tmp, cycles = sys.argv[1], int(sys.argv[2])
rows = {}
for n in sorted(os.listdir(os.path.join(tmp, "syn"))):
    with open(os.path.join(tmp, "syn", n)) as f:
        rows[n[:-4]] = f.read().splitlines()[-cycles:]
for k in range(cycles):
    bars = {}
    for s, r in rows.items():
        d, o, h, l, c, v = r[k].split(",")
        bars[s] = [{"ts": d, "open": float(o), "high": float(h), "low": float(l),
                    "close": float(c), "volume": float(v)}]
    with open(os.path.join(tmp, "day%d.json" % k), "w") as f:
        json.dump({"bars": bars}, f)
EOF
# MMAP_MB: argo serve's [store] mmap_mb (1024 by default; 0 maps nothing)
printf '[store]\nmmap_mb = %s\n[serve]\nstream_queue_max = 20000\nheartbeat_s = 600\nstream_clients_max = 12000\n' \
    "${MMAP_MB:-1024}" > "$tmp/argo.conf"

# ---- argo serve ----
port=$(free_port)
"$argo" serve --config "$tmp/argo.conf" --db "$tmp/argo.db" --listen "127.0.0.1:$port" \
    > "$tmp/serve.log" 2> "$tmp/serve.err" &
spid=$!; pids+=("$spid")
wait_line "$tmp/serve.log" "listening" 30
mkfifo "$tmp/ctl"
"$tmp/client" "$port" "$clients" "$key" "$tmp/events.txt" < "$tmp/ctl" > "$tmp/argo_clients.log" 2>&1 &
cpid=$!; pids+=("$cpid")
exec 9> "$tmp/ctl"
wait_line "$tmp/argo_clients.log" "^READY" 300
echo "argo serve: $(grep READY "$tmp/argo_clients.log") clients subscribed, RSS $(rss "$spid") MB"
sample_rss "$spid" "$tmp/argo_rss" &
sampler=$!; pids+=("$sampler")
for k in $(seq 0 $((cycles - 1))); do
    curl -s -o /dev/null -w '' -X POST -H "Authorization: Bearer $key" \
        -H 'Content-Type: application/json' --data-binary "@$tmp/day$k.json" \
        "http://127.0.0.1:$port/api/v1/admin/bars"
    wait_line "$tmp/argo_clients.log" "^CYCLE $((k + 1)) " 600
    grep "^CYCLE $((k + 1)) " "$tmp/argo_clients.log"
done
argo_rss=$(rss "$spid")
kill "$sampler" 2>/dev/null || true
read -r argo_anon argo_file < "$tmp/argo_rss"
exec 9>&-
kill "$spid"; wait "$spid" 2>/dev/null || true

# ---- the peer: Node + ws ----
port=$(free_port)
node "$here/bench_fanout_peer.mjs" "$port" "$tmp/events.txt" > "$tmp/peer.log" 2>&1 &
ppid=$!; pids+=("$ppid")
wait_line "$tmp/peer.log" "LISTENING" 30
rm -f "$tmp/ctl"; mkfifo "$tmp/ctl"
"$tmp/client" "$port" "$clients" "$key" < "$tmp/ctl" > "$tmp/peer_clients.log" 2>&1 &
pids+=($!)
exec 9> "$tmp/ctl"
wait_line "$tmp/peer_clients.log" "^READY" 300
echo "node ws peer: $(grep READY "$tmp/peer_clients.log") clients subscribed"
for k in $(seq 1 "$peer_cycles"); do
    curl -s -o /dev/null -X POST "http://127.0.0.1:$port/publish"
    wait_line "$tmp/peer_clients.log" "^CYCLE $k " 900
    grep "^CYCLE $k " "$tmp/peer_clients.log"
done
peer_rss=$(rss "$ppid")
exec 9>&-

/usr/bin/python3 - "$tmp/argo_clients.log" "$tmp/peer_clients.log" "$argo_rss" "$peer_rss" \
    "$clients" "$argo_anon" "$argo_file" <<'EOF'
import re, statistics, sys
def lat(path):
    v, ev = [], []
    for l in open(path):
        m = re.match(r"CYCLE \d+ events=(\d+) min=(\d+) max=(\d+) open=(\d+) latency_ms=([\d.]+)", l)
        if m:
            v.append(float(m.group(5)))
            ev.append((int(m.group(1)), int(m.group(2)), int(m.group(3))))
    return sorted(v), ev
def pct(v, p):
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]
a, aev = lat(sys.argv[1])
p, pev = lat(sys.argv[2])
n = sys.argv[5]
print("\nfan-out to %s clients, one cycle's signals to each (events per cycle: argo %s, peer %s)"
      % (n, [e[0] for e in aev], [e[0] for e in pev]))
print("every client got every event: argo %s, peer %s" % (all(e[1] == e[2] == e[0] for e in aev),
                                                        all(e[1] == e[2] == e[0] for e in pev)))
print("%-24s %10s %10s %10s" % ("", "p50 ms", "p99 ms", "peak RSS"))
print("(%d argo cycles, %d peer cycles)" % (len(a), len(p)))
print("%-24s %10.1f %10.1f %7s MB" % ("argo serve", pct(a, 50), pct(a, 99), sys.argv[3]))
if p:
    print("%-24s %10.1f %10.1f %7s MB" % ("node ws 8.23.0 (peer)", pct(p, 50), pct(p, 99),
                                          sys.argv[4]))
    print("ratio peer/argo: p50 %.1fx, p99 %.1fx" % (pct(p, 50) / pct(a, 50), pct(p, 99) / pct(a, 99)))
print("argo serve during the cycles, sampled peaks: anonymous memory %s MB, the store's"
      " memory-mapped file %s MB (SQLite mmap; page cache, shared and clean)"
      % (sys.argv[6], sys.argv[7]))
EOF
