// SPDX-License-Identifier: MIT
// Parquet interoperability, checked with tools nobody here wrote:
//  1. backups argo writes (snappy, zstd, uncompressed) are read by DuckDB
//     (@duckdb/node-api) and by hyparquet (+ hyparquet-compressors): the same
//     rows, values and types as argo's CSV of the same day;
//  2. Parquet files DuckDB writes (snappy and zstd, dictionary and plain
//     columns, nulls) are read by argo (`argo archive cat`) with the values
//     DuckDB itself reads.
// Usage: node interop.mjs ARGO SOURCE_DIR. Exits 77 (skipped) without the
// npm packages (scripts/setup.sh --test installs them here).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

let duckdb, hyparquet, compressors;
try {
  duckdb = await import('@duckdb/node-api');
  hyparquet = await import('hyparquet');
  ({ compressors } = await import('hyparquet-compressors'));
} catch (e) {
  console.log('SKIP: the interop test tools are not installed (npm ci in tests/interop)');
  process.exit(77);
}

const [argo, src] = process.argv.slice(2);
const work = mkdtempSync(join(tmpdir(), 'argo-interop-'));
const db = join(work, 'interop.db');
const run = (...args) => execFileSync(argo, [...args, '--db', db], { encoding: 'utf8' });
let passed = 0, failed = 0;
const check = (ok, what) => { if (ok) passed++; else { failed++; console.log('FAIL: ' + what); } };

// RFC 4180 as argo writes it (CRLF, quotes only where needed)
function parseCsv(text) {
  const rows = []; let row = [], field = '', q = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (q) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (ch === '"') q = false;
      else field += ch;
    } else if (ch === '"') q = true;
    else if (ch === ',') { row.push(field); field = ''; }
    else if (ch === '\r') {}
    else if (ch === '\n') { row.push(field); rows.push(row); row = []; field = ''; }
    else field += ch;
  }
  return rows;
}

const expectedTypes = {
  signal_id: 'BIGINT', symbol: 'VARCHAR', action: 'VARCHAR', ts: 'TIMESTAMP WITH TIME ZONE',
  entry: 'DOUBLE', target: 'DOUBLE', stop: 'DOUBLE', raw_confidence: 'DOUBLE',
  confidence: 'DOUBLE', model_version: 'BIGINT', published: 'BOOLEAN', vote_trend: 'DOUBLE',
  vote_meanrev: 'DOUBLE', vote_macd: 'DOUBLE', vote_breakout: 'DOUBLE',
  expires_at: 'TIMESTAMP WITH TIME ZONE', status: 'VARCHAR', exit_reason: 'VARCHAR',
  gap: 'BOOLEAN', exit_ts: 'TIMESTAMP WITH TIME ZONE', exit_price: 'DOUBLE', pnl_pct: 'DOUBLE',
  bars_held: 'INTEGER', mfe_pct: 'DOUBLE', mae_pct: 'DOUBLE',
};

// compares a value read by another tool with argo's CSV field
function same(value, csv, type) {
  if (csv === '') return value === null || value === undefined;
  if (value === null || value === undefined) return false;
  switch (type) {
    case 'BIGINT': return BigInt(value) === BigInt(csv);
    case 'INTEGER': return Number(value) === Number(csv);
    case 'DOUBLE': return value === Number(csv);
    case 'BOOLEAN': return value === (csv === 'true');
    case 'VARCHAR': return value === csv;
    default: { // timestamps: DuckDB gives micros, hyparquet a Date
      const ms = value instanceof Date ? value.getTime()
        : typeof value === 'bigint' ? Number(value)
        : value.micros !== undefined ? Number(value.micros / 1000n) : NaN;
      return ms === Date.parse(csv);
    }
  }
}

