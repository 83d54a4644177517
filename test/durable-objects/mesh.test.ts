/**
 * Many bot peers over many cells in real workerd: assigned neighbour sets equal an independent
 * brute-force spherical Delaunay, across cell borders, the antimeridian and empty oceans; joins
 * and leaves touch exactly the affected peers; signals flow only between assigned neighbours.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEFAULT_MAX_DEGREE } from '../../core/topology';
import { api, Bot, quiet, until } from './bot';
import { expected, settle } from './settle';

/** 45 places: clusters on four continents, both sides of the antimeridian, a pole, a lone peer. */
const PLACES: [number, number][] = [
  // Europe
  [51.5, -0.1], [48.9, 2.4], [52.5, 13.4], [50.1, 8.7], [45.5, 9.2], [41.4, 2.2], [40.4, -3.7], [59.3, 18.1],
  [55.7, 12.6], [47.4, 8.5], [53.3, -6.3], [52.4, 4.9],
  // North America
  [40.7, -74.0], [42.4, -71.1], [41.9, -87.6], [37.8, -122.4], [34.1, -118.2], [47.6, -122.3], [29.8, -95.4], [45.5, -73.6],
  // East Asia
  [35.7, 139.7], [34.7, 135.5], [37.6, 127.0], [31.2, 121.5], [39.9, 116.4], [22.3, 114.2],
  // Around the antimeridian (Fiji, Tonga, Samoa): both signs of longitude
  [-17.8, 178.4], [-18.1, 179.9], [-16.6, -179.8], [-21.1, -175.2], [-13.8, -171.8], [-15.4, 177.1],
  // South America, Africa, Oceania
  [-23.5, -46.6], [-34.6, -58.4], [-12.0, -77.0], [4.7, -74.1],
  [-1.3, 36.8], [6.5, 3.4], [-33.9, 18.4], [30.0, 31.2],
  [-33.9, 151.2], [-37.8, 145.0], [-31.9, 115.9],
  // near the north pole, and one peer alone in the South Pacific
  [89.9, 20.0], [-55.0, -130.0],
];

