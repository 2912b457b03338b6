#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The include rules of docs/ARCHITECTURE.md, by machine: each folder of
# src/ may include its own headers and those of the folders listed for it
# here, all of them below it; the presenters (cli, server) only app/ and
# base/; only the store backends include a database client library.
# Prints every violation and exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."

declare -A may=(
    [base]=""
    [domain]="base"
    [store]="domain base"
    [strategy]="domain base"
    [track]="domain base"
    [market]="domain base"
    [parquet]="base"
    [http]="base"
    [s3]="http base"
    [provider]="http market domain base"
    [calibrate]="track domain base"
    [archive]="store parquet s3 track domain base"
    [app]="archive calibrate provider market strategy track parquet s3 http store domain base"
    # cli may call server/serve.h: `argo serve` is a command of the one program
    [cli]="server app base"
    [server]="app base"
)

status=0
for f in $(git ls-files 'src/*.c' 'src/*.h' 2>/dev/null || find src -name '*.[ch]'); do
    from=$(echo "$f" | cut -d/ -f2)
    if [ -z "${may[$from]+x}" ]; then
        echo "check-layers: $f: folder src/$from/ has no rule in scripts/check-layers.sh"
        status=1
        continue
    fi
    while IFS=: read -r line inc; do
        to=${inc%%/*}
        [ "$to" = "$from" ] && continue
        case " ${may[$from]} " in
        *" $to "*) ;;
        *)
            echo "check-layers: $f:$line: $from/ includes \"$inc\" (it may include only: ${may[$from]:-nothing of argo})"
            status=1
            ;;
        esac
    done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" |
        sed 's/^\([0-9]*\):[^"]*"\([^"]*\)".*/\1:\2/' || true)
    # database client libraries: only in the store backends (pg_*.[ch]: the
    # PostgreSQL backend's own parts, e.g. pg_views.c)
    if grep -qE '^[[:space:]]*#[[:space:]]*include[[:space:]]*<(sqlite3|libpq-fe)\.h>' "$f"; then
        case "$f" in
        src/store/sqlite.c | src/store/pg.c | src/store/pg_*.[ch] | src/base/faultsim.c) ;;
        *)
            echo "check-layers: $f: includes a database client header (only the backends in src/store/ may)"
            status=1
            ;;
        esac
    fi
done
[ $status = 0 ] && echo "check-layers: ok"
exit $status