// ---- 1. argo writes, DuckDB and hyparquet read ----
run('synth', '--symbols', '30', '--days', '300', '--seed', '11');
run('replay', '--quiet');
const instance = await duckdb.DuckDBInstance.create(':memory:');
const con = await instance.connect();
for (const codec of ['snappy', 'zstd', 'none']) {
  const dir = join(work, 'backups-' + codec);
  run('backup', '--all', '--codec', codec, '--dir', dir);
  const verify = run('backup', 'verify', '--all', '--dir', dir);
  check(/all match/.test(verify), `${codec}: argo backup verify`);
  // every day folder; both kinds; compare all of them
  const files = [];
  for (const y of readdirSync(dir)) for (const m of readdirSync(join(dir, y)))
    for (const d of readdirSync(join(dir, y, m))) for (const kind of ['signals', 'outcomes'])
      files.push(join(dir, y, m, d, `${kind}-v1`));
  let rows = 0;
  for (const base of files) {
    const csv = parseCsv(readFileSync(base + '.csv', 'utf8'));
    const header = csv[0], body = csv.slice(1);
    const desc = (await con.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${base}.parquet')`)).getRows();
    const typesOk = desc.length === header.length &&
      desc.every(([name, type], i) => name === header[i] && type === expectedTypes[name]);
    check(typesOk, `${codec} ${base}: DuckDB types ${JSON.stringify(desc.map(r => r[1]))}`);
    const duck = (await con.runAndReadAll(`SELECT * FROM read_parquet('${base}.parquet')`)).getRows();
    const buf = readFileSync(base + '.parquet');
    const hyp = await hyparquet.parquetReadObjects({
      file: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength), compressors });
    let ok = duck.length === body.length && hyp.length === body.length;
    for (let r = 0; ok && r < body.length; r++)
      for (let c = 0; ok && c < header.length; c++) {
        const t = expectedTypes[header[c]];
        if (!same(duck[r][c], body[r][c], t)) { ok = false; console.log(` DuckDB ${header[c]} row ${r}: ${duck[r][c]} vs ${body[r][c]}`); }
        else if (!same(hyp[r][header[c]], body[r][c], t)) { ok = false; console.log(` hyparquet ${header[c]} row ${r}: ${hyp[r][header[c]]} vs ${body[r][c]}`); }
      }
    check(ok, `${codec} ${base}: rows and values`);
    rows += body.length;
  }
  console.log(`${codec}: ${files.length} files, ${rows} rows read identically by DuckDB and hyparquet`);
}

// ---- 2. DuckDB writes, argo reads ----
await con.run(`CREATE TABLE t AS SELECT i::BIGINT AS id, 'S' || (i % 7)::VARCHAR AS sym,
  (i * 0.37)::DOUBLE AS px, (i % 3 = 0) AS flag, (i % 100)::INTEGER AS n32,
  TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_seconds(i * 61) AS ts,
  CASE WHEN i % 5 = 0 THEN NULL ELSE 'note ' || i::VARCHAR END AS maybe
  FROM range(120000) r(i)`);
for (const codec of ['snappy', 'zstd']) {
  const f = join(work, `duck-${codec}.parquet`);
  await con.run(`COPY t TO '${f}' (FORMAT parquet, COMPRESSION ${codec}, ROW_GROUP_SIZE 30000)`);
  const mine = JSON.parse(execFileSync(argo, ['archive', 'cat', f], { encoding: 'utf8', maxBuffer: 1 << 28 }));
  const duck = (await con.runAndReadAll(`SELECT * FROM read_parquet('${f}')`)).getRowObjects();
  let ok = mine.length === duck.length;
  for (let r = 0; ok && r < duck.length; r++) {
    const a = mine[r], d = duck[r];
    ok = BigInt(a.id) === d.id && a.sym === d.sym && a.px === d.px && a.flag === d.flag &&
      a.n32 === d.n32 && a.maybe === d.maybe &&
      Date.parse(a.ts) === Number(d.ts.micros / 1000n);
    if (!ok) console.log(' argo vs DuckDB row', r, JSON.stringify(a), String(d.id), d.sym, d.px);
  }
  check(ok, `argo reads DuckDB's ${codec} file (dictionary and plain columns, nulls)`);
  const schema = execFileSync(argo, ['archive', 'cat', f, '--schema'], { encoding: 'utf8' });
  check(/sym STRING/.test(schema) && /ts TIMESTAMP\(us\)/.test(schema) && /n32 INT32/.test(schema),
    `argo maps DuckDB's ${codec} schema: ${schema.replace(/\n/g, '; ')}`);
  console.log(`DuckDB ${codec}: ${duck.length} rows read by argo`);
}

// ---- damage: a flipped byte is caught by verify, never read as good ----
{
  const dir = join(work, 'backups-snappy');
  const y = readdirSync(dir)[0], m = readdirSync(join(dir, y))[0], d = readdirSync(join(dir, y, m))[0];
  const f = join(dir, y, m, d, 'signals-v1.parquet');
  const bytes = readFileSync(f); bytes[Math.floor(bytes.length / 2)] ^= 0xff;
  (await import('node:fs')).writeFileSync(f, bytes);
  let caught = false;
  try { run('backup', 'verify', '--date', `${y}-${m}-${d}`, '--dir', dir); } catch (e) { caught = /SHA-256/.test(String(e.stderr)); }
  check(caught, 'a flipped byte is reported by argo backup verify');
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
