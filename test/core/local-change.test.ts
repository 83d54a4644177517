/**
 * core/local-change.ts and core/spatial.ts, which a cell runs for every join and leave: the sets
 * a local change reports are exactly those `globalNeighbours` changes, with the new values, for
 * clustered, polar and sparse worlds; it refuses to read past `maxRadius`; the spatial index's
 * queries equal a linear scan.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { angle, coarsen, peerPoint, toVec3 } from '../../core/geo';
import { localChange, localChangeWithin } from '../../core/local-change';
import { SpatialIndex, type Peer } from '../../core/spatial';
import { globalNeighbours } from '../../core/topology';

const MAX_DEGREE = 16;
const STEPS = 1_000_000;
const real = (min: number, max: number): fc.Arbitrary<number> =>
  fc.noBias(fc.integer({ min: 0, max: STEPS })).map((i) => min + ((max - min) * i) / STEPS);

function peer(i: number, lat: number, lng: number): Peer {
  const pos = coarsen({ lat, lng });
  const id = `p${String(i).padStart(4, '0')}xxxxxxxxxxxxxxxxx`.slice(0, 22);
  return { id, ...pos, p: peerPoint(id, pos) };
}

/** A dense cluster (0.3–3° across), a few poles-and-antimeridian peers, and some anywhere. */
const world = fc
  .record({
    lat: real(-89, 89),
    lng: real(-180, 180),
    spread: real(0.3, 3),
    cluster: fc.array(fc.tuple(real(-1, 1), real(-1, 1)), { minLength: 4, maxLength: 60 }),
    far: fc.array(fc.tuple(fc.oneof(real(-90, 90), fc.constantFrom(90, -90)), fc.oneof(real(-180, 180), fc.constant(180))), { maxLength: 12 }),
  })
  .map(({ lat, lng, spread, cluster, far }) => {
    const out: Peer[] = [];
    for (const [a, b] of cluster) out.push(peer(out.length, Math.max(-90, Math.min(90, lat + a * spread)), lng + b * spread));
    for (const [a, b] of far) out.push(peer(out.length, a, b));
    // distinct coarse positions per id are not needed: the id jitter separates co-located peers
    return out;
  });

function expectChangeMatchesGlobal(before: readonly Peer[], after: readonly Peer[], reported: ReadonlyMap<string, string[]>, subject: string): void {
  const b = globalNeighbours(before, MAX_DEGREE);
  const a = globalNeighbours(after, MAX_DEGREE);
  for (const [id, set] of a) {
    const changed = id === subject || b.get(id)?.join() !== set.join();
    expect({ id, reported: reported.has(id) }).toEqual({ id, reported: changed });
    if (changed) expect(reported.get(id)).toEqual(set);
  }
  for (const id of reported.keys()) expect(a.has(id)).toBe(true);
}

describe('localChange()', () => {
  it('localChange() for a join reports exactly the sets globalNeighbours() changes, with their new values', () => {
    fc.assert(
      fc.property(world, fc.nat(), (peers, pick) => {
        const subject = peers[pick % peers.length]!;
        const rest = peers.filter((p) => p !== subject);
        const change = localChange(new SpatialIndex(rest), 'join', subject, MAX_DEGREE);
        expectChangeMatchesGlobal(rest, peers, change.after, subject.id);
      }),
      { numRuns: 60 },
    );
  });

  it('localChange() for a leave reports exactly the sets globalNeighbours() changes', () => {
    fc.assert(
      fc.property(world, fc.nat(), (peers, pick) => {
        const subject = peers[pick % peers.length]!;
        const rest = peers.filter((p) => p !== subject);
        const change = localChange(new SpatialIndex(peers), 'leave', subject, MAX_DEGREE);
        expect(change.after.has(subject.id)).toBe(false);
        expectChangeMatchesGlobal(peers, rest, change.after, '');
      }),
      { numRuns: 60 },
    );
  });

  it('localChangeWithin() gives up (null) rather than read past maxRadius, and agrees when it may', () => {
    const peers = [peer(0, 10, 10), peer(1, -30, 100), peer(2, 40, -120), peer(3, -70, -20), peer(4, 60, 60)];
    const subject = peer(5, 11, 11);
    const index = new SpatialIndex(peers);
    expect(localChangeWithin(index, 'join', subject, MAX_DEGREE, 0.01)).toBeNull();
    const full = localChange(index, 'join', subject, MAX_DEGREE);
    const within = localChangeWithin(index, 'join', subject, MAX_DEGREE, full.radius);
    expect(within?.after).toEqual(full.after);
  });
});

describe('SpatialIndex', () => {
  it('SpatialIndex.within() equals a linear scan, before and after removals', () => {
    fc.assert(
      fc.property(world, real(-90, 90), real(-180, 180), fc.constantFrom(0.001, 0.01, 0.05, 0.3, 1, 2, Math.PI), (peers, lat, lng, r) => {
        const index = new SpatialIndex(peers);
        const centre = toVec3({ lat, lng });
        const scan = (live: readonly Peer[]): string[] => live.filter((p) => angle(centre, p.p) <= r * (1 - 1e-12)).map((p) => p.id).sort();
        const found = (): string[] => index.within(centre, r).map((i) => index.peers[i]!.id).sort();
        // every peer found is within r, and every peer clearly within r is found
        const byId = new Map(peers.map((p) => [p.id, p]));
        expect(found().filter((id) => angle(centre, byId.get(id)!.p) > r * (1 + 1e-12))).toEqual([]);
        expect(scan(peers).filter((id) => !found().includes(id))).toEqual([]);
        for (let i = 0; i < peers.length; i += 3) index.remove(i);
        const live = peers.filter((_, i) => i % 3 !== 0);
        expect(index.size).toBe(live.length);
        expect(scan(live).filter((id) => !found().includes(id))).toEqual([]);
        expect(found().filter((id) => !live.some((p) => p.id === id))).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });
});
