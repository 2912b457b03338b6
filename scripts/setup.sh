#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the Debian 12 packages argo needs, only those missing.
# Usage: scripts/setup.sh [--test]   (--test adds the test tools)
set -euo pipefail
# curl: scripts/demo.sh's requests to argo serve (and the serve tests')
# libpq-dev: the PostgreSQL client library of the PostgreSQL store backend
pkgs=(gcc make cmake pkg-config libsqlite3-dev libcsv-dev libjansson-dev libinih-dev libwebsockets-dev
      libsnappy-dev libzstd-dev zlib1g-dev libssl-dev libcurl4-openssl-dev
      libarchive-dev curl libpq-dev)
if [ "${1:-}" = "--test" ]; then
    # python3-sklearn, python3-botocore: the references the calibration and
    # SigV4 tests compare with
    # awscli: the independent client the S3 tests read argo's uploads back with
    # prometheus: promtool, which checks the /metrics document
    # python3-jsonschema: validates every API test response against the
    # OpenAPI document; python3-websockets: the stream tests' clients;
    # openssl: the serve test's self-signed certificate for TLS
    # postgresql-15: the throwaway server the *_pg tests run against
    # (scripts/pg.sh, started by ctest); postgresql-15-partman: pg_partman,
    # so those tests exercise the backend's partman mode of monthly partitions
    # chromium: the browser the dashboard test drives (puppeteer-core never
    # downloads one)
    pkgs+=(libcmocka-dev clang-format python3-sklearn python3-botocore awscli prometheus
           python3-jsonschema python3-websockets openssl postgresql-15 postgresql-15-partman
           chromium)
fi
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${1:-}" = "--test" ]; then
    # the Parquet interop tools (DuckDB, hyparquet) are npm packages
    command -v node >/dev/null || missing+=(nodejs)
    command -v npm >/dev/null || missing+=(npm)
    # libFuzzer for the fuzz targets
    pkgs2=(clang-14 libclang-rt-14-dev)
    for p in "${pkgs2[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
fi
install_npm() {
    # test-only tools, pinned to exact versions in tests/interop/package.json
    # (DuckDB, hyparquet) and tests/s3/package.json (s3rver)
    [ "${1:-}" = "--test" ] || return 0
    local root
    root="$(dirname "$0")/.."
    if [ ! -d "$root/tests/interop/node_modules/@duckdb" ]; then
        (cd "$root/tests/interop" && npm install --no-audit --no-fund --loglevel=error)
    fi
    if [ ! -d "$root/tests/s3/node_modules/s3rver" ]; then
        (cd "$root/tests/s3" && npm install --no-audit --no-fund --loglevel=error)
    fi
    # the OpenAPI Initiative's 3.1 schema check of the API document
    if [ ! -d "$root/tests/api/node_modules/@seriousme/openapi-schema-validator" ]; then
        (cd "$root/tests/api" && npm install --no-audit --no-fund --loglevel=error)
    fi
    # the dashboard's browser test: puppeteer-core drives Debian's chromium;
    # PUPPETEER_SKIP_DOWNLOAD: never a browser of its own
    if [ ! -d "$root/tests/dashboard/node_modules/puppeteer-core" ]; then
        (cd "$root/tests/dashboard" && PUPPETEER_SKIP_DOWNLOAD=1 npm install --no-audit --no-fund --loglevel=error)
    fi
}
if [ ${#missing[@]} -eq 0 ]; then
    install_npm "${1:-}"
    exit 0
fi
echo "setup: installing ${missing[*]}"
sudo=()
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
install_npm "${1:-}"
