/**
 * The bots on the floor relay (floor-worker.js): one socket per id at `/connect?id=ID`, Wisp's
 * framing (`{type: "signal", to, …}` out, `{type: "signal", from, …}` in), no join.
 */
import WebSocket from 'ws';
import { NO_HANDLERS, mapLimit, type BotNet, type NetHandlers } from './net';
import { stampText, type Signal } from './traffic';

const CONNECT_CONCURRENCY = 16;

export async function connectFloor(origin: string, ids: readonly string[], neighbours: readonly (readonly number[])[]): Promise<BotNet> {
  let handlers: NetHandlers = NO_HANDLERS;
  let closed = 0;
  const base = origin.replace(/^http/, 'ws');
  const sockets = await mapLimit(ids, CONNECT_CONCURRENCY, async (id, i) => {
    const ws = new WebSocket(`${base}/connect?id=${encodeURIComponent(id)}`, { perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.on('close', () => closed++);
    ws.on('message', (data) => {
      const at = performance.now();
      let m: { type?: unknown; from?: unknown };
      try {
        m = JSON.parse(data.toString()) as typeof m;
      } catch {
        return handlers.error(i, 'bad_frame');
      }
      if (m.type === 'signal') handlers.signal(i, String(m.from), stampText(m as Parameters<typeof stampText>[0]), at);
      else handlers.error(i, String(m.type));
    });
    return ws;
  });
  // The floor closes nothing for silence: no keep-alive needed.
  return {
    server: 'floor',
    ids,
    neighbours,
    get handlers() {
      return handlers;
    },
    set handlers(h: NetHandlers) {
      handlers = h;
    },
    send(from: number, to: number, signal: Signal): void {
      sockets[from]!.send(JSON.stringify({ type: 'signal', to: ids[to], ...signal }));
    },
    buffered: () => sockets.reduce((n, ws) => n + ws.bufferedAmount, 0),
    closed: () => closed,
    async close(): Promise<void> {
      for (const ws of sockets) ws.terminate();
    },
  };
}
