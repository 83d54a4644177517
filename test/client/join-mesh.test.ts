/**
 * joinMesh() end to end: real identity code, real WebSockets, real HTTP, real WebRTC (wrtc),
 * against the mini cell in ./mini-cell.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { joinMesh, type JoinedMesh, type JoinMeshOptions } from '../../client/mesh/join';
import type { WebSocketLike } from '../../client/signaling/cell-socket';
import { FAST, RTCPeerConnection, waitFor } from './helpers';
import { startMiniCell, type MiniCell } from './mini-cell';

let cell: MiniCell | null = null;
const joined: JoinedMesh[] = [];

afterEach(async () => {
  await Promise.all(joined.splice(0).map((m) => m.leave()));
  await cell?.close();
  cell = null;
});

function options(origin: string, extra: Partial<JoinMeshOptions> = {}): JoinMeshOptions {
  return {
    origin,
    identity: { indexedDB: null },
    transport: { createSocket: (url) => new WebSocket(url) as unknown as WebSocketLike, backoff: { baseMs: 20, maxMs: 100 } },
    mesh: { RTCPeerConnection, timing: FAST, unassignedGraceMs: 3_000 },
    ...extra,
  };
}

async function join(extra: Partial<JoinMeshOptions> = {}): Promise<JoinedMesh> {
  const m = await joinMesh(options(cell!.origin, extra));
  joined.push(m);
  return m;
}

const open = (m: JoinedMesh, id: string): boolean => m.neighbours().some((n) => n.id === id && n.state === 'open');

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

  it('rejects when aborted before the server answers', async () => {
    const controller = new AbortController();
    // Nothing listens on port 9: discover fails and the transport keeps retrying.
    const pending = joinMesh(options('http://127.0.0.1:9', { signal: controller.signal, iceServers: false }));
    setTimeout(() => controller.abort(new Error('user gave up')), 100);
    await expect(pending).rejects.toThrow('user gave up');
  });
});
