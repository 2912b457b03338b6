// SPDX-License-Identifier: MIT
// argo's dashboard: plain ES2020 over argo serve's REST API and stream
// (docs/SERVE.md), no framework and no build step. What it is: a
// client of /api/v1 and /api/v1/stream that draws eight panels. What it
// is not: a second copy of any figure: every number shown is the API's,
// kept raw in data-value (tests/dashboard/ compares them with the API).
//
// The charts are argo's own SVG, made with document.createElementNS: a
// charting library would have to be vendored through npm into the C
// build (the page is embedded in the binary), and six simple charts
// (lines, an area, bars, a scatter with its diagonal) do not need one.
//
// Sections: utilities; the key; the API client; filters and the URL;
// panel state; SVG chart helpers; one render function per panel; the
// stream client; start.
'use strict';

(function () {
  // ---- utilities -------------------------------------------------------

  const STRATEGIES = ['trend', 'meanrev', 'macd', 'breakout'];
  const PANELS = ['equity', 'monthly', 'calibration', 'outcomes', 'live', 'open', 'archive',
    'health'];
  const LIVE_MAX = 50;
  const MARKERS_MAX = 60; // markers drawn on one line, at most

  function $(sel, root) {
    return (root || document).querySelector(sel);
  }

  // el('td', {class: 'n'}, [children or text]) builds an HTML element.
  function el(tag, attrs, kids) {
    const e = document.createElement(tag);
    setAttrs(e, attrs);
    append(e, kids);
    return e;
  }

  function setAttrs(e, attrs) {
    if (!attrs)
      return;
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false)
        continue;
      e.setAttribute(k, v === true ? '' : String(v));
    }
  }

  function append(e, kids) {
    if (kids === undefined || kids === null)
      return;
    if (!Array.isArray(kids))
      kids = [kids];
    for (const k of kids) {
      if (k === undefined || k === null || k === false)
        continue;
      e.appendChild(typeof k === 'object' ? k : document.createTextNode(String(k)));
    }
  }

  // One formatter per number of decimals, made when first needed (making
  // an Intl.NumberFormat is slow: seven at start cost 0.1 s of the load).
  const NF = [];

  function nf(d) {
    return NF[d] || (NF[d] = new Intl.NumberFormat('en-US', {minimumFractionDigits: d,
      maximumFractionDigits: d}));
  }

  function fmtNum(x, d) {
    if (x === null || x === undefined || Number.isNaN(x))
      return '\u2013';
    return nf(d === undefined ? 2 : Math.min(6, d)).format(x);
  }

  // A signed percentage: the sign is always written, so a loss does not
  // depend on colour to be seen.
  function fmtPct(x, d) {
    if (x === null || x === undefined)
      return '\u2013';
    const s = fmtNum(Math.abs(x), d === undefined ? 2 : d);
    return (x > 0 ? '+' : x < 0 ? '\u2212' : '') + s + ' %';
  }

  function fmtRate(x) {
    return x === null || x === undefined ? '\u2013' : fmtNum(x * 100, 1) + ' %';
  }

  function fmtBytes(n) {
    if (n === null || n === undefined)
      return '\u2013';
    const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    let v = n;
    while (v >= 1024 && i < u.length - 1) {
      v /= 1024;
      i++;
    }
    return (i ? fmtNum(v, 1) : fmtNum(v, 0)) + ' ' + u[i];
  }

  function fmtUsd(x) {
    return x === null || x === undefined ? '\u2013' : '$' + fmtNum(x, 2);
  }

  // One figure a test can compare: data-value holds the API's number as
  // it was given (String() of the parsed JSON value), the text is rounded.
  function fig(field, value, text, key, tag) {
    return el(tag || 'span', {
      'data-field': field,
      'data-value': value === null || value === undefined ? 'null' : String(value),
      'data-key': key,
    }, text);
  }

  function errText(e) {
    if (e instanceof ApiError)
      return e.message;
    return 'unexpected: ' + (e && e.message ? e.message : String(e));
  }

  // ---- the key -----------------------------------------------------------
  // From the URL fragment (#key=argo_..., never sent to the server), else
  // this tab's sessionStorage, else the key form. The fragment is taken
  // out of the address bar once read.

  const KEY_ITEM = 'argo.key';
  let apiKey = null;

  function storageGet() {
    try {
      return window.sessionStorage.getItem(KEY_ITEM);
    } catch (e) {
      return null;
    }
  }

  function storageSet(k) {
    try {
      if (k)
        window.sessionStorage.setItem(KEY_ITEM, k);
      else
        window.sessionStorage.removeItem(KEY_ITEM);
    } catch (e) {
      // storage refused (private mode): the key lives in memory only
    }
  }

  function readKey() {
    const m = /(?:^#|&)key=([^&]+)/.exec(window.location.hash);
    if (m) {
      const k = decodeURIComponent(m[1]);
      storageSet(k);
      history.replaceState(history.state, '', window.location.pathname + window.location.search);
      return k;
    }
    return storageGet();
  }

  function showKeyForm(why) {
    const form = $('#keyform');
    $('#keyform-why').textContent = why;
    form.hidden = false;
    $('#key-input').focus();
  }

  // ---- the API client ------------------------------------------------------

  class ApiError extends Error {
    constructor(status, message, body) {
      super(message);
      this.status = status;
      this.body = body;
    }
  }

  let authFailed = false;

  // GET path?params with the key; resolves to the parsed JSON of a 2xx
  // answer (or of a status listed in okStatuses), rejects with ApiError
  // otherwise. 401/403 bring the key form back; 429 is retried after
  // Retry-After (at most twice, at most 5 s each).
  async function api(path, params, okStatuses) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params || {})) {
      if (v !== undefined && v !== null && v !== '')
        q.set(k, String(v));
    }
    const url = path + (q.toString() ? '?' + q.toString() : '');
    for (let attempt = 0;; attempt++) {
      let r;
      try {
        r = await fetch(url, {headers: {'X-API-Key': apiKey || '', 'Accept': 'application/json'},
          cache: 'no-cache', credentials: 'omit'});
      } catch (e) {
        throw new ApiError(0, 'the server did not answer (' + url.split('?')[0] + ')');
      }
      let body = null;
      try {
        body = await r.json();
      } catch (e) {
        body = null;
      }
      if (r.ok || (okStatuses && okStatuses.includes(r.status)))
        return {status: r.status, body: body};
      if (r.status === 429 && attempt < 2) {
        const s = Math.min(5, Math.max(1, parseInt(r.headers.get('Retry-After') || '1', 10) || 1));
        await new Promise((res) => setTimeout(res, s * 1000));
        continue;
      }
      const msg = body && body.error && body.error.message ? body.error.message :
        'HTTP ' + r.status;
      if (r.status === 401 || r.status === 403) {
        if (!authFailed) {
          authFailed = true;
          showKeyForm(r.status === 401 ? 'The key was refused (' + msg + '): enter a read key.' :
            'This key may not read the API (' + msg + '): enter a read key.');
        }
      }
      throw new ApiError(r.status, msg, body);
    }
  }

  // Every page of a paged route (signals: next_cursor).
  async function apiAll(path, params, listName) {
    const out = [];
    let cursor = null;
    for (let i = 0; i < 1000; i++) {
      const p = Object.assign({}, params, {limit: 1000});
      if (cursor)
        p.cursor = cursor;
      const r = await api(path, p);
      out.push(...(r.body[listName] || []));
      cursor = r.body.next_cursor;
      if (!cursor)
        break;
    }
    return out;
  }

  // ---- filters and the URL ----------------------------------------------------

  const filter = {symbol: '', strategy: '', since: '', until: ''};

  function readFilterFromUrl() {
    const q = new URLSearchParams(window.location.search);
    for (const k of Object.keys(filter))
      filter[k] = q.get(k) || '';
    $('#f-strategy').value = STRATEGIES.includes(filter.strategy) ? filter.strategy : '';
    $('#f-since').value = filter.since;
    $('#f-until').value = filter.until;
    ensureSymbolOption(filter.symbol);
    $('#f-symbol').value = filter.symbol;
  }

  function ensureSymbolOption(sym) {
    const sel = $('#f-symbol');
    if (sym && ![...sel.options].some((o) => o.value === sym))
      sel.appendChild(el('option', {value: sym}, sym));
  }

  function writeFilterToUrl() {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(filter)) {
      if (v)
        q.set(k, v);
    }
    const s = q.toString();
    history.replaceState(history.state, '', window.location.pathname + (s ? '?' + s : ''));
  }

  function filterParams() {
    return {symbol: filter.symbol, strategy: filter.strategy, since: filter.since,
      until: filter.until};
  }

  function filterDescribe() {
    const parts = [];
    if (filter.symbol)
      parts.push(filter.symbol);
    if (filter.strategy)
      parts.push(filter.strategy);
    if (filter.since)
      parts.push('from ' + filter.since);
    if (filter.until)
      parts.push('before ' + filter.until);
    return parts.length ? ' (' + parts.join(', ') + ')' : '';
  }

  // A signal passes the filter's symbol and strategy (the strategy voted
  // in its direction: docs/STATS.md) and, for open ones, ts < until.
  function signalPasses(s) {
    if (filter.symbol && s.symbol !== filter.symbol)
      return false;
    if (filter.strategy) {
      const v = s.votes ? s.votes[filter.strategy] : 0;
      if (!(s.action === 'BUY' ? v > 0 : v < 0))
        return false;
    }
    if (filter.until && String(s.ts).slice(0, 10) >= filter.until)
      return false;
    return true;
  }

  // ---- panel state ----------------------------------------------------------------

  function panel(name) {
    return $('section[data-panel="' + name + '"]');
  }

  function setState(name, state, msg) {
    const p = panel(name);
    p.dataset.state = state;
    p.setAttribute('aria-busy', state === 'loading' ? 'true' : 'false');
    $('.msg', p).textContent = msg || '';
    checkLoaded();
  }

  function body(name) {
    return $('.body', panel(name));
  }

  function checkLoaded() {
    const html = document.documentElement;
    if (html.dataset.loaded)
      return;
    if (PANELS.every((n) => panel(n).dataset.state !== 'loading')) {
      window.argoLoadMs = performance.now();
      html.dataset.loaded = '1';
    }
  }

  // A table: caption, column headers (scope col), rows whose first cell
  // is a row header. Wrapped in a focusable region so it scrolls on its
  // own on a narrow screen instead of widening the page.
  function table(caption, heads, rows, attrs) {
    const t = el('table', attrs, [
      el('caption', null, caption),
      el('thead', null, el('tr', null, heads.map((h) => el('th', {scope: 'col'}, h)))),
      el('tbody', null, rows),
    ]);
    return el('div', {class: 'tablewrap', role: 'region', tabindex: '0', 'aria-label': caption},
      t);
  }

  function row(head, cells, attrs) {
    return el('tr', attrs, [el('th', {scope: 'row'}, head),
      ...cells.map((c) => el('td', null, c))]);
  }

  function stat(label, node) {
    return el('div', {class: 'stat'}, [el('dt', null, label), el('dd', null, node)]);
  }

  // ---- SVG chart helpers ------------------------------------------------------------

  const SVGNS = 'http://www.w3.org/2000/svg';
  let svgIds = 0;

  function s(tag, attrs, kids) {
    const e = document.createElementNS(SVGNS, tag);
    setAttrs(e, attrs);
    append(e, kids);
    return e;
  }

  // A chart's viewBox width: the panel's width (so its text is drawn at
  // its own size, also on a phone), within [300, max].
  // Each panel's width is read once (reading it forces a layout of the
  // page, and every chart asked again while the others were drawn) and
  // read again after the window is resized.
  const widths = new Map();
  window.addEventListener('resize', () => widths.clear());

  function fit(name, max) {
    if (!widths.has(name))
      widths.set(name, body(name).clientWidth);
    const w = widths.get(name) || max;
    return Math.round(Math.max(300, Math.min(max, w)));
  }

  // An <svg role="img"> with a <title> and <desc>, sized by its viewBox
  // (CSS scales it to the panel's width).
  function svgFrame(w, h, title, desc) {
    const id = 'svg' + (++svgIds);
    return s('svg', {viewBox: '0 0 ' + w + ' ' + h, width: w, height: h, role: 'img',
      class: 'chart', 'aria-labelledby': id + 't ' + id + 'd', preserveAspectRatio: 'xMidYMid meet'},
    [s('title', {id: id + 't'}, title), s('desc', {id: id + 'd'}, desc)]);
  }

  // Round tick values covering [lo, hi].
  // The decimals a tick step needs.
  function stepDecimals(step) {
    return Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9)));
  }

  function ticks(lo, hi, n) {
    if (!(hi > lo))
      return [lo];
    const raw = (hi - lo) / n;
    const mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((x) => x >= raw) || raw;
    const out = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
      out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
    return out;
  }

  // A plot area: scales from data domains to the frame, with y grid lines
  // and labels and x labels. Returns {svg, x, y, g}.
  function plotArea(opt) {
    const w = opt.w || 640;
    const h = opt.h || 240;
    const m = {l: 56, r: 12, t: 10, b: 28};
    const svg = svgFrame(w, h, opt.title, opt.desc);
    let [y0, y1] = opt.yDomain;
    if (y0 === y1) {
      y0 -= 1;
      y1 += 1;
    }
    const [x0, x1] = opt.xDomain;
    const x = (v) => m.l + (x1 === x0 ? 0.5 : (v - x0) / (x1 - x0)) * (w - m.l - m.r);
    const y = (v) => h - m.b - (v - y0) / (y1 - y0) * (h - m.t - m.b);
    const grid = s('g', {class: 'axes', 'aria-hidden': 'true'});
    const tv = ticks(y0, y1, 4);
    const dec = tv.length > 1 ? stepDecimals(tv[1] - tv[0]) : 1;
    for (const t of tv) {
      grid.appendChild(s('line', {x1: m.l, x2: w - m.r, y1: y(t), y2: y(t),
        class: t === 0 ? 'zero' : ''}));
      grid.appendChild(s('text', {x: m.l - 6, y: y(t) + 4, 'text-anchor': 'end'},
        opt.yFmt ? opt.yFmt(t, dec) : fmtNum(t, dec)));
    }
    const xl = opt.xLabels || [];
    xl.forEach(([xv, label], i) => {
      const anchor = xl.length < 2 ? 'middle' : i === 0 ? 'start' : i === xl.length - 1 ? 'end' :
        'middle';
      grid.appendChild(s('text', {x: x(xv), y: h - 8, 'text-anchor': anchor}, label));
    });
    svg.appendChild(grid);
    const g = s('g', {'aria-hidden': 'true'});
    svg.appendChild(g);
    return {svg, x, y, g, m, w, h};
  }

  function pathOf(points, x, y) {
    let d = '';
    for (let i = 0; i < points.length; i++)
      d += (i ? 'L' : 'M') + x(points[i][0]).toFixed(1) + ' ' + y(points[i][1]).toFixed(1);
    return d;
  }

  function extent(values) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of values) {
      if (v === null || v === undefined)
        continue;
      if (v < lo)
        lo = v;
      if (v > hi)
        hi = v;
    }
    return lo === Infinity ? [0, 1] : [lo, hi];
  }

  // Index-based x labels: first, middle, last.
  function edgeLabels(labels) {
    const n = labels.length;
    if (!n)
      return [];
    const idx = n < 3 ? [...Array(n).keys()] : [0, Math.floor((n - 1) / 2), n - 1];
    return idx.map((i) => [i, labels[i]]);
  }

  // Lines (and optionally an area down to 0) over a shared x index.
  // series: [{label, cls, values: [y...], area, dash}]
  function lineChart(opt) {
    const all = [];
    for (const sr of opt.series)
      all.push(...sr.values);
    let [lo, hi] = extent(all);
    lo = Math.min(lo, opt.includeZero ? 0 : lo);
    hi = Math.max(hi, opt.includeZero ? 0 : hi);
    const pad = (hi - lo) * 0.05 || 1;
    const n = Math.max(...opt.series.map((sr) => sr.values.length));
    const pa = plotArea({title: opt.title, desc: opt.desc, w: opt.w, h: opt.h,
      yDomain: [lo - (lo < 0 || !opt.includeZero ? pad : 0), hi + pad], xDomain: [0, Math.max(1, n - 1)],
      xLabels: edgeLabels(opt.xLabels || []), yFmt: opt.yFmt});
    for (const sr of opt.series) {
      const pts = [];
      sr.values.forEach((v, i) => {
        if (v !== null && v !== undefined)
          pts.push([i, v]);
      });
      if (!pts.length)
        continue;
      if (sr.area) {
        const d = pathOf(pts, pa.x, pa.y) + 'L' + pa.x(pts[pts.length - 1][0]).toFixed(1) + ' ' +
          pa.y(0).toFixed(1) + 'L' + pa.x(pts[0][0]).toFixed(1) + ' ' + pa.y(0).toFixed(1) + 'Z';
        pa.g.appendChild(s('path', {d, class: 'area ' + sr.cls}));
      }
      pa.g.appendChild(s('path', {d: pathOf(pts, pa.x, pa.y), class: 'line ' + sr.cls}));
      if (sr.markers) {
        // the markers tell the series apart by shape: 60 are enough (a
        // store of 500 symbols has 1,500 global model versions, and an
        // element per point of four series made the page slow)
        const step = Math.max(1, Math.ceil(pts.length / MARKERS_MAX));
        pts.forEach((p, i) => {
          if (i % step === 0 || i === pts.length - 1)
            pa.g.appendChild(marker(sr.markers, pa.x(p[0]), pa.y(p[1]), sr.cls));
        });
      }
    }
    return figure(pa.svg, opt.caption, legend(opt.series));
  }

  // Marker shapes, so series differ by shape as well as colour.
  function marker(shape, cx, cy, cls) {
    if (shape === 'square')
      return s('rect', {x: cx - 4, y: cy - 4, width: 8, height: 8, class: 'mark ' + cls});
    if (shape === 'diamond') {
      return s('path', {d: 'M' + cx + ' ' + (cy - 5) + 'l5 5l-5 5l-5 -5z', class: 'mark ' + cls});
    }
    return s('circle', {cx, cy, r: 4, class: 'mark ' + cls});
  }

  function legend(series) {
    return el('ul', {class: 'legend'}, series.map((sr) => el('li', {class: sr.cls}, [
      el('span', {class: 'key ' + sr.cls + (sr.markers ? ' m-' + sr.markers : ''),
        'aria-hidden': 'true'}),
      sr.label])));
  }

  function figure(svg, caption, extra) {
    return el('figure', null, [svg, extra, el('figcaption', null, caption)]);
  }

  // Bars around 0 over labelled categories; negative bars hatched as
  // well as coloured (Okabe-Ito blue and vermillion).
  function barChart(opt) {
    const vals = opt.values;
    let [lo, hi] = extent(vals);
    lo = Math.min(lo, 0);
    hi = Math.max(hi, 0);
    const pad = (hi - lo) * 0.05 || 1;
    const n = vals.length;
    const pa = plotArea({title: opt.title, desc: opt.desc, w: opt.w, h: opt.h,
      yDomain: [lo - (lo < 0 ? pad : 0), hi + (hi > 0 ? pad : 0)], xDomain: [-0.5, n - 0.5],
      xLabels: edgeLabels(opt.labels), yFmt: opt.yFmt});
    const hatch = 'hatch' + (++svgIds);
    pa.svg.appendChild(s('defs', null, s('pattern', {id: hatch, width: 6, height: 6,
      patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)'}, [
      s('rect', {width: 6, height: 6, class: 'hatch-bg'}),
      s('line', {x1: 0, y1: 0, x2: 0, y2: 6, class: 'hatch-line'})])));
    const bw = Math.max(1, (pa.x(1) - pa.x(0)) * 0.8);
    vals.forEach((v, i) => {
      if (v === null || v === undefined)
        return;
      const y0 = pa.y(0);
      const y1 = pa.y(v);
      pa.g.appendChild(s('rect', {x: (pa.x(i) - bw / 2).toFixed(1), y: Math.min(y0, y1).toFixed(1),
        width: bw.toFixed(1), height: Math.max(0.5, Math.abs(y1 - y0)).toFixed(1),
        class: 'bar ' + (v >= 0 ? 'pos' : 'neg'), fill: v >= 0 ? null : 'url(#' + hatch + ')'}));
    });
    return figure(pa.svg, opt.caption, el('ul', {class: 'legend'}, [
      el('li', null, [el('span', {class: 'key bar-pos', 'aria-hidden': 'true'}), 'gain (+)']),
      el('li', null, [el('span', {class: 'key bar-neg', 'aria-hidden': 'true'}), 'loss (\u2212, hatched)'])]));
  }

  // A reliability diagram: points (mean predicted, observed) in [0,1]^2
  // against the diagonal, each point labelled with its bin's count.
  function reliabilityChart(opt) {
    const pa = plotArea({title: opt.title, desc: opt.desc, w: 360, h: 320, yDomain: [0, 1],
      xDomain: [0, 1], xLabels: [[0, '0'], [0.5, '0.5'], [1, '1']], yFmt: (t) => fmtNum(t, 1)});
    pa.svg.classList.add('square');
    pa.g.appendChild(s('line', {x1: pa.x(0), y1: pa.y(0), x2: pa.x(1), y2: pa.y(1),
      class: 'diagonal'}));
    for (const sr of opt.series) {
      const pts = sr.points.filter((p) => p[0] !== null && p[1] !== null);
      if (pts.length > 1)
        pa.g.appendChild(s('path', {d: pathOf(pts, pa.x, pa.y), class: 'line thin ' + sr.cls}));
      for (const p of pts) {
        pa.g.appendChild(marker(sr.markers, pa.x(p[0]), pa.y(p[1]), sr.cls));
        pa.g.appendChild(s('text', {x: pa.x(p[0]) + 6, y: pa.y(p[1]) + (sr.labelBelow ? 14 : -6),
          class: 'count ' + sr.cls}, 'n=' + p[2]));
      }
    }
    return figure(pa.svg, opt.caption, legend(opt.series.concat([{label: 'perfect calibration',
      cls: 'diag'}])));
  }

  // ---- panels: shared data --------------------------------------------------------------

  let generation = 0; // a filter change makes older answers stale
  let symbols = []; // /api/v1/symbols
  const lastClose = new Map();

  function fresh(gen) {
    return gen === generation;
  }

  // ---- panel: equity and drawdown ------------------------------------------------------

  function renderEquity(daily, stats) {
    const b = body('equity');
    b.replaceChildren();
    const t = stats.total;
    b.appendChild(el('dl', {class: 'stats'}, [
      stat('Total P&L', fig('total_pnl_pct', daily.total_pnl_pct, fmtPct(daily.total_pnl_pct))),
      stat('Max drawdown', fig('max_drawdown_pct', daily.max_drawdown_pct,
        daily.max_drawdown_pct === null ? '\u2013' : fmtNum(daily.max_drawdown_pct, 2) + ' pp')),
      stat('Sharpe', fig('sharpe', t.sharpe, fmtNum(t.sharpe, 2))),
      stat('Win rate', fig('win_rate', t.win_rate, fmtRate(t.win_rate))),
      stat('Resolved', fig('resolved', t.resolved, fmtNum(t.resolved, 0))),
      stat('Days', fig('days', daily.days.length, fmtNum(daily.days.length, 0))),
    ]));
    const days = daily.days;
    if (!days.length) {
      setState('equity', 'empty', 'No resolved signal' + filterDescribe() + ': no equity curve.');
      return;
    }
    const labels = days.map((d) => d.date);
    const first = days[0].date;
    const last = days[days.length - 1].date;
    b.appendChild(lineChart({title: 'Equity curve' + filterDescribe(),
      desc: 'Cumulative net P&L in percent of one notional per day, ' + first + ' to ' + last,
      caption: 'Equity from ' + first + ' to ' + last + ': ' + fmtPct(daily.total_pnl_pct) +
        ' over ' + fmtNum(days.length, 0) + ' trading days.',
      series: [{label: 'equity (% of one notional)', cls: 's-equity',
        values: days.map((d) => d.equity_pct)}],
      xLabels: labels, includeZero: true, w: fit('equity', 1000), h: 260, yFmt: (v, d) => fmtNum(v, d)}));
    b.appendChild(lineChart({title: 'Drawdown' + filterDescribe(),
      desc: 'Fall of equity from its running peak, percentage points',
      caption: 'Maximum drawdown ' + fmtNum(daily.max_drawdown_pct, 2) + ' percentage points.',
      series: [{label: 'drawdown (pp below the peak)', cls: 's-dd', area: true,
        values: days.map((d) => -d.drawdown_pct)}],
      xLabels: labels, includeZero: true, w: fit('equity', 1000), h: 150, yFmt: (v, d) => fmtNum(v, d)}));
    setState('equity', 'ready');
  }

  // ---- panel: P&L by month ----------------------------------------------------------------

  function renderMonthly(daily) {
    const b = body('monthly');
    b.replaceChildren();
    const months = daily.months;
    if (!months.length) {
      setState('monthly', 'empty', 'No resolved signal' + filterDescribe() + '.');
      return;
    }
    const best = months.reduce((a, m) => (m.pnl_pct > a.pnl_pct ? m : a), months[0]);
    const worst = months.reduce((a, m) => (m.pnl_pct < a.pnl_pct ? m : a), months[0]);
    const up = months.filter((m) => m.pnl_pct > 0).length;
    b.appendChild(barChart({title: 'Net P&L by month of exit' + filterDescribe(),
      desc: months.length + ' months from ' + months[0].month + ' to ' +
        months[months.length - 1].month,
      caption: up + ' of ' + months.length + ' months positive; best ' + best.month + ' ' +
        fmtPct(best.pnl_pct) + ', worst ' + worst.month + ' ' + fmtPct(worst.pnl_pct) + '.',
      values: months.map((m) => m.pnl_pct), labels: months.map((m) => m.month),
      w: fit('monthly', 800), h: 260, yFmt: (v, d) => fmtNum(v, d)}));
    const rows = months.slice().reverse().map((m) => row(m.month, [
      fig('pnl_pct', m.pnl_pct, fmtPct(m.pnl_pct), m.month),
      fig('resolved', m.resolved, fmtNum(m.resolved, 0), m.month),
      fig('wins', m.wins, fmtNum(m.wins, 0), m.month)], {class: m.pnl_pct < 0 ? 'neg' : 'pos'}));
    b.appendChild(el('details', null, [el('summary', null, 'Every month as a table'),
      table('Net P&L by month, newest first', ['month', 'P&L', 'resolved', 'wins'], rows)]));
    setState('monthly', 'ready');
  }

  // ---- panel: outcomes ---------------------------------------------------------------------

  function outcomeTable(caption, group, doc) {
    const rows = doc.groups.map((g) => row(g.key, [
      fig('signals', g.signals, fmtNum(g.signals, 0), g.key),
      fig('resolved', g.resolved, fmtNum(g.resolved, 0), g.key),
      fig('win_rate', g.win_rate, fmtRate(g.win_rate), g.key),
      fig('expectancy_pct', g.expectancy_pct, fmtPct(g.expectancy_pct), g.key)]));
    if (!rows.length)
      rows.push(el('tr', null, el('td', {colspan: 5}, 'none')));
    return table(caption, [group, 'signals', 'resolved', 'win rate', 'expectancy'], rows,
      {'data-group': group});
  }

  function renderOutcomes(byStrategy, byBucket, byExit) {
    const b = body('outcomes');
    b.replaceChildren();
    const t = byStrategy.total;
    // ok when every signal is covered, gap when some are not (DESIGN's
    // coverage invariant); none when there is no signal to cover
    const cov = t.coverage === null ? 'none' : t.coverage === 1 ? 'ok' : 'gap';
    b.appendChild(el('dl', {class: 'stats'}, [
      stat('Signals', fig('signals', t.signals, fmtNum(t.signals, 0))),
      stat('Open', fig('open', t.open, fmtNum(t.open, 0))),
      stat('Coverage', [fig('coverage', t.coverage,
        t.coverage === null ? '\u2013' : fmtNum(t.coverage * 100, 1) + ' %'), ' ',
      el('span', {class: 'badge ' + (cov === 'gap' ? 'warn' : cov), 'data-field': 'coverage_state',
        'data-value': cov}, {ok: '\u2713 ok', gap: '! gap', none: '\u2013 no signal'}[cov])]),
      stat('Suppressed', fig('suppressed', byStrategy.suppressed,
        fmtNum(byStrategy.suppressed, 0))),
    ]));
    b.appendChild(outcomeTable('By strategy (a signal counts for each strategy that voted for it)',
      'strategy', byStrategy));
    b.appendChild(outcomeTable('By calibrated confidence decile', 'bucket', byBucket));
    b.appendChild(outcomeTable('By exit reason', 'exit', byExit));
    setState('outcomes', 'ready');
  }

  // ---- panel: calibration ------------------------------------------------------------------

  function newestModels(models) {
    const by = new Map();
    for (const m of models) {
      const k = m.scope + (m.symbol ? ':' + m.symbol : '');
      if (!by.has(k) || by.get(k).version < m.version)
        by.set(k, m);
    }
    return [...by.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  }

  // models: the global versions (for the curve over time), latest: the
  // newest version of each scope and symbol (for the table).
  function renderCalibration(report, reportMsg, models, latest) {
    const b = body('calibration');
    b.replaceChildren();
    if (report) {
      const wf = report.walk_forward;
      const rel = wf.reliability;
      b.appendChild(el('dl', {class: 'stats'}, [
        stat('Resolved', fig('resolved_signals', report.resolved_signals,
          fmtNum(report.resolved_signals, 0))),
        stat('Brier (walk-forward)', fig('brier', wf.calibrated.brier, fmtNum(wf.calibrated.brier,
          4), 'walk_forward')),
        stat('ECE (walk-forward)', fig('ece', wf.calibrated.ece, fmtNum(wf.calibrated.ece, 4),
          'walk_forward')),
        stat('ECE raw', fig('ece', wf.raw.ece, fmtNum(wf.raw.ece, 4), 'walk_forward_raw')),
      ]));
      const used = rel.filter((r) => r.raw_count || r.cal_count);
      b.appendChild(el('div', {class: 'pair'}, [
        reliabilityChart({title: 'Reliability diagram (walk-forward)',
          desc: 'Observed win rate against mean predicted confidence per bin, raw and calibrated',
          caption: 'Walk-forward over ' + fmtNum(wf.n, 0) + ' outcomes in ' + used.length +
            ' bins: ECE raw ' + fmtNum(wf.raw.ece, 3) + ', calibrated ' +
            fmtNum(wf.calibrated.ece, 3) + '.',
          series: [
            {label: 'raw confidence', cls: 's-raw', markers: 'circle',
              points: rel.filter((r) => r.raw_count).map((r) => [r.raw_mean_predicted,
                r.raw_observed, r.raw_count])},
            {label: 'calibrated', cls: 's-cal', markers: 'square', labelBelow: true,
              points: rel.filter((r) => r.cal_count).map((r) => [r.cal_mean_predicted,
                r.cal_observed, r.cal_count])}]}),
        table('Reliability bins (walk-forward)', ['bin', 'raw: predicted', 'observed', 'n',
          'calibrated: predicted', 'observed', 'n'], rel.map((r) => {
          const k = String(r.bin);
          return row(fmtNum(r.bin, 1) + '\u2013' + fmtNum(r.bin + 0.1, 1), [
            fig('raw_mean_predicted', r.raw_mean_predicted, fmtNum(r.raw_mean_predicted, 3), k),
            fig('raw_observed', r.raw_observed, fmtNum(r.raw_observed, 3), k),
            fig('raw_count', r.raw_count, fmtNum(r.raw_count, 0), k),
            fig('cal_mean_predicted', r.cal_mean_predicted, fmtNum(r.cal_mean_predicted, 3), k),
            fig('cal_observed', r.cal_observed, fmtNum(r.cal_observed, 3), k),
            fig('cal_count', r.cal_count, fmtNum(r.cal_count, 0), k)]);
        }), {'data-group': 'reliability'})]));
    }
    if (models.length || latest.length) {
      const global = models;
      const shown = global.length ? global : latest;
      b.appendChild(lineChart({title: 'Brier score and ECE by model version',
        desc: (global.length ? 'Global' : 'Every') + ' model version in order, by the day it was trained through',
        caption: shown.length + ' ' + (global.length ? 'global ' : '') + 'model versions; newest ' +
          'v' + shown[shown.length - 1].version + ': Brier ' + fmtNum(shown[shown.length - 1].brier,
          4) + ' (raw ' + fmtNum(shown[shown.length - 1].brier_raw, 4) + '), ECE ' +
          fmtNum(shown[shown.length - 1].ece, 4) + ' (raw ' +
          fmtNum(shown[shown.length - 1].ece_raw, 4) + ').',
        series: [
          {label: 'Brier', cls: 's-brier', markers: 'circle', values: shown.map((m) => m.brier)},
          {label: 'Brier raw', cls: 's-brier raw', markers: 'circle',
            values: shown.map((m) => m.brier_raw)},
          {label: 'ECE', cls: 's-ece', markers: 'square', values: shown.map((m) => m.ece)},
          {label: 'ECE raw', cls: 's-ece raw', markers: 'square',
            values: shown.map((m) => m.ece_raw)}],
        xLabels: shown.map((m) => String(m.trained_through).slice(0, 10)), includeZero: true,
        w: fit('calibration', 1000), h: 200, yFmt: (v, d) => fmtNum(v, d)}));
      b.appendChild(table('Current model versions (newest per scope and symbol)', ['scope',
        'version', 'samples', 'trained through', 'Brier', 'ECE'], newestModels(latest).map(
        ([k, m]) => row(k, [fig('version', m.version, 'v' + m.version, k),
          fig('samples', m.samples, fmtNum(m.samples, 0), k),
          fig('trained_through', m.trained_through, String(m.trained_through).slice(0, 10), k),
          fig('brier', m.brier, fmtNum(m.brier, 4), k),
          fig('ece', m.ece, fmtNum(m.ece, 4), k)])), {'data-group': 'models'}));
    }
    if (!report)
      setState('calibration', 'empty', reportMsg);
    else
      setState('calibration', 'ready');
  }

  // ---- panel: open signals ---------------------------------------------------------------

  let openSignals = new Map(); // id -> signal, shown in the open panel

  function distPct(to, from) {
    return from === null || from === undefined || !from ? null : (to - from) / from * 100;
  }

  function openRow(sg) {
    const id = sg.id;
    const lc = lastClose.has(sg.symbol) ? lastClose.get(sg.symbol) : null;
    const dt = distPct(sg.target, lc);
    const ds = distPct(sg.stop, lc);
    return el('tr', {'data-signal-id': id}, [
      el('th', {scope: 'row'}, String(id)),
      el('td', null, sg.symbol),
      el('td', {class: 'act ' + sg.action.toLowerCase()}, sg.action === 'BUY' ? '\u25b2 BUY' :
        '\u25bc SELL'),
      el('td', null, String(sg.ts).slice(0, 10)),
      el('td', null, fig('entry', sg.entry, fmtNum(sg.entry, 2), id)),
      el('td', null, fig('target', sg.target, fmtNum(sg.target, 2), id)),
      el('td', null, fig('stop', sg.stop, fmtNum(sg.stop, 2), id)),
      el('td', null, fig('last_close', lc, fmtNum(lc, 2), id)),
      el('td', null, fig('to_target_pct', dt, fmtPct(dt), id)),
      el('td', null, fig('to_stop_pct', ds, fmtPct(ds), id))]);
  }

  function renderOpen() {
    const b = body('open');
    b.replaceChildren();
    const list = [...openSignals.values()].sort((a, b) => b.id - a.id);
    b.appendChild(el('p', null, [fig('open', list.length, fmtNum(list.length, 0)),
      ' open signal' + (list.length === 1 ? '' : 's') + filterDescribe() +
      '; distances from the last close to the target and to the stop.']));
    const rows = list.map(openRow);
    if (!rows.length)
      rows.push(el('tr', null, el('td', {colspan: 10}, 'none')));
    b.appendChild(table('Open signals, newest first', ['id', 'symbol', 'action', 'made', 'entry',
      'target', 'stop', 'last close', 'to target', 'to stop'], rows));
    setState('open', list.length ? 'ready' : 'empty', list.length ? '' : 'No open signal.');
  }

  async function loadOpen(gen) {
    const list = await apiAll('/api/v1/signals', {status: 'open', symbol: filter.symbol,
      until: filter.until}, 'signals');
    if (!fresh(gen))
      return;
    openSignals = new Map(list.filter(signalPasses).map((x) => [x.id, x]));
    renderOpen();
  }

  // ---- panel: archive --------------------------------------------------------------------------

  function renderArchive(backups, archive, cost, costMsg) {
    const b = body('archive');
    b.replaceChildren();
    const days = backups.days;
    const bad = days.filter((d) => d.verified === false).length;
    const lp = archive.last_push;
    b.appendChild(el('dl', {class: 'stats'}, [
      stat('Backed-up days', fig('total_days', backups.total_days, fmtNum(backups.total_days, 0))),
      stat('Shown', fig('days', days.length, fmtNum(days.length, 0))),
      stat('Failing verify', fig('failed', bad, fmtNum(bad, 0))),
      stat('Pending tier moves', fig('pending_tier_moves', archive.pending_tier_moves,
        archive.pending_tier_moves === null ? 'no tier folder' : fmtNum(archive.pending_tier_moves,
          0))),
      stat('Last push', lp ? [fig('last_push', lp.at, lp.at), ' (' + lp.day + ', ' +
        fmtBytes(lp.bytes) + ', ' + fmtNum(lp.objects, 0) + ' objects)'] :
        fig('last_push', null, archive.s3 && archive.s3.configured ? 'none yet' : 'no [s3] target')),
    ]));
    const rows = days.slice().sort((a, b) => (a.date < b.date ? 1 : -1)).map((d) => row(d.date, [
      fig('verified', d.verified, d.verified === true ? '\u2713 verified' : d.verified === false ?
        '\u2717 ' + (d.error || 'failed') : 'not checked', d.date, 'span'),
      fig('version', d.version, String(d.version), d.date),
      fig('files', d.files, fmtNum(d.files, 0), d.date),
      fig('bytes', d.bytes, fmtBytes(d.bytes), d.date)],
    {class: d.verified === false ? 'fail' : d.verified ? 'ok' : ''}));
    if (!rows.length)
      rows.push(el('tr', null, el('td', {colspan: 5}, 'no backup')));
    const left = el('div', null, [table('Newest backed-up days', ['day', 'verify', 'version',
      'files', 'size'], rows, {'data-group': 'backups'})]);
    const tiers = archive.tiers.map((t) => row(t.storage_class, [fig('configured', t.configured,
      t.configured ? '\u2713 configured' : '\u2013 not set', t.storage_class)]));
    const lc = archive.lifecycle;
    const right = el('div', null, [
      table('Local tier folders', ['tier', 'folder'], tiers, {'data-group': 'tiers'}),
      table('S3 lifecycle (prefix ' + lc.prefix + ')', ['storage class', 'after'],
        lc.transitions.map((t) => row(t.storage_class, [fig('days', t.days, t.days + ' days',
          t.storage_class)])).concat([row('expiration', [lc.expiration_days === null ? 'never' :
          lc.expiration_days + ' days'])]), {'data-group': 'lifecycle'})]);
    b.appendChild(el('div', {class: 'pair'}, [left, right]));
    if (cost) {
      const ms = cost.months;
      b.appendChild(el('dl', {class: 'stats'}, [
        stat(cost.years + '-year cost, all Standard', fig('total_standard', cost.total_standard,
          fmtUsd(cost.total_standard))),
        stat('tiered', fig('total_tiered', cost.total_tiered, fmtUsd(cost.total_tiered))),
        stat('saving', fig('saving', cost.saving, fmtUsd(cost.saving)))]));
      b.appendChild(lineChart({title: 'Archive cost per month over ' + cost.years + ' years',
        desc: 'US dollars per month, every object kept in Standard against the lifecycle tiers',
        caption: 'Over ' + cost.years + ' years: ' + fmtUsd(cost.total_standard) +
          ' all in Standard, ' + fmtUsd(cost.total_tiered) + ' tiered.',
        series: [{label: 'Standard', cls: 's-std', values: ms.map((m) => m.standard)},
          {label: 'tiered', cls: 's-tier', values: ms.map((m) => m.tiered)}],
        xLabels: ms.map((m) => 'month ' + m.month), includeZero: true, h: 180,
        w: fit('archive', 1000), yFmt: (v, d) => '$' + fmtNum(v, d)}));
    } else {
      b.appendChild(el('p', {class: 'note', 'data-field': 'cost_state', 'data-value': 'empty'},
        'Cost model: ' + costMsg));
    }
    setState('archive', 'ready');
  }

  // ---- panel: health -------------------------------------------------------------------------

  const HEALTH_MARK = {ok: '\u2713 ok', degraded: '! degraded', failing: '\u2717 failing'};

  function renderHealth(rep) {
    const b = body('health');
    b.replaceChildren();
    b.appendChild(el('p', null, ['Level ' + rep.level + ': ', el('span', {class: 'badge ' +
      rep.status, 'data-field': 'status', 'data-key': 'overall', 'data-value': rep.status},
    HEALTH_MARK[rep.status] || rep.status)]));
    b.appendChild(table('Checks', ['check', 'status', 'detail'], rep.checks.map((c) => row(c.name, [
      el('span', {class: 'badge ' + c.status, 'data-field': 'status', 'data-key': c.name,
        'data-value': c.status}, HEALTH_MARK[c.status] || c.status),
      c.detail]))));
    setState('health', 'ready');
  }

  async function loadHealth() {
    // 503 is the answer while a check fails: still a report to show
    const r = await api('/health', {level: 2}, [503]);
    if (!r.body || !Array.isArray(r.body.checks))
      throw new ApiError(r.status, 'no health report (HTTP ' + r.status + ')');
    renderHealth(r.body);
  }

  // ---- loading ---------------------------------------------------------------------------

  // Runs a panel's loader; an error of any kind is shown in that panel.
  async function guard(name, gen, fn, silent) {
    if (!silent)
      setState(name, 'loading', 'Loading\u2026');
    try {
      await fn();
    } catch (e) {
      if (!fresh(gen))
        return;
      if (silent)
        $('.msg', panel(name)).textContent = 'Refresh failed: ' + errText(e);
      else
        setState(name, 'error', errText(e));
    }
  }

  // The panels the filter changes; silent: keep showing the old figures
  // until the new ones are in (a refresh after a stream event).
  function loadFiltered(silent) {
    const gen = generation;
    const fp = filterParams();
    const daily = api('/api/v1/stats/daily', fp);
    const stats = (by) => api('/api/v1/stats', Object.assign({by}, fp));
    const byStrategy = stats('strategy');
    daily.catch(() => {});
    byStrategy.catch(() => {});
    guard('equity', gen, async () => {
      const [d, st] = await Promise.all([daily, byStrategy]);
      if (fresh(gen))
        renderEquity(d.body, st.body);
    }, silent);
    guard('monthly', gen, async () => {
      const d = await daily;
      if (fresh(gen))
        renderMonthly(d.body);
    }, silent);
    guard('outcomes', gen, async () => {
      const [a, bk, ex] = await Promise.all([byStrategy, stats('bucket'), stats('exit')]);
      if (fresh(gen))
        renderOutcomes(a.body, bk.body, ex.body);
    }, silent);
    guard('open', gen, () => loadSymbols().then(() => loadOpen(gen)), silent);
  }

  async function loadSymbols() {
    const r = await api('/api/v1/symbols');
    symbols = r.body.symbols || [];
    lastClose.clear();
    for (const x of symbols) {
      if (x.last_close !== undefined && x.last_close !== null)
        lastClose.set(x.symbol, x.last_close);
    }
    const sel = $('#f-symbol');
    for (const x of symbols)
      ensureSymbolOption(x.symbol);
    sel.value = filter.symbol;
  }

  function loadFixed() {
    const gen = generation;
    guard('calibration', gen, async () => {
      // not every version: a store of 500 symbols has thousands
      const [rep, glob, lat] = await Promise.all([api('/api/v1/calibration/report', null, [409]),
        api('/api/v1/calibration/models', {scope: 'global'}),
        api('/api/v1/calibration/models', {latest: 'true'})]);
      const models = glob.body.models || [];
      const latest = lat.body.models || [];
      if (rep.status === 409) {
        const m = rep.body && rep.body.error ? rep.body.error.message : 'too few outcomes';
        renderCalibration(null, 'No calibration report yet: ' + m, models, latest);
      } else {
        renderCalibration(rep.body, '', models, latest);
      }
    });
    guard('archive', gen, async () => {
      const [bk, ar, co] = await Promise.all([api('/api/v1/backups', {verify: 'true', limit: 30}),
        api('/api/v1/archive'), api('/api/v1/archive/cost', {years: 7}, [409])]);
      renderArchive(bk.body, ar.body, co.status === 409 ? null : co.body, 'no backups to size from');
    });
    guard('health', gen, loadHealth);
    api('/api/v1/version').then((r) => {
      $('[data-field="version"]').textContent = 'argo ' + r.body.argo + ', API ' + r.body.api;
    }, () => {});
  }

  // After stream events: refresh the figures they change, at most once a
  // second.
  let refreshTimer = null;
  let refreshOpenTimer = null;

  function scheduleRefresh() {
    if (refreshTimer)
      return;
    refreshTimer = setTimeout(() => {
      refreshTimer = null;
      loadFiltered(true);
    }, 1000);
  }

  function scheduleOpenRefresh() {
    if (refreshOpenTimer)
      return;
    refreshOpenTimer = setTimeout(() => {
      refreshOpenTimer = null;
      const gen = generation;
      guard('open', gen, () => loadSymbols().then(() => loadOpen(gen)), true);
    }, 500);
  }

  // ---- panel: live (the stream client) ---------------------------------------------------

  const stream = {ws: null, lastSeq: null, backoff: 500, timer: null, connected: false,
    stopped: false};

  function setStreamState(st) {
    const e = $('[data-field="stream_state"]');
    e.textContent = st;
    e.dataset.value = st;
    e.className = 'state ' + st;
  }

  function showSeq() {
    const e = $('[data-field="last_seq"]');
    e.textContent = stream.lastSeq === null ? '\u2013' : String(stream.lastSeq);
    e.dataset.value = stream.lastSeq === null ? 'null' : String(stream.lastSeq);
  }

  function liveBody() {
    const b = body('live');
    let tb = $('tbody', b);
    if (!tb) {
      b.appendChild(table('Newest signals from the stream (at most ' + LIVE_MAX + ')', ['id',
        'seq', 'symbol', 'action', 'made', 'confidence', 'entry', 'status'], []));
      tb = $('tbody', b);
    }
    return tb;
  }

  function liveRow(seq, sg) {
    return el('tr', {'data-signal-id': sg.id, 'data-seq': seq}, [
      el('th', {scope: 'row'}, String(sg.id)),
      el('td', null, fig('seq', seq, String(seq), sg.id)),
      el('td', null, sg.symbol),
      el('td', {class: 'act ' + sg.action.toLowerCase()}, sg.action === 'BUY' ? '\u25b2 BUY' :
        '\u25bc SELL'),
      el('td', null, String(sg.ts).slice(0, 10)),
      el('td', null, fig('confidence', sg.confidence, fmtNum(sg.confidence * 100, 1) + ' %',
        sg.id)),
      el('td', null, fig('entry', sg.entry, fmtNum(sg.entry, 2), sg.id)),
      el('td', {class: 'status'}, fig('status', sg.status, sg.status, sg.id))]);
  }

  function onSignalEvent(seq, sg) {
    if (!signalPasses(sg))
      return;
    const tb = liveBody();
    const old = $('tr[data-signal-id="' + sg.id + '"]', tb);
    if (old)
      old.remove();
    tb.insertBefore(liveRow(seq, sg), tb.firstChild);
    while (tb.children.length > LIVE_MAX)
      tb.lastChild.remove();
    if (sg.status === 'OPEN') {
      openSignals.set(sg.id, sg);
      renderOpen();
      scheduleOpenRefresh(); // the last close of its symbol moved
    }
  }

  function onOutcomeEvent(seq, sg) {
    const tr = $('tr[data-signal-id="' + sg.id + '"]', body('live'));
    if (tr) {
      const cell = $('td.status', tr);
      cell.replaceChildren(fig('status', sg.status, sg.status + ' ' + fmtPct(sg.pnl_pct), sg.id));
    }
    if (openSignals.delete(sg.id))
      renderOpen();
    scheduleRefresh();
  }

  function onStreamMessage(ev) {
    let m;
    try {
      m = JSON.parse(ev.data);
    } catch (e) {
      return;
    }
    if (!m || typeof m !== 'object')
      return;
    if (m.type === 'authenticated') {
      const sub = {type: 'subscribe', channels: ['signals', 'outcomes', 'health']};
      if (stream.lastSeq !== null)
        sub.resume_from = stream.lastSeq;
      stream.ws.send(JSON.stringify(sub));
    } else if (m.type === 'subscribed') {
      delete panel('live').dataset.retryMs;
      if (stream.lastSeq === null)
        stream.lastSeq = m.from;
      stream.connected = true;
      stream.backoff = 500;
      showSeq();
      setStreamState('live');
      liveBody();
      setState('live', 'ready');
    } else if (m.type === 'event') {
      if (stream.lastSeq !== null && m.seq <= stream.lastSeq)
        return; // seen already
      stream.lastSeq = m.seq;
      showSeq();
      if (m.channel === 'signals')
        onSignalEvent(m.seq, m.data);
      else if (m.channel === 'outcomes')
        onOutcomeEvent(m.seq, m.data);
      else if (m.channel === 'health' && m.data && Array.isArray(m.data.checks))
        renderHealth(m.data);
    } else if (m.type === 'heartbeat') {
      if (typeof m.seq === 'number')
        stream.lastSeq = m.seq;
      showSeq();
    } else if (m.type === 'error') {
      $('.msg', panel('live')).textContent = 'Stream: ' + (m.message || m.code);
    }
  }

  function streamConnect() {
    stream.timer = null;
    if (stream.stopped || !apiKey)
      return;
    setStreamState(stream.connected || stream.lastSeq !== null ? 'reconnecting' : 'connecting');
    const proto = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
    let ws;
    try {
      ws = new WebSocket(proto + '//' + window.location.host + '/api/v1/stream');
    } catch (e) {
      streamRetry('the stream could not be opened');
      return;
    }
    stream.ws = ws;
    ws.onopen = () => ws.send(JSON.stringify({type: 'auth', key: apiKey}));
    ws.onmessage = onStreamMessage;
    ws.onerror = () => {}; // onclose follows and says what to do
    ws.onclose = (ev) => {
      if (stream.ws !== ws)
        return;
      stream.ws = null;
      const m = /resume_from=(\d+)/.exec(ev.reason || '');
      if (m && stream.lastSeq === null)
        stream.lastSeq = Number(m[1]);
      if (ev.code === 1008 && /key/.test(ev.reason || '') && !/revoked; resume/.test(ev.reason)) {
        setStreamState('reconnecting');
        setState('live', 'error', 'Stream refused: ' + ev.reason);
      }
      streamRetry(ev.reason || ('closed (' + ev.code + ')'));
    };
  }

  function streamRetry(why) {
    if (stream.stopped)
      return;
    setStreamState('reconnecting');
    const live = panel('live');
    live.dataset.retryMs = String(stream.backoff);
    if (live.dataset.state === 'loading')
      setState('live', 'error', 'Stream: ' + why + '; retrying');
    else
      $('.msg', live).textContent = 'Stream dropped (' + why + '); resuming from seq ' +
        (stream.lastSeq === null ? '(start)' : stream.lastSeq) + ' in ' +
        (stream.backoff / 1000) + ' s';
    stream.timer = setTimeout(() => {
      $('.msg', live).textContent = '';
      streamConnect();
    }, stream.backoff);
    stream.backoff = Math.min(8000, stream.backoff * 2);
  }

  function streamStop() {
    stream.stopped = true;
    if (stream.timer)
      clearTimeout(stream.timer);
    stream.timer = null;
    if (stream.ws) {
      const ws = stream.ws;
      stream.ws = null;
      ws.close(1000);
    }
  }

  // ---- start -----------------------------------------------------------------------------------

  function reloadAll() {
    generation++;
    authFailed = false;
    loadFiltered(false);
    loadFixed();
  }

  function onFilterChange() {
    filter.symbol = $('#f-symbol').value;
    filter.strategy = $('#f-strategy').value;
    filter.since = $('#f-since').value;
    filter.until = $('#f-until').value;
    writeFilterToUrl();
    delete document.documentElement.dataset.loaded;
    generation++;
    loadFiltered(false);
    // the live table shows the filtered stream from here on
    body('live').replaceChildren();
    liveBody();
  }

  function noKey(why) {
    showKeyForm(why);
    for (const n of PANELS)
      setState(n, 'empty', 'No key: enter one above.');
    setStreamState('connecting');
  }

  function start() {
    readFilterFromUrl();
    const form = $('#filters');
    form.addEventListener('change', onFilterChange);
    form.addEventListener('submit', (e) => e.preventDefault());
    form.addEventListener('reset', () => setTimeout(onFilterChange, 0));
    $('#keyform').addEventListener('submit', (e) => {
      e.preventDefault();
      const k = $('#key-input').value.trim();
      if (!k)
        return;
      apiKey = k;
      storageSet(k);
      $('#keyform').hidden = true;
      $('#key-input').value = '';
      streamStop();
      stream.stopped = false;
      delete document.documentElement.dataset.loaded;
      reloadAll();
      streamConnect();
    });
    apiKey = readKey();
    if (!apiKey) {
      noKey('The dashboard needs a read key (argo keys add --role read).');
      return;
    }
    reloadAll();
    streamConnect();
  }

  if (document.readyState === 'loading')
    document.addEventListener('DOMContentLoaded', start);
  else
    start();
})();
