// The bare relay: the least a signalling server can do. It serves the baseline page at `/` and,
// on `/relay?id=…`, forwards every text frame verbatim to the socket of its `to` (read from the
// JSON, nothing else checked), holding frames for an id that has not connected yet. No identity,
// no topology, no validation: the floor for "a server in the middle".
// Usage: node bare-relay.mjs PORT. Prints "bare-relay ready". Plain JavaScript: runs without tsx.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';

const port = Number(process.argv[2]);
const page = `<!doctype html><meta charset="utf-8"><title>bare relay peer</title><body><script>${readFileSync(new URL('./inpage/bare-peer.js', import.meta.url), 'utf8')}</script>`;
const sockets = new Map();
const held = new Map();

const server = createServer((req, res) => {
  if (new URL(req.url, 'http://x').pathname !== '/') return res.writeHead(404).end();
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
});
const wss = new WebSocketServer({ server, path: '/relay' });
wss.on('connection', (ws, req) => {
  const id = new URL(req.url, 'http://x').searchParams.get('id');
  sockets.set(id, ws);
  for (const text of held.get(id) ?? []) ws.send(text);
  held.delete(id);
  ws.on('message', (data) => {
    const text = data.toString();
    const to = JSON.parse(text).to;
    const target = sockets.get(to);
    if (target) target.send(text);
    else held.set(to, [...(held.get(to) ?? []), text]);
  });
  ws.on('close', () => sockets.get(id) === ws && sockets.delete(id));
});
server.listen(port, '127.0.0.1', () => console.log('bare-relay ready'));
process.on('SIGTERM', () => process.exit(0));
