/**
 * A tiny stand-in for the Worker + one Cell over real HTTP and WebSockets on 127.0.0.1: discover,
 * challenge/join with signature check, every joined peer a neighbour of every other, signal relay
 * with `from` stamped, join tokens and `/api/ice-servers`. Enough to run `joinMesh` end to end.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { fromBase64url, peerIdFromPublicKey, verifySignature } from '../../core/identity';
import { LIMITS, joinPayload, parseClientMessage, type DiscoverResponse, type IceServersResponse, type ServerMessage } from '../../core/protocol';

const CELL = 'r0c0';

/**
 * How `/api/ice-servers` answers a valid token: `ok` (STUN only, like a Worker without TURN),
 * `upstream-error` (502, as the Worker does when the TURN credential service fails or is slow),
 * `hang` (never answers).
 */
export type IceMode = 'ok' | 'upstream-error' | 'hang';

export interface MiniCell {
  origin: string;
  /** Joined peers by id. */
  peers: Map<string, WebSocket>;
  iceRequests: Array<{ token: string | undefined; ok: boolean }>;
  /** Can be changed while running. */
  iceMode: IceMode;
  /** A valid join token, as a `welcome` would carry. */
  issueToken(): string;
  close(): Promise<void>;
}

export async function startMiniCell(iceMode: IceMode = 'ok'): Promise<MiniCell> {
  const http = createServer();
  const wss = new WebSocketServer({ server: http, path: '/ws' });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const port = (http.address() as AddressInfo).port;
  const tokens = new Set<string>();
  const cell: MiniCell = {
    origin: `http://127.0.0.1:${port}`,
    peers: new Map(),
    iceRequests: [],
    iceMode,
    issueToken: () => token().token,
    close: async () => {
      for (const s of wss.clients) s.terminate();
      await new Promise((r) => wss.close(r));
      http.closeAllConnections(); // hung `/api/ice-servers` requests would hold close() forever
      await new Promise((r) => http.close(r));
    },
  };
  const send = (ws: WebSocket, msg: ServerMessage): void => ws.send(JSON.stringify(msg));
  const token = (): { token: string; tokenExpiresAt: number } => {
    const t = randomUUID();
    tokens.add(t);
    return { token: t, tokenExpiresAt: Math.floor(Date.now() / 1000) + 900 };
  };
  const json = (res: import('node:http').ServerResponse, status: number, body: unknown): void =>
    void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

  http.on('request', (req, res) => {
    const url = new URL(req.url ?? '/', cell.origin);
    if (url.pathname === '/api/discover') {
      const body: DiscoverResponse = {
        protocol: 1, cell: CELL, position: { lat: 10, lng: 20 }, source: 'fallback', websocket: `ws://127.0.0.1:${port}/ws`,
        cellDeg: 1, maxDegree: 16, limits: LIMITS,
      };
      return json(res, 200, body);
    }
    if (url.pathname === '/api/ice-servers') {
      const t = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
      const ok = t !== undefined && tokens.has(t);
      cell.iceRequests.push({ token: t, ok });
      if (!ok) return json(res, 401, { error: { code: 'unauthorized', message: 'invalid token' } });
      if (cell.iceMode === 'hang') return;
      if (cell.iceMode === 'upstream-error') return json(res, 502, { error: { code: 'upstream_error', message: 'TURN credential service answered 503' } });
      const body: IceServersResponse = { iceServers: [], source: 'stun', relay: false, ttl: 3_600, expiresAt: Math.floor(Date.now() / 1000) + 3_600 };
      return json(res, 200, body);
    }
    json(res, 404, { error: { code: 'not_found', message: 'no such route' } });
  });

  wss.on('connection', (ws) => {
    const challenge = randomUUID();
    let id: string | null = null;
    send(ws, { type: 'challenge', protocol: 1, cell: CELL, challenge, limits: LIMITS });
    const gone = (): void => {
      if (id === null || cell.peers.get(id) !== ws) return;
      cell.peers.delete(id);
      for (const other of cell.peers.values()) send(other, { type: 'neighbours', add: [], remove: [id] });
    };
    ws.on('close', gone);
    ws.on('message', async (data) => {
      const text = data.toString();
      if (text === 'ping') return ws.send('pong');
      const parsed = parseClientMessage(text);
      if (!parsed.ok) return send(ws, { type: 'error', code: parsed.code, message: parsed.message });
      const m = parsed.msg;
      switch (m.type) {
        case 'join': {
          const pub = fromBase64url(m.publicKey);
          const sig = fromBase64url(m.signature);
          const good = pub && sig && (await peerIdFromPublicKey(pub)) === m.id && (await verifySignature(pub, sig, joinPayload(challenge, CELL, m.position)));
          if (!good) return send(ws, { type: 'error', code: 'bad_signature', message: 'bad signature', ref: 'join' });
          id = m.id;
          const others = [...cell.peers.keys()].filter((o) => o !== id);
          cell.peers.set(id, ws);
          send(ws, { type: 'welcome', id, cell: CELL, position: m.position, neighbours: others.map((o) => ({ id: o, lat: 10, lng: 20 })), ...token() });
          for (const o of others) send(cell.peers.get(o)!, { type: 'neighbours', add: [{ id, lat: 10, lng: 20 }], remove: [] });
          return;
        }
        case 'signal': {
          if (id === null) return send(ws, { type: 'error', code: 'not_joined', message: 'join first', ref: 'signal' });
          const to = cell.peers.get(m.to);
          if (!to) return send(ws, { type: 'error', code: 'peer_gone', message: 'gone', ref: 'signal', to: m.to });
          return send(to, m.description ? { type: 'signal', from: id, description: m.description } : { type: 'signal', from: id, candidates: m.candidates! });
        }
        case 'token':
          return send(ws, { type: 'token', ...token() });
        case 'leave':
          gone();
          return ws.close(1000, 'bye');
        default:
          m satisfies never;
      }
    });
  });
  return cell;
}
