/**
 * CellTransport against a real HTTP + WebSocket server on 127.0.0.1 that speaks the cell's side
 * of the protocol and verifies the join signature with core's verifier.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer, type WebSocket as ServerSocket } from 'ws';
import { fromBase64url, peerIdFromPublicKey, verifySignature } from '../../core/identity';
import { LIMITS, joinPayload, parseClientMessage, type DiscoverResponse, type ServerMessage } from '../../core/protocol';
import { loadIdentity } from '../../client/identity/identity';
import { connectCell, type CellTransport, type WebSocketLike } from '../../client/signaling/cell-socket';
import { parseDiscoverResponse } from '../../client/signaling/discover';
import type { TransportState } from '../../client/signaling/transport';
import { waitFor } from './helpers';

const CELL = 'r12c34';
const POSITION = { lat: 48.9, lng: 2.3 };

interface FakeCell {
  origin: string;
  discovers: number;
  sockets: ServerSocket[];
  joins: Array<{ id: string; verified: boolean; position: unknown }>;
  pings: number;
  /** The query string of the last discover request. */
  lastQuery: string;
  /** When false, the cell never sends a challenge (to test the join timeout). */
  challenge: boolean;
  close(): Promise<void>;
}

let cell: FakeCell | null = null;
let transport: CellTransport | null = null;

afterEach(async () => {
  transport?.close();
  transport = null;
  await cell?.close();
  cell = null;
});

