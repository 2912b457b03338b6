#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The dashboard in Debian's chromium (tests/dashboard/dashboard_test.js,
# puppeteer-core pinned in tests/dashboard/package.json; scripts/setup.sh
# --test installs both). Exits 77 (skipped; a failure with CI=true) when
# chromium, node or the node_modules are missing. Never downloads a browser.
# Usage: run.sh ARGO SOURCE_DIR WORK_DIR SHOTS_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -x /usr/bin/chromium ] || ! command -v node >/dev/null ||
   [ ! -d "$here/node_modules/puppeteer-core" ]; then
    echo "dashboard_test: chromium, node or tests/dashboard/node_modules missing (scripts/setup.sh --test): skipped"
    exit 77
fi
export PUPPETEER_SKIP_DOWNLOAD=1
cd "$here"
exec node dashboard_test.js "$@"
