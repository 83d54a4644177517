/**
 * joinMesh() end to end: real identity code, real WebSockets, real HTTP, real WebRTC (wrtc),
 * against the mini cell in ./mini-cell.ts.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { UnsupportedError } from '../../client/mesh/environment';
import { ICE_FIRST_FETCH_TIMEOUT_MS, httpIceServers } from '../../client/mesh/ice-servers';
import { joinMesh, type JoinedMesh, type JoinMeshOptions } from '../../client/mesh/join';
import type { MeshNode } from '../../client/mesh/mesh';
import type { WebSocketLike } from '../../client/signaling/cell-socket';
import { FAST, RTCPeerConnection, waitFor } from './helpers';
import { startMiniCell, type MiniCell } from './mini-cell';

let cell: MiniCell | null = null;
const joined: JoinedMesh[] = [];

afterEach(async () => {
  vi.unstubAllGlobals();
  await Promise.all(joined.splice(0).map((m) => m.leave()));
  await cell?.close();
  cell = null;
});

function options(origin: string, extra: Partial<JoinMeshOptions> = {}): JoinMeshOptions {
  return {
    origin,
    identity: { indexedDB: null },
    transport: { createSocket: (url) => new WebSocket(url) as unknown as WebSocketLike, backoff: { baseMs: 20, maxMs: 100 } },
    mesh: { RTCPeerConnection, timing: FAST, unassignedGraceMs: 3_000, fallbackIceServers: FALLBACK },
    ...extra,
  };
}

async function join(extra: Partial<JoinMeshOptions> = {}): Promise<JoinedMesh> {
  const m = await joinMesh(options(cell!.origin, extra));
  joined.push(m);
  return m;
}

const open = (m: JoinedMesh, id: string): boolean => m.neighbours().some((n) => n.id === id && n.state === 'open');
/** Stands in for public STUN (which a test must not reach): nothing answers on port 9. */
const FALLBACK: RTCIceServer[] = [{ urls: 'stun:127.0.0.1:9' }];
const serversOf = (m: JoinedMesh, peer: string): unknown => (m as unknown as MeshNode).link(peer)!.pc.getConfiguration().iceServers;

/** Two peers that join at once (each first join may wait for ICE servers) and open a channel. */
async function joinPairAndTalk(): Promise<[JoinedMesh, JoinedMesh]> {
  const [a, b] = await Promise.all([join(), join()]);
  await waitFor('a and b open', () => open(a, b.id) && open(b, a.id));
  const got: unknown[] = [];
  b.on('message', (m) => got.push(m.data));
  expect(a.send(b.id, 'over a STUN-only link')).toBe(true);
  await waitFor('message', () => got.length === 1);
  return [a, b];
}

describe('joinMesh() against a mini cell', () => {
  it('joins, fetches ICE servers with the join token, and connects two peers', async () => {
    cell = await startMiniCell();
    const a = await join();
    const b = await join();
    expect(a.serverState()).toBe('joined');
    expect(a.cell).toBe('r0c0');
    expect(a.position).toEqual({ lat: 10, lng: 20 });
    expect(a.identity.persistent).toBe(false);
    expect(a.identity.reason).toMatch(/IndexedDB/);
    await waitFor('a and b open', () => open(a, b.id) && open(b, a.id));
    expect(cell.iceRequests).toHaveLength(2);
    expect(cell.iceRequests.every((r) => r.ok)).toBe(true);
    const got: unknown[] = [];
    b.on('message', (m) => got.push(m.data));
    expect(a.send(b.id, { n: 1 })).toBe(true);
    await waitFor('message', () => got.length === 1);
    expect(got[0]).toEqual({ n: 1 });
  });

  it('keeps the data channel when the cell drops a peer and it re-joins', async () => {
    cell = await startMiniCell();
    const a = await join();
    const b = await join();
    await waitFor('open', () => open(a, b.id) && open(b, a.id));
    const pcA = (a as unknown as { link(id: string): { pc: RTCPeerConnection } }).link(b.id).pc;
    const states: string[] = [];
    a.on('server', (e) => states.push(e.state));
    // The cell loses a's socket: it tells b `remove a`; a reconnects and re-joins.
    cell.peers.get(a.id)!.terminate();
    await waitFor('a re-joined', () => states.includes('joined'));
    expect(states).toEqual(['reconnecting', 'joined']);
    await waitFor('b re-added a', () => open(b, a.id));
    const got: unknown[] = [];
    b.on('message', (m) => got.push(m.data));
    expect(a.send(b.id, 'same channel')).toBe(true);
    await waitFor('message', () => got.length === 1);
    expect((a as unknown as { link(id: string): { pc: RTCPeerConnection } }).link(b.id).pc).toBe(pcA);
  });

  it('ice-servers answering 502 (TURN service down): joins at once, falls back to STUN, opens a channel', async () => {
    cell = await startMiniCell('upstream-error');
    const t0 = Date.now();
    const [a, b] = await joinPairAndTalk();
    expect(Date.now() - t0).toBeLessThan(ICE_FIRST_FETCH_TIMEOUT_MS); // a fast failure is not waited out
    expect(cell.iceRequests.length).toBeGreaterThanOrEqual(2);
    expect(a.iceServersStatus()).toMatchObject({ state: 'failed', httpStatus: 502, relay: false, source: null });
    expect(a.iceServersStatus().error).toMatch(/502 upstream_error/);
    expect(serversOf(a, b.id)).toEqual([{ urls: 'stun:127.0.0.1:9' }]);
  });

  it('ice-servers hanging: the first join waits only ICE_FIRST_FETCH_TIMEOUT_MS, then uses STUN', async () => {
    cell = await startMiniCell('hang');
    const t0 = Date.now();
    const [a, b] = await joinPairAndTalk();
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(ICE_FIRST_FETCH_TIMEOUT_MS - 50);
    expect(took).toBeLessThan(ICE_FIRST_FETCH_TIMEOUT_MS + 3_000);
    expect(a.iceServersStatus().state).toBe('pending'); // still waiting, in the background
    expect(serversOf(a, b.id)).toEqual([{ urls: 'stun:127.0.0.1:9' }]);
  });

  it('httpIceServers() gives up on a request that hangs, so later refreshes still happen', async () => {
    cell = await startMiniCell('hang');
    const source = httpIceServers(cell.origin, fetch, 200);
    const t0 = Date.now();
    await expect(source(cell.issueToken())).rejects.toMatchObject({ name: 'IceServersError', status: null, message: expect.stringMatching(/did not answer within 0.2 s/) });
    expect(Date.now() - t0).toBeLessThan(1_000);
  });

  it('a page that is not a secure context gets a clear error, not a TypeError', async () => {
    cell = await startMiniCell();
    vi.stubGlobal('isSecureContext', false);
    await expect(joinMesh(options(cell.origin))).rejects.toThrow(UnsupportedError);
    vi.unstubAllGlobals();
    // http://, not localhost: browsers leave crypto.subtle undefined
    vi.stubGlobal('crypto', { getRandomValues: crypto.getRandomValues.bind(crypto) });
    await expect(joinMesh(options(cell.origin))).rejects.toThrow('Wisp needs https or localhost');
    expect(cell.peers.size).toBe(0); // failed before touching the network
  });

  it('rejects when aborted before the server answers', async () => {
    const controller = new AbortController();
    // Nothing listens on port 9: discover fails and the transport keeps retrying.
    const pending = joinMesh(options('http://127.0.0.1:9', { signal: controller.signal, iceServers: false }));
    setTimeout(() => controller.abort(new Error('user gave up')), 100);
    await expect(pending).rejects.toThrow('user gave up');
  });
});
