#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench_rest.sh - GET /api/v1/signals?limit=100 with wrk at 64 connections
# against argo serve, and against nginx serving the same response bytes
# as a static file (the upper bound), in one run. Prints requests/s and
# p99 latency of both and the ratios.
#
# Usage: bench/bench_rest.sh [ARGO [SECONDS [CONNECTIONS]]]
#   ARGO         the argo binary (default build/argo)
#   SECONDS      each wrk run (default 10)
#   CONNECTIONS  wrk -c (default 64); wrk -t2 (the machine's 2 cores)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
argo=$(realpath "${1:-$here/build/argo}")
secs=${2:-10}
conns=${3:-64}
for t in wrk curl /usr/sbin/nginx; do
    command -v "$t" >/dev/null || { echo "bench_rest: $t not found" >&2; exit 1; }
done
tmp=$(mktemp -d)
spid=""
npid=""
cleanup() {
    [ -n "$spid" ] && kill "$spid" 2>/dev/null && wait "$spid" 2>/dev/null || true
    [ -n "$npid" ] && kill "$npid" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# the store: the shipped data, replayed (signals to page through)
db=$tmp/argo.db
"$argo" ingest "$here"/data/market/*.csv --db "$db" >/dev/null
"$argo" replay --db "$db" >/dev/null
key=$("$argo" keys add --role read --name bench --db "$db" 2>/dev/null | grep -o 'argo_[A-Za-z0-9_-]\{43\}')
printf '[serve]\nrate_limit = 1000000\nburst = 1000000\n' >"$tmp/argo.conf"

port=$(free_port)
"$argo" serve --config "$tmp/argo.conf" --db "$db" --listen "127.0.0.1:$port" >"$tmp/serve.out" 2>"$tmp/serve.err" &
spid=$!
for _ in $(seq 100); do grep -q listening "$tmp/serve.out" 2>/dev/null && break; sleep 0.1; done
grep -q listening "$tmp/serve.out" || { echo "bench_rest: argo serve did not start: $(cat "$tmp/serve.err")" >&2; exit 1; }
path="/api/v1/signals?limit=100"
curl -sf -H "Authorization: Bearer $key" "http://127.0.0.1:$port$path" -o "$tmp/signals.json"
bytes=$(stat -c %s "$tmp/signals.json")

# nginx: the same bytes as a static file at the same path
nport=$(free_port)
mkdir -p "$tmp/nginx/logs"
cat >"$tmp/nginx/nginx.conf" <<EOF
worker_processes 1;
user $(id -un) $(id -gn);
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/logs/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$nport;
        location = /api/v1/signals {
            default_type application/json;
            alias $tmp/signals.json;
        }
    }
}
EOF
/usr/sbin/nginx -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" &
npid=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$nport$path" -o /dev/null && break; sleep 0.1; done
cmp -s <(curl -sf "http://127.0.0.1:$nport$path") "$tmp/signals.json" ||
    { echo "bench_rest: nginx does not serve the same bytes" >&2; exit 1; }

run_wrk() { # URL [header] -> "rps p99_ms"
    local out
    if [ -n "${2:-}" ]; then
        out=$(wrk -t2 -c"$conns" -d"${secs}s" --latency -H "$2" "$1")
    else
        out=$(wrk -t2 -c"$conns" -d"${secs}s" --latency "$1")
    fi
    echo "$out" >>"$tmp/wrk.log"
    local rps p99 non2xx
    rps=$(echo "$out" | awk '/Requests\/sec:/ {print $2}')
    p99=$(echo "$out" | awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; print v}')
    non2xx=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
    if [ -n "$non2xx" ]; then echo "bench_rest: $non2xx non-2xx answers from $1" >&2; exit 1; fi
    echo "$rps $p99"
}

echo "GET $path ($bytes bytes), wrk -t2 -c$conns -d${secs}s, $(nproc) cores"
read -r a_rps a_p99 < <(run_wrk "http://127.0.0.1:$port$path" "Authorization: Bearer $key")
read -r n_rps n_p99 < <(run_wrk "http://127.0.0.1:$nport$path")
rss=$(awk '/VmHWM/ {print $2}' /proc/$spid/status)
printf '%-12s %12s %10s\n' "" "requests/s" "p99 ms"
printf '%-12s %12.0f %10.2f\n' "argo serve" "$a_rps" "$a_p99"
printf '%-12s %12.0f %10.2f\n' "nginx" "$n_rps" "$n_p99"
awk -v a="$a_rps" -v n="$n_rps" -v ap="$a_p99" -v np="$n_p99" \
    'BEGIN { printf "argo/nginx: %.2f of the requests/s, p99 %.2fx\n", a / n, ap / np }'
echo "argo serve peak RSS: $((rss / 1024)) MB"