async function startCell(): Promise<FakeCell> {
  const http: Server = createServer();
  const wss = new WebSocketServer({ server: http, path: '/ws' });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const port = (http.address() as AddressInfo).port;
  const c: FakeCell = {
    origin: `http://127.0.0.1:${port}`,
    discovers: 0,
    sockets: [],
    joins: [],
    pings: 0,
    lastQuery: '',
    challenge: true,
    close: async () => {
      for (const s of wss.clients) s.terminate();
      await new Promise((r) => wss.close(r));
      await new Promise((r) => http.close(r));
    },
  };
  http.on('request', (req, res) => {
    const url = new URL(req.url ?? '/', c.origin);
    if (url.pathname !== '/api/discover') return void res.writeHead(404).end();
    c.discovers++;
    c.lastQuery = url.search;
    const body: DiscoverResponse = {
      protocol: 1, cell: CELL, position: POSITION, source: 'query', websocket: `ws://127.0.0.1:${port}/ws`,
      cellDeg: 1, maxDegree: 16, limits: LIMITS,
    };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  wss.on('connection', (ws) => {
    c.sockets.push(ws);
    const challenge = `ch-${c.sockets.length}`;
    if (c.challenge) ws.send(JSON.stringify({ type: 'challenge', protocol: 1, cell: CELL, challenge, limits: LIMITS } satisfies ServerMessage));
    ws.on('message', async (data) => {
      const text = data.toString();
      if (text === 'ping') {
        c.pings++;
        return ws.send('pong');
      }
      const parsed = parseClientMessage(text);
      if (!parsed.ok || parsed.msg.type !== 'join') return;
      const m = parsed.msg;
      const pub = fromBase64url(m.publicKey)!;
      const verified = (await peerIdFromPublicKey(pub)) === m.id && (await verifySignature(pub, fromBase64url(m.signature)!, joinPayload(challenge, CELL, m.position)));
      c.joins.push({ id: m.id, verified, position: m.position });
      const welcome: ServerMessage = { type: 'welcome', id: m.id, cell: CELL, position: m.position, neighbours: [], token: 'tok', tokenExpiresAt: Math.floor(Date.now() / 1000) + 900 };
      ws.send(JSON.stringify(welcome));
    });
  });
  return c;
}

async function open(c: FakeCell, extra: { joinTimeoutMs?: number } = {}): Promise<{ t: CellTransport; states: TransportState[]; msgs: ServerMessage[] }> {
  const identity = await loadIdentity({ indexedDB: null });
  const t = connectCell({
    origin: c.origin,
    identity,
    position: { lat: 48.93, lng: 2.31 },
    createSocket: (url) => new WebSocket(url) as unknown as WebSocketLike,
    backoff: { baseMs: 20, maxMs: 100 },
    pingIntervalMs: 50,
    ...extra,
  });
  transport = t;
  const states: TransportState[] = [];
  const msgs: ServerMessage[] = [];
  t.onState((s) => states.push(s));
  t.onMessage((m) => msgs.push(m));
  return { t, states, msgs };
}

describe('connectCell() against a real WebSocket server', () => {
  it('discovers, answers the challenge with a valid signature, and joins', async () => {
    cell = await startCell();
    const { t, states, msgs } = await open(cell);
    await waitFor('joined', () => t.state === 'joined');
    expect(states).toEqual(['joined']);
    expect(cell.joins).toHaveLength(1);
    expect(cell.joins[0]!.verified).toBe(true);
    expect(cell.joins[0]!.position).toEqual(POSITION); // exactly the discover answer's position
    expect(msgs[0]).toMatchObject({ type: 'welcome', cell: CELL });
    expect(t.discovery?.cell).toBe(CELL);
    expect(cell.lastQuery).toBe('?lat=48.93&lng=2.31');
    await waitFor('keep-alive pings', () => cell!.pings >= 2);
    expect(msgs.filter((m) => m.type === 'error')).toEqual([]); // `pong` is not mistaken for a bad frame
  });

  it('re-discovers and re-joins after the socket drops', async () => {
    cell = await startCell();
    const { t, states } = await open(cell);
    await waitFor('joined', () => t.state === 'joined');
    expect(t.send({ type: 'leave' })).toBe(true);
    cell.sockets[0]!.terminate();
    await waitFor('reconnecting', () => t.state === 'reconnecting');
    expect(t.send({ type: 'leave' })).toBe(false);
    await waitFor('joined again', () => t.state === 'joined' && cell!.joins.length === 2);
    expect(states).toEqual(['joined', 'reconnecting', 'joined']);
    expect(cell.discovers).toBe(2);
    expect(cell.joins.every((j) => j.verified)).toBe(true);
  });

  it('reports a malformed server frame as an error and stays connected', async () => {
    cell = await startCell();
    const { t, msgs } = await open(cell);
    await waitFor('joined', () => t.state === 'joined');
    cell.sockets[0]!.send('{not json');
    cell.sockets[0]!.send(JSON.stringify({ type: 'neighbours', add: [{ id: 'short' }], remove: [] }));
    await waitFor('two errors', () => msgs.filter((m) => m.type === 'error').length === 2);
    expect(msgs.filter((m) => m.type === 'error').map((m) => (m as { code: string }).code)).toEqual(['bad_json', 'bad_message']);
    expect(t.state).toBe('joined');
  });

  it('stops for good when the server says the id was taken over (`replaced`)', async () => {
    cell = await startCell();
    const { t, states } = await open(cell);
    await waitFor('joined', () => t.state === 'joined');
    cell.sockets[0]!.send(JSON.stringify({ type: 'error', code: 'replaced', message: 'another socket joined with this id' }));
    await waitFor('closed', () => t.state === 'closed');
    await new Promise((r) => setTimeout(r, 200));
    expect(states).toEqual(['joined', 'closed']);
    expect(cell.discovers).toBe(1);
  });

  it('gives up on a socket that never sends a challenge and tries again', async () => {
    cell = await startCell();
    cell.challenge = false;
    const { t } = await open(cell, { joinTimeoutMs: 100 });
    await waitFor('a second attempt', () => cell!.sockets.length >= 2);
    cell.challenge = true;
    await waitFor('joined at last', () => t.state === 'joined');
  });
});

describe('connectCell() before its identity or its listener is ready', () => {
  it('takes the identity as a promise: discovers and opens the socket meanwhile, signs once it resolves', async () => {
    cell = await startCell();
    let resolve!: (id: Awaited<ReturnType<typeof loadIdentity>>) => void;
    const slow = new Promise<Awaited<ReturnType<typeof loadIdentity>>>((r) => (resolve = r));
    const t = connectCell({ origin: cell.origin, identity: slow, position: { lat: 48.93, lng: 2.31 }, createSocket: (url) => new WebSocket(url) as unknown as WebSocketLike });
    transport = t;
    await waitFor('the socket to open before the identity exists', () => cell!.sockets.length === 1);
    expect(cell.discovers).toBe(1);
    expect(cell.joins).toHaveLength(0);
    resolve(await loadIdentity({ indexedDB: null }));
    await waitFor('joined', () => t.state === 'joined');
    expect(cell.joins[0]!.verified).toBe(true);
  });

  it('keeps what happened before the first listener for it (an offline discover fails at once)', async () => {
    const identity = await loadIdentity({ indexedDB: null });
    const offline = (async () => {
      throw new TypeError('Failed to fetch');
    }) as unknown as typeof fetch;
    const t = connectCell({ origin: 'http://127.0.0.1:9', identity, fetch: offline, backoff: { baseMs: 60_000, maxMs: 60_000 } });
    transport = t;
    await new Promise((r) => setTimeout(r, 50));
    const msgs: ServerMessage[] = [];
    t.onMessage((m) => msgs.push(m));
    expect(msgs).toMatchObject([{ type: 'error', ref: 'discover' }]);
    const later: ServerMessage[] = [];
    t.onMessage((m) => later.push(m));
    expect(later).toEqual([]); // handed to the first listener only
  });
});

describe('parseDiscoverResponse()', () => {
  const good = { protocol: 1, cell: 'r1c2', position: { lat: 1, lng: 2 }, source: 'query', websocket: 'wss://x.test/ws/r1c2', cellDeg: 1, maxDegree: 16, limits: LIMITS };
  it('accepts a valid answer', () => {
    expect(parseDiscoverResponse(good, 'https://x.test')).toMatchObject({ cell: 'r1c2', websocket: 'wss://x.test/ws/r1c2' });
  });
  it('rejects a missing cell, a bad position and a non-WebSocket URL', () => {
    expect(() => parseDiscoverResponse({ ...good, cell: undefined }, 'https://x.test')).toThrow(/cell/);
    expect(() => parseDiscoverResponse({ ...good, position: { lat: 91, lng: 0 } }, 'https://x.test')).toThrow(/position/);
    expect(() => parseDiscoverResponse({ ...good, websocket: 'https://x.test/ws' }, 'https://x.test')).toThrow(/ws:/);
  });
});
