// SPDX-License-Identifier: MIT
// The peer of bench/bench_fanout.sh: a Node broadcast server on the npm
// ws package (pinned in bench/package.json) doing argo serve's fan-out
// with the same clients (bench_fanout_client) and the same messages.
// Usage: node bench_fanout_peer.mjs PORT EVENTS_FILE
//   WebSocket at ws://127.0.0.1:PORT/api/v1/stream: a client's subscribe
//   message is answered {"type":"subscribed",...}, as argo does.
//   POST /publish: one cycle. The messages of EVENTS_FILE (one per line,
//   argo's event messages as a client received them) are stamped with
//   the cycle's time in "logged_at" (the commit time a client measures
//   from) and each is sent to every client in ws's broadcast idiom
//   (wss.clients.forEach(c => c.send(data))). The answer is sent once
//   every send has been queued.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, 'package.json'));
const { WebSocketServer, WebSocket } = require('ws');

const [port, file] = process.argv.slice(2);
const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.length);
// each message as the text before and after its logged_at value
const parts = lines.map((l) => {
  const m = /"logged_at":\d+/.exec(l);
  if (!m) throw new Error('no logged_at in ' + l.slice(0, 80));
  return [l.slice(0, m.index + 12), l.slice(m.index + m[0].length)];
});

const server = createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/publish') {
    const t0 = String(Date.now());
    let sent = 0;
    for (const [a, b] of parts) {
      const data = a + t0 + b;
      wss.clients.forEach((c) => {
        if (c.readyState === WebSocket.OPEN) {
          c.send(data);
          sent++;
        }
      });
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`${sent}\n`);
    return;
  }
  res.writeHead(404);
  res.end();
});
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
server.on('upgrade', (req, sock, head) => {
  if (req.url !== '/api/v1/stream') {
    sock.destroy();
    return;
  }
  wss.handleUpgrade(req, sock, head, (ws) => {
    ws.on('message', (m) => {
      let o;
      try {
        o = JSON.parse(m.toString());
      } catch {
        return;
      }
      if (o.type === 'subscribe')
        ws.send(JSON.stringify({ type: 'subscribed', from: 0, last: 0, channels: ['signals'] }));
    });
  });
});
server.maxConnections = 20000;
server.listen(Number(port), '127.0.0.1', () => console.log('LISTENING'));
