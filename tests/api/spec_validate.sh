#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Validates the OpenAPI document against the OpenAPI Initiative's 3.1
# schema with npm @seriousme/openapi-schema-validator (pinned in
# tests/api/package.json; scripts/setup.sh --test installs it). Exits 77
# (skipped; a failure with CI=true) when it is not installed.
# Usage: spec_validate.sh SPEC.json
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -d "$here/node_modules/@seriousme/openapi-schema-validator" ] || ! command -v node >/dev/null; then
    echo "spec_validate: tests/api/node_modules not installed (scripts/setup.sh --test): skipped"
    exit 77
fi
cd "$here"
exec node spec_validate.js "$1"
