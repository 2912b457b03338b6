# SPDX-License-Identifier: MIT
"""PostgreSQL helpers for the test campaigns (kill, faultsim, hostile,
stream) when they run on an argo store in a PostgreSQL schema.

Everything goes through Debian's psql (postgresql-client-15, installed
with the server), so the campaigns need no Python driver. A store URL is
argo's: a libpq URL plus argo's own `schema=NAME` parameter, which is
stripped before psql sees it.

    url = store_url(prefix, "k3")   # prefix: ARGO_TEST_STORE_URL
    text = dump(url)                 # the schema's tables, canonical
    drop(url)
"""
import os
import re
import subprocess

def split(url):
    """(libpq URL without argo's schema= parameter, schema name)."""
    m = re.search(r"[?&]schema=([^&]*)", url)
    schema = m.group(1) if m and m.group(1) else "argo"
    conn = re.sub(r"([?&])schema=[^&]*&?", r"\1", url).rstrip("?&")
    return conn, schema


def is_pg(url):
    return bool(url) and url.startswith(("postgres://", "postgresql://"))


def store_url(prefix, name):
    """The URL of the store called name under a prefix ending in schema=."""
    return prefix + name


# Debian's /usr/bin/psql is a Perl wrapper (pg_wrapper) that picks the
# cluster's version: 0.3 s per call on a loaded machine, more than the
# query; the versioned binary directly when it is there
PSQL = next((p for p in ("/usr/lib/postgresql/15/bin/psql",) if os.access(p, os.X_OK)), "psql")


def psql(url, sql, timeout=120):
    """Runs sql (in the store's schema); its rows as text lines."""
    conn, schema = split(url)
    env = dict(os.environ, PGOPTIONS="-c search_path=%s" % schema)
    r = subprocess.run([PSQL, "-X", "-At", "-v", "ON_ERROR_STOP=1", "-F", "\t", conn, "-c", sql],
                       capture_output=True, text=True, timeout=timeout, env=env)
    if r.returncode != 0:
        raise RuntimeError("psql: %s: %s" % (sql[:80], r.stderr.strip()))
    return r.stdout.splitlines()


def exists(url):
    _, schema = split(url)
    return psql(url, "SELECT count(*) FROM pg_namespace WHERE nspname = '%s'" % schema) == ["1"]


def tables(url):
    """argo's tables in the schema (partitioned parents, not their months)
    with their columns: [(table, [column, ...]), ...] by table name."""
    _, schema = split(url)
    rows = psql(url, "SELECT c.relname, string_agg(a.attname, ',' ORDER BY a.attnum)"
                     " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                     " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0"
                     " AND NOT a.attisdropped"
                     " WHERE n.nspname = '%s' AND c.relkind IN ('r', 'p')"
                     " AND NOT c.relispartition GROUP BY c.relname ORDER BY c.relname" % schema)
    return [(r.split("\t")[0], r.split("\t")[1].split(",")) for r in rows]


def dump(url, skip=("events",), mask=r"_at$"):
    """The schema's content as one text: for every table a header line
    "# name(columns)", then (unless the table is in skip) its rows in order
    of all columns, tab-separated (NULL as \\N), columns whose names match
    mask (times of making) as 0. None when the schema does not exist. Three
    psql runs whatever the number of tables."""
    if not exists(url):
        return None
    out, sqls = [], []
    for t, cols in tables(url):
        head = "# %s(%s)" % (t, ", ".join(cols))
        if t in skip:
            sqls.append("SELECT %s" % quote(head))
            continue
        sel = ", ".join("'0'" if re.search(mask, c) else "coalesce(\"%s\"::text, '\\N')" % c
                        for c in cols)
        order = ", ".join('"%s"' % c for c in cols)
        sqls.append("SELECT %s UNION ALL (SELECT concat_ws(E'\\t', %s) FROM \"%s\" ORDER BY %s)"
                    % (quote(head), sel, t, order))
    # one statement per table in one run: psql 15 prints every result
    out = psql(url, "; ".join(sqls)) if sqls else []
    return "\n".join(out)


def quote(text):
    return "'%s'" % text.replace("'", "''")


def drop(url):
    _, schema = split(url)
    psql(url, 'DROP SCHEMA IF EXISTS "%s" CASCADE' % schema)
