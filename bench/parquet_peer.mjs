// SPDX-License-Identifier: MIT
// The peer of bench_parquet: DuckDB writing the same rows to Parquet.
// Usage: node parquet_peer.mjs SOURCE_DIR ARGO_FILE OUT_FILE
// Loads ARGO_FILE into an in-memory table (not timed), then times
// COPY ... TO OUT_FILE (FORMAT parquet, COMPRESSION snappy), best of 3.
// Prints "milliseconds bytes rows".
import { createRequire } from 'node:module';
import { statSync } from 'node:fs';
import { join } from 'node:path';
const [src, input, out] = process.argv.slice(2);
const require = createRequire(join(src, 'tests', 'interop', 'package.json'));
const { DuckDBInstance } = await import(require.resolve('@duckdb/node-api'));
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
await c.run(`CREATE TABLE t AS SELECT * FROM read_parquet('${input}')`);
const rows = (await c.runAndReadAll('SELECT count(*) FROM t')).getRows()[0][0];
let best = Infinity;
for (let i = 0; i < 3; i++) {
  const t0 = process.hrtime.bigint();
  await c.run(`COPY t TO '${out}' (FORMAT parquet, COMPRESSION snappy)`);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  best = Math.min(best, ms);
}
console.log(`${best.toFixed(1)} ${statSync(out).size} ${rows}`);
