#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Validates the OpenAPI document with openapi-spec-validator (the OpenAPI
# Initiative's 3.1 schema), with the first python3 on PATH that has it.
# Exits 77 (skipped) when none has: tests/api/openapi_check.py's own
# structural checks of the document run in the api_openapi test anyway.
# Usage: spec_validate.sh SPEC.json
set -euo pipefail
spec=$1
for py in $(type -ap python3 python3.11 python3.12 python3.13 | awk '!seen[$0]++'); do
    if "$py" -c 'import openapi_spec_validator' 2>/dev/null; then
        exec "$py" -m openapi_spec_validator --schema 3.1 "$spec"
    fi
done
echo "spec_validate: no python3 with openapi_spec_validator: skipped"
exit 77