describe('Cell mesh over many cells', () => {
  let bots: Bot[] = [];

  beforeAll(async () => {
    // Join in a few concurrent waves: cells must cope with interleaved joins.
    for (let i = 0; i < PLACES.length; i += 9) {
      bots.push(...(await Promise.all(PLACES.slice(i, i + 9).map(([lat, lng]) => Bot.join(lat, lng)))));
    }
  });

  afterAll(async () => {
    // Leave and let the cells go quiet, so no RPC is in flight when the runtime is torn down.
    for (const b of bots) b.leave();
    await quiet();
  });

  test('every assigned neighbour set equals the brute-force spherical Delaunay', async () => {
    const cells = new Set(bots.map((b) => b.cell));
    expect(cells.size).toBeGreaterThan(25);
    const want = expected(bots);
    expect(Math.max(...[...want.values()].map((s) => s.size))).toBeLessThanOrEqual(DEFAULT_MAX_DEGREE);
    await settle(bots, want);
    // the lone South Pacific peer has neighbours thousands of km away, in other cells
    const lone = bots[bots.length - 1]!;
    expect(lone.neighbours.size).toBeGreaterThanOrEqual(3);
    expect([...lone.neighbours].every((id) => bots.find((b) => b.id === id)!.cell !== lone.cell)).toBe(true);
    // neighbours span the antimeridian
    const fiji = bots.find((b) => b.discover.position.lng === 179.9)!;
    const east = bots.filter((b) => b.discover.position.lng < -170).map((b) => b.id);
    expect(east.some((id) => fiji.neighbours.has(id))).toBe(true);
  });

  test('GET /api/stats counts peers per non-empty cell, without ids', async () => {
    const res = await api('/api/stats');
    const body = (await res.json()) as { peers: number; cells: { cell: string; peers: number }[] };
    expect(body.peers).toBe(bots.length);
    expect(body.cells.length).toBe(new Set(bots.map((b) => b.cell)).size);
    expect(JSON.stringify(body)).not.toContain(bots[0]!.id);
  });

  test('a leave, then a join, update exactly the affected peers', async () => {
    const before = expected(bots);
    const marks = new Map(bots.map((b) => [b.id, b.inbox.length]));
    const leaving = bots[2]!; // Berlin
    leaving.leave();
    bots = bots.filter((b) => b !== leaving);
    const afterLeave = expected(bots);
    await settle(bots, afterLeave);
    await new Promise((r) => setTimeout(r, 300)); // any stray extra message would arrive by now
    const changed = (b: Bot, a: Map<string, Set<string>>, z: Map<string, Set<string>>): boolean =>
      [...a.get(b.id)!].sort().join() !== [...z.get(b.id)!].sort().join();
    for (const b of bots) {
      const got = b.inbox.slice(marks.get(b.id)).filter((m) => m.type === 'neighbours').length;
      expect({ id: b.id, told: got > 0 }).toEqual({ id: b.id, told: changed(b, before, afterLeave) });
    }
    expect(bots.some((b) => changed(b, before, afterLeave))).toBe(true);

    const marks2 = new Map(bots.map((b) => [b.id, b.inbox.length]));
    const joining = await Bot.join(50.9, 4.4); // Brussels
    const all = [...bots, joining];
    const afterJoin = expected(all);
    await settle(all, afterJoin);
    await new Promise((r) => setTimeout(r, 300));
    for (const b of bots) {
      const got = b.inbox.slice(marks2.get(b.id)).filter((m) => m.type === 'neighbours').length;
      expect({ id: b.id, told: got > 0 }).toEqual({ id: b.id, told: changed(b, afterLeave, afterJoin) });
    }
    bots = all;
  });

  test('a signal reaches a neighbour in the same cell and in another cell, with `from` stamped', async () => {
    const byId = new Map(bots.map((b) => [b.id, b]));
    const pairs = bots.flatMap((a) => [...a.neighbours].map((id) => [a, byId.get(id)!] as const));
    const same = pairs.find(([a, b]) => a.cell === b.cell);
    const other = pairs.find(([a, b]) => a.cell !== b.cell);
    expect(same && other).toBeTruthy();
    for (const [a, b] of [same!, other!]) {
      const mark = b.inbox.length;
      const sdp = `v=0\r\no=- ${a.id} 2 IN IP4 127.0.0.1\r\n`;
      a.send({ type: 'signal', to: b.id, description: { type: 'offer', sdp }, from: 'forged-sender-id-xxxxx' });
      await until('offer delivered', () => b.inbox.slice(mark).some((m) => m.type === 'signal'));
      const got = b.inbox.slice(mark).find((m) => m.type === 'signal')!;
      expect(got).toEqual({ type: 'signal', from: a.id, description: { type: 'offer', sdp } });
      const mark2 = a.inbox.length;
      b.send({ type: 'signal', to: a.id, candidates: [{ candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0, extra: 'dropped' }] });
      await until('candidates delivered', () => a.inbox.slice(mark2).some((m) => m.type === 'signal'));
      expect(a.inbox.slice(mark2).find((m) => m.type === 'signal')).toEqual({
        type: 'signal', from: b.id, candidates: [{ candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 }],
      });
    }
  });

  test('a signal to a non-neighbour is refused with not_neighbour and not delivered', async () => {
    const a = bots[0]!;
    const far = bots.find((b) => b !== a && !a.neighbours.has(b.id))!;
    const mark = a.inbox.length;
    const farMark = far.inbox.length;
    a.send({ type: 'signal', to: far.id, description: { type: 'offer', sdp: 'v=0' } });
    const err = await a.nextError(mark);
    expect(err).toMatchObject({ type: 'error', code: 'not_neighbour', ref: 'signal', to: far.id });
    await new Promise((r) => setTimeout(r, 200));
    expect(far.inbox.slice(farMark).filter((m) => m.type === 'signal')).toEqual([]);
  });
});
