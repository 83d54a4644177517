/**
 * Bots joined to one Wisp cell over its public API (docs/protocol.md): `/api/discover`, the cell
 * WebSocket, a signed `join`, then `signal` to the neighbours the cell assigned. Signals are read
 * with a bare JSON.parse (as for PeerServer) so both servers cost the bots the same.
 */
import WebSocket from 'ws';
import type { LatLng } from '../../core/geo';
import { exportPublicKey, generateIdentityKeys, peerIdFromPublicKey, sign, toBase64url } from '../../core/identity';
import { PING, joinPayload, parseServerMessage, type ClientMessage, type DiscoverResponse } from '../../core/protocol';
import { indexGraph } from './graph';
import { KEEPALIVE_MS, NO_HANDLERS, mapLimit, type BotNet, type NetHandlers } from './net';
import { stampText, type Signal } from './traffic';

const JOIN_TIMEOUT_MS = 15_000;
const JOIN_CONCURRENCY = 8;
/** Neighbour sets are settled once no `welcome`/`neighbours` arrived for this long… */
const SETTLE_QUIET_MS = 1_000;
/** …or, at the latest, after this long. */
const SETTLE_MAX_MS = 30_000;

export interface WispNet extends BotNet {
  cell: string;
  /** Directed neighbour edges; ids assigned outside the bots; a→b without b→a. */
  graph: { edges: number; foreign: number; asymmetric: number };
  /** `welcome`/`neighbours` messages after the graph was frozen (a stable cell sends none). */
  topologyChanges(): number;
}

interface Bot {
  id: string;
  ws: WebSocket;
  neighbours: Set<string>;
}

/**
 * Joins one bot per position, all of which must discover to the same cell; resolves once the
 * cell's neighbour sets have settled.
 */
export async function joinWisp(origin: string, positions: readonly LatLng[]): Promise<WispNet> {
  let handlers: NetHandlers = NO_HANDLERS;
  let lastChange = performance.now();
  let frozen = false;
  let changesAfterFreeze = 0;
  let closed = 0;
  const onTopology = (): void => {
    lastChange = performance.now();
    if (frozen) changesAfterFreeze++;
  };

  const bots = await mapLimit(positions, JOIN_CONCURRENCY, async (pos, i) => {
    const discover = (await (await fetch(`${origin}/api/discover?lat=${pos.lat}&lng=${pos.lng}`)).json()) as DiscoverResponse;
    const keys = await generateIdentityKeys();
    const raw = await exportPublicKey(keys.publicKey);
    const id = await peerIdFromPublicKey(raw);
    const ws = new WebSocket(discover.websocket, { perMessageDeflate: false });
    const bot: Bot & { cell: string } = { id, ws, neighbours: new Set(), cell: discover.cell };
    let welcomed = false;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`wisp bot ${i}: no welcome within ${JOIN_TIMEOUT_MS} ms`)), JOIN_TIMEOUT_MS);
      ws.once('error', reject);
      ws.on('close', () => closed++);
      ws.on('message', (data) => {
        const at = performance.now();
        const text = data.toString();
        if (text === 'pong') return;
        let m: { type?: unknown; from?: unknown; code?: unknown };
        try {
          m = JSON.parse(text) as typeof m;
        } catch {
          return handlers.error(i, 'bad_frame');
        }
        // The hot path: a relayed signal. Everything else goes through the real validator.
        if (m.type === 'signal') return handlers.signal(i, String(m.from), stampText(m as Parameters<typeof stampText>[0]), at);
        const parsed = parseServerMessage(text);
        if (!parsed.ok) return handlers.error(i, `client:${parsed.code}`);
        const msg = parsed.msg;
        switch (msg.type) {
          case 'challenge': {
            void sign(keys.privateKey, joinPayload(msg.challenge, discover.cell, discover.position)).then((sig) =>
              ws.send(JSON.stringify({ type: 'join', id, publicKey: toBase64url(raw), signature: toBase64url(sig), position: discover.position } satisfies ClientMessage)),
            );
            return;
          }
          case 'welcome':
            welcomed = true;
            bot.neighbours = new Set(msg.neighbours.map((n) => n.id));
            onTopology();
            clearTimeout(timer);
            return resolve();
          case 'neighbours':
            for (const n of msg.add) bot.neighbours.add(n.id);
            for (const r of msg.remove) bot.neighbours.delete(r);
            return onTopology();
          case 'error':
            if (!welcomed) {
              clearTimeout(timer);
              return reject(new Error(`wisp bot ${i}: ${msg.code} ${msg.message}`));
            }
            return handlers.error(i, msg.code);
          case 'token':
            return;
          case 'signal': // taken by the hot path above
            return handlers.signal(i, msg.from, stampText(msg), at);
          default:
            msg satisfies never;
        }
      });
    });
    return bot;
  });

  const cells = new Set(bots.map((b) => b.cell));
  if (cells.size !== 1) throw new Error(`bots landed in ${cells.size} cells (${[...cells].join(', ')}); the bench needs one`);
  const settleEnd = performance.now() + SETTLE_MAX_MS;
  while (performance.now() - lastChange < SETTLE_QUIET_MS && performance.now() < settleEnd) await new Promise((r) => setTimeout(r, 100));
  frozen = true;

  const ids = bots.map((b) => b.id);
  const graph = indexGraph(ids, bots.map((b) => [...b.neighbours]));
  const keepalive = setInterval(() => {
    for (const b of bots) if (b.ws.readyState === WebSocket.OPEN) b.ws.send(PING);
  }, KEEPALIVE_MS);

  return {
    server: 'wisp',
    cell: [...cells][0]!,
    ids,
    neighbours: graph.neighbours,
    graph: { edges: graph.edges, foreign: graph.foreign, asymmetric: graph.asymmetric },
    get handlers() {
      return handlers;
    },
    set handlers(h: NetHandlers) {
      handlers = h;
    },
    send(from: number, to: number, signal: Signal): void {
      const msg = { type: 'signal', to: ids[to]!, ...signal } satisfies ClientMessage;
      bots[from]!.ws.send(JSON.stringify(msg));
    },
    buffered: () => bots.reduce((n, b) => n + b.ws.bufferedAmount, 0),
    closed: () => closed,
    topologyChanges: () => changesAfterFreeze,
    async close(): Promise<void> {
      clearInterval(keepalive);
      for (const b of bots) b.ws.terminate();
    },
  };
}
