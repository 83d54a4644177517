/**
 * The same bots (same ids, same neighbour pairs) on PeerServer, speaking its WebSocket protocol as
 * the PeerJS client does (read from node_modules/peer/dist/module.mjs, peer 1.0.2):
 *
 * - connect to `ws://HOST/PATH/peerjs?key=peerjs&id=ID&token=TOKEN`; the server answers `{type:"OPEN"}`;
 * - send `{type: "OFFER"|"ANSWER"|"CANDIDATE", dst, payload}`; the server sets `src` and forwards
 *   `{type, src, dst, payload}` to `dst` (or queues it for 5 s if `dst` is not connected);
 * - `{type: "HEARTBEAT"}` at least every 90 s (alive_timeout).
 *
 * PeerJS puts `{sdp, type: "data", connectionId}` or `{candidate, type, connectionId}` in the
 * payload. A Wisp candidate batch travels as one CANDIDATE with `candidates: [...]`, so both
 * servers relay the same number of messages with the same SDP/candidate bytes (PeerJS itself
 * would send one CANDIDATE per candidate: more messages than Wisp for the same handshake).
 */
import WebSocket from 'ws';
import { KEEPALIVE_MS, NO_HANDLERS, mapLimit, type BotNet, type NetHandlers } from './net';
import { stampText, type Signal } from './traffic';

const CONNECT_TIMEOUT_MS = 10_000;
const CONNECT_CONCURRENCY = 16;
const KEY = 'peerjs';

/** `OFFER`/`ANSWER`/`CANDIDATE` carry signals; anything else the server sends counts as an error. */
const SIGNAL_TYPES = new Set(['OFFER', 'ANSWER', 'CANDIDATE']);

interface PeerServerFrame {
  type?: unknown;
  src?: unknown;
  payload?: { sdp?: { sdp?: unknown }; candidates?: unknown; msg?: unknown };
}

/** Connects one PeerServer client per id and loads them with `neighbours` (indices into `ids`). */
export async function connectPeerServer(port: number, path: string, ids: readonly string[], neighbours: readonly (readonly number[])[]): Promise<BotNet> {
  let handlers: NetHandlers = NO_HANDLERS;
  let closed = 0;
  const base = `ws://127.0.0.1:${port}${path.replace(/\/$/, '')}/peerjs`;
  const sockets = await mapLimit(ids, CONNECT_CONCURRENCY, async (id, i) => {
    const token = Math.random().toString(36).slice(2, 12);
    const ws = new WebSocket(`${base}?key=${KEY}&id=${encodeURIComponent(id)}&token=${token}`, { perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      let open = false;
      const timer = setTimeout(() => reject(new Error(`peerserver bot ${i}: no OPEN within ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
      ws.once('error', reject);
      ws.on('close', () => closed++);
      ws.on('message', (data) => {
        const at = performance.now();
        let m: PeerServerFrame;
        try {
          m = JSON.parse(data.toString()) as PeerServerFrame;
        } catch {
          return handlers.error(i, 'bad_frame');
        }
        if (typeof m.type === 'string' && SIGNAL_TYPES.has(m.type)) {
          const p = m.payload ?? {};
          return handlers.signal(i, String(m.src), stampText({ description: p.sdp, candidates: p.candidates }), at);
        }
        if (m.type === 'OPEN' && !open) {
          open = true;
          clearTimeout(timer);
          return resolve();
        }
        if (!open) {
          clearTimeout(timer);
          return reject(new Error(`peerserver bot ${i}: ${String(m.type)} ${JSON.stringify(m.payload ?? {})}`));
        }
        handlers.error(i, String(m.type)); // ERROR, EXPIRE, LEAVE, ID-TAKEN
      });
    });
    return ws;
  });

  const keepalive = setInterval(() => {
    for (const ws of sockets) if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'HEARTBEAT' }));
  }, KEEPALIVE_MS);

  return {
    server: 'peerserver',
    ids,
    neighbours,
    get handlers() {
      return handlers;
    },
    set handlers(h: NetHandlers) {
      handlers = h;
    },
    send(from: number, to: number, signal: Signal): void {
      const connectionId = `dc_${from}_${to}`;
      const frame = signal.description
        ? { type: signal.description.type === 'offer' ? 'OFFER' : 'ANSWER', dst: ids[to], payload: { sdp: signal.description, type: 'data', connectionId } }
        : { type: 'CANDIDATE', dst: ids[to], payload: { candidates: signal.candidates, type: 'data', connectionId } };
      sockets[from]!.send(JSON.stringify(frame));
    },
    buffered: () => sockets.reduce((n, ws) => n + ws.bufferedAmount, 0),
    closed: () => closed,
    async close(): Promise<void> {
      clearInterval(keepalive);
      for (const ws of sockets) ws.terminate();
    },
  };
}
