#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the Debian 12 packages argo needs, only those missing.
# Usage: scripts/setup.sh [--test]   (--test adds the test tools)
set -euo pipefail
pkgs=(gcc make cmake pkg-config libsqlite3-dev libcsv-dev libjansson-dev libinih-dev
      libsnappy-dev libzstd-dev zlib1g-dev libssl-dev)
if [ "${1:-}" = "--test" ]; then
    # python3-sklearn: the reference the calibration test compares with
    pkgs+=(libcmocka-dev clang-format python3-sklearn)
fi
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "setup: installing ${missing[*]}"
sudo=()
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
