// SPDX-License-Identifier: MIT
// bench_dashboard_page.cjs - the dashboard's load time in Debian's
// chromium, driven by puppeteer-core (bench/bench_dashboard.sh runs it).
// LOADS times: a fresh browser context and page, the browser cache off,
// open URL (…/#key=KEY), wait until every panel has left "loading"
// (document.documentElement.dataset.loaded === "1") and read
// window.argoLoadMs (ms from navigationStart, set by the page). Between
// two loads it waits GAP_MS, so that argo serve's read cache (a 200
// answer is kept for 1 s) has expired and each load reaches the store.
// Prints one JSON line: {"loads_ms": [...], "wall_ms": [...], "panels": {...}}
// (panels: each data-panel's data-state after the last load), or
// {"error": "..."} and exit 1. Every wait is bounded by TIMEOUT_MS.
//
// Usage: node bench_dashboard_page.cjs MODULES_DIR URL [LOADS [TIMEOUT_MS [GAP_MS]]]
//   MODULES_DIR  the folder whose node_modules holds puppeteer-core
//                (tests/dashboard or bench)
'use strict';
const path = require('path');
const { createRequire } = require('module');

const [modDir, url, loadsArg, timeoutArg, gapArg] = process.argv.slice(2);
if (!modDir || !url) {
    console.error('usage: node bench_dashboard_page.cjs MODULES_DIR URL [LOADS [TIMEOUT_MS [GAP_MS]]]');
    process.exit(2);
}
const loads = Number(loadsArg || 5);
const timeout = Number(timeoutArg || 60000);
const gap = Number(gapArg || 1100);
const puppeteer = createRequire(path.join(path.resolve(modDir), 'package.json'))('puppeteer-core');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
    const browser = await puppeteer.launch({
        executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
        protocolTimeout: timeout,
        timeout,
    });
    const out = { loads_ms: [], wall_ms: [], panels: {} };
    try {
        for (let i = 0; i < loads; i++) {
            if (i) await sleep(gap);
            const ctx = await browser.createBrowserContext();
            try {
                const page = await ctx.newPage();
                await page.setCacheEnabled(false);
                const errors = [];
                page.on('pageerror', (e) => errors.push(String(e)));
                const t0 = Date.now();
                const resp = await page.goto(url, { waitUntil: 'domcontentloaded', timeout });
                if (!resp || !resp.ok())
                    throw new Error(`GET / answered ${resp ? resp.status() : 'nothing'}`);
                try {
                    await page.waitForFunction(() => document.documentElement.dataset.loaded === '1', {
                        timeout,
                        polling: 10,
                    });
                } catch (e) {
                    const states = await page.evaluate(() =>
                        Array.from(document.querySelectorAll('section[data-panel]'), (s) => `${s.dataset.panel}=${s.dataset.state}`).join(' '));
                    throw new Error(`not loaded within ${timeout} ms (panels: ${states}; page errors: ${errors.join('; ') || 'none'})`);
                }
                out.wall_ms.push(Date.now() - t0);
                const ms = await page.evaluate(() => window.argoLoadMs);
                if (typeof ms !== 'number') throw new Error('window.argoLoadMs is not a number');
                out.loads_ms.push(ms);
                out.panels = await page.evaluate(() =>
                    Object.fromEntries(Array.from(document.querySelectorAll('section[data-panel]'), (s) => [s.dataset.panel, s.dataset.state])));
            } finally {
                await ctx.close();
            }
        }
    } finally {
        await browser.close();
    }
    return out;
}

const guard = setTimeout(() => {
    console.log(JSON.stringify({ error: `gave up after ${(loads + 1) * timeout} ms` }));
    process.exit(1);
}, (loads + 1) * timeout + 5000);
main().then(
    (out) => {
        clearTimeout(guard);
        console.log(JSON.stringify(out));
    },
    (e) => {
        clearTimeout(guard);
        console.log(JSON.stringify({ error: String(e && e.message ? e.message : e) }));
        process.exit(1);
    },
);
