/**
 * Example-based tests of core/topology.ts: degenerate sizes, circumcaps, local certification, the
 * degree cap and assignNeighbours' contract. The oracle comparison lives in topology.property.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { angle, coarsen, peerPoint, toVec3 } from '../../core/geo';
import {
  assignNeighbours,
  capDegree,
  circumcap,
  DEFAULT_MAX_DEGREE,
  globalNeighbours,
  localStars,
  sphericalDelaunay,
  type Site,
} from '../../core/topology';

// fast-check properties: fine alone, but leave room on a shared, busy machine
vi.setConfig({ testTimeout: 30_000 });

const DEG = Math.PI / 180;
const STEPS = 1_000_000;
const real = (min: number, max: number): fc.Arbitrary<number> =>
  fc.noBias(fc.integer({ min: 0, max: STEPS })).map((i) => min + ((max - min) * i) / STEPS);

function site(id: string, lat: number, lng: number): Site {
  return { id, p: peerPoint(id, coarsen({ lat, lng })) };
}

/** Undirected edges `"a b"` (ids, a < b) of index neighbour lists. */
function edgesOf(sites: readonly Site[], neighbours: readonly (readonly number[])[]): string[] {
  const out = new Set<string>();
  neighbours.forEach((list, i) => {
    for (const j of list) {
      const [a, b] = [sites[i]!.id, sites[j]!.id].sort() as [string, string];
      out.add(`${a} ${b}`);
    }
  });
  return [...out].sort();
}

function mapEdges(map: ReadonlyMap<string, readonly string[]>): string[] {
  const out = new Set<string>();
  for (const [a, list] of map) for (const b of list) out.add(a < b ? `${a} ${b}` : `${b} ${a}`);
  return [...out].sort();
}

/** A dense patch: peers on a jittered 0.5° lattice around (lat0, lng0). */
function patch(lat0: number, lng0: number, half: number, prefix = 'p'): Site[] {
  const out: Site[] = [];
  let k = 0;
  for (let i = -half; i <= half; i++) {
    for (let j = -half; j <= half; j++) {
      // deterministic irregular offsets so the lattice is not cocircular at the coarse scale
      const dl = ((k * 37) % 5) * 0.1 - 0.2;
      const dg = ((k * 53) % 5) * 0.1 - 0.2;
      out.push(site(`${prefix}${k++}`, lat0 + i * 0.5 + dl, lng0 + j * 0.5 + dg));
    }
  }
  return out;
}

describe('sphericalDelaunay()', () => {
  it('sphericalDelaunay() for 0, 1, 2 and 3 peers: every pair is an edge', () => {
    expect(sphericalDelaunay([])).toEqual({ neighbours: [], certified: [] });
    expect(sphericalDelaunay([site('a', 0, 0)])).toEqual({ neighbours: [[]], certified: [true] });
    expect(sphericalDelaunay([site('a', 0, 0), site('b', 80, 170)]).neighbours).toEqual([[1], [0]]);
    const three = sphericalDelaunay([site('a', 0, 0), site('b', 0, 0), site('c', -45, 100)]);
    expect(three.neighbours).toEqual([[1, 2], [0, 2], [0, 1]]);
    expect(three.certified).toEqual([true, true, true]);
  });

  it('sphericalDelaunay() for 4 peers: a tetrahedron, all 6 pairs', () => {
    const sites = [site('a', 90, 0), site('b', -30, 0), site('c', -30, 120), site('d', -30, -120)];
    expect(sphericalDelaunay(sites).neighbours).toEqual([[1, 2, 3], [0, 2, 3], [0, 1, 3], [0, 1, 2]]);
  });

  it('sphericalDelaunay() for the 6 octahedron vertices: 12 edges, antipodes not joined', () => {
    const sites = [site('x', 0, 0), site('-x', 0, 180), site('y', 0, 90), site('-y', 0, -90), site('z', 90, 0), site('-z', -90, 0)];
    const stars = sphericalDelaunay(sites);
    expect(edgesOf(sites, stars.neighbours)).toHaveLength(12);
    for (const [i, j] of [[0, 1], [2, 3], [4, 5]] as const) expect(stars.neighbours[i]).not.toContain(j);
    for (const list of stars.neighbours) expect(list).toHaveLength(4);
  });

  it('sphericalDelaunay() for peers in general position has 3n − 6 edges (Euler)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(real(-90, 90), real(-180, 180)), { minLength: 3, maxLength: 80 }), fc.nat(), (pos, salt) => {
        const sites = pos.map(([lat, lng], i) => site(`s${salt}-${i}`, lat, lng));
        expect(edgesOf(sites, sphericalDelaunay(sites).neighbours)).toHaveLength(3 * sites.length - 6);
      }),
      { numRuns: 100 },
    );
  });

  it('sphericalDelaunay() for co-located peers: the id jitter makes a proper triangulation', () => {
    const sites = Array.from({ length: 20 }, (_, i) => site(`same-${i}`, 48.8, 2.3));
    const stars = sphericalDelaunay(sites);
    expect(edgesOf(sites, stars.neighbours)).toHaveLength(3 * 20 - 6);
    for (const list of stars.neighbours) expect(list.length).toBeGreaterThanOrEqual(3);
  });

  it('sphericalDelaunay() for peers straddling the antimeridian joins across it', () => {
    // e and w are 0.2° apart across the antimeridian; n and s are 1° north and south of them
    const sites = [site('e', 0, 179.9), site('w', 0, -179.9), site('n', 1, 180), site('s', -1, 180), site('far', 0, 0)];
    const stars = sphericalDelaunay(sites);
    expect(stars.neighbours[0]).toEqual(expect.arrayContaining([1, 2, 3]));
    for (const i of [2, 3]) expect(stars.neighbours[i]).toEqual(expect.arrayContaining([0, 1]));
    expect(stars.neighbours[2]).not.toContain(3); // the short diagonal e–w wins
  });

  // Regression: three co-located peers far from everyone else bound a tiny empty cap, so they must
  // form a Delaunay triangle. With a second co-located triple at the antipode the projection put
  // one triple ~1e5 from the origin and the other ~1e-5 from it, and d3-delaunay's inexact
  // in-circle test dropped s1-0–s2-0; the exact flip repair (core/flip.ts) restores it.
  it('sphericalDelaunay() for co-located peers at both poles (three at each)', () => {
    const ids = ['n1-0', 'n2-0', 'n3-0', 's1-0', 's2-0', 's3-0'];
    const sites = ids.map((id) => site(id, id.startsWith('n') ? 90 : -90, 0));
    expect(edgesOf(sites, sphericalDelaunay(sites).neighbours)).toEqual([
      'n1-0 n2-0', 'n1-0 n3-0', 'n1-0 s2-0', 'n1-0 s3-0', 'n2-0 n3-0', 'n2-0 s1-0',
      'n2-0 s3-0', 'n3-0 s1-0', 'n3-0 s2-0', 's1-0 s2-0', 's1-0 s3-0', 's2-0 s3-0',
    ]);
  });

  // Regression (found by the polar property test): the same shape, but one south peer 0.1° off
  // the pole. The rounded in-circle test then flipped a non-convex quad in the plane and left two
  // overlapping triangles; no 3-D flip can repair that, and AAF–AFd came out as an edge while
  // AAF–ACV went missing (11 edges, not 3n − 6 = 12). core/planar.ts decides flips exactly.
  it('sphericalDelaunay() for peers at both poles, one just off the pole (a rounded-in-circle failure)', () => {
    const sites = [
      site('AAF_ue6MsCJ87Q84TnWBWV', -90, -180), site('AB9SJd5rtwJVb3xmXku_sV', 90, -180),
      site('ACVtr4YUxkm_WdDUGbK3zt', -90, -180), site('ADtxjYxLOIyhavs6sbaj9s', 90, -180),
      site('AEl0Jw9HE0yYvfrBOADAnT', -89.9, -175.1), site('AFdxa06am9V0glT4C7jPAB', 90, -180),
    ];
    const edges = edgesOf(sites, sphericalDelaunay(sites).neighbours).map((e) => e.replace(/(\w{3})\w+ (\w{3})\w+/, '$1 $2'));
    expect(edges).toEqual([
      'AAF AB9', 'AAF ACV', 'AAF AEl', 'AB9 ACV', 'AB9 ADt', 'AB9 AEl',
      'AB9 AFd', 'ACV ADt', 'ACV AEl', 'ADt AEl', 'ADt AFd', 'AEl AFd',
    ]);
  });
});

describe('circumcap()', () => {
  const vec = fc.tuple(real(-89, 89), real(-180, 180)).map(([lat, lng]) => toVec3({ lat, lng }));

  it('circumcap() is equidistant from its three points and excludes the pole', () => {
    fc.assert(
      fc.property(vec, vec, vec, vec, (a, b, c, pole) => {
        fc.pre(angle(a, b) > 1e-3 && angle(b, c) > 1e-3 && angle(a, c) > 1e-3);
        const cap = circumcap(a, b, c, pole);
        expect(Math.hypot(...cap.centre)).toBeCloseTo(1, 12);
        for (const p of [a, b, c]) expect(angle(cap.centre, p)).toBeCloseTo(cap.radius, 6);
        expect(angle(cap.centre, pole)).toBeGreaterThanOrEqual(cap.radius - 1e-9);
      }),
      { numRuns: 300 },
    );
  });

  it('circumcap() with the opposite pole is the complementary cap', () => {
    const a = toVec3({ lat: 10, lng: 10 });
    const b = toVec3({ lat: 12, lng: 14 });
    const c = toVec3({ lat: 8, lng: 15 });
    const small = circumcap(a, b, c, toVec3({ lat: -10, lng: -170 }));
    const big = circumcap(a, b, c, toVec3({ lat: 11, lng: 13 }));
    expect(small.radius).toBeLessThan(Math.PI / 2);
    expect(big.radius).toBeCloseTo(Math.PI - small.radius, 9);
    expect(angle(small.centre, big.centre)).toBeCloseTo(Math.PI, 6);
  });
});

describe('localStars()', () => {
  it('localStars() for fewer than 3 peers certifies nothing', () => {
    const c = toVec3({ lat: 0, lng: 0 });
    expect(localStars([], c, 1)).toEqual({ neighbours: [], certified: [] });
    expect(localStars([site('a', 0, 0)], c, 1).certified).toEqual([false]);
    expect(localStars([site('a', 0, 0), site('b', 0, 1)], c, 1).certified).toEqual([false, false]);
  });

  it('localStars() with a zero radius certifies nothing', () => {
    const sites = patch(20, 20, 4);
    expect(localStars(sites, toVec3({ lat: 20, lng: 20 }), 0).certified.some(Boolean)).toBe(false);
  });

  it('localStars() certifies interior peers, never hull peers, and certified stars are global', () => {
    const world = [...patch(20, 20, 6), site('tokyo', 35.7, 139.7), site('quito', -0.2, -78.5), site('perth', -31.9, 115.9)];
    const centre = toVec3({ lat: 20, lng: 20 });
    const radius = 3 * DEG;
    const read = world.filter((s) => angle(centre, s.p) <= radius);
    const local = localStars(read, centre, radius);
    const global = sphericalDelaunay(world);
    const globalIdx = new Map(world.map((s, i) => [s.id, i]));
    let certified = 0;
    read.forEach((s, i) => {
      if (!local.certified[i]) return;
      certified++;
      const mine = local.neighbours[i]!.map((j) => read[j]!.id).sort();
      const truth = global.neighbours[globalIdx.get(s.id)!]!.map((j) => world[j]!.id).sort();
      expect(mine, s.id).toEqual(truth);
    });
    expect(certified).toBeGreaterThan(20);
    // the peers farthest from the centre are on the hull of what was read: never certified
    const far = read.map((s, i) => [angle(centre, s.p), i] as const).sort((x, y) => y[0] - x[0]).slice(0, 4);
    for (const [, i] of far) expect(local.certified[i]).toBe(false);
  });

  it('localStars() around an antimeridian centre certifies stars that match the global ones', () => {
    const world = [...patch(0, 180, 5, 'am'), site('x', 50, 0), site('y', -50, 90)];
    const centre = toVec3({ lat: 0, lng: 180 });
    const radius = 2.5 * DEG;
    const read = world.filter((s) => angle(centre, s.p) <= radius);
    const local = localStars(read, centre, radius);
    const global = globalNeighbours(world, Infinity);
    let certified = 0;
    read.forEach((s, i) => {
      if (!local.certified[i]) return;
      certified++;
      expect(local.neighbours[i]!.map((j) => read[j]!.id).sort(), s.id).toEqual(global.get(s.id));
    });
    expect(certified).toBeGreaterThan(10);
  });
});

/** A hub at (0, 0) inside a ring of `count` peers at 10° (and, optionally, a second ring at 20°). */
function ringWorld(count: number, outer = false): Site[] {
  const out = [site('hub', 0, 0)];
  for (let k = 0; k < count; k++) {
    const t = (2 * Math.PI * k) / count;
    out.push(site(`r${k}`, 10 * Math.sin(t), 10 * Math.cos(t)));
  }
  for (let k = 0; outer && k < count; k++) {
    const t = (2 * Math.PI * (k + 0.5)) / count;
    out.push(site(`o${k}`, 20 * Math.sin(t), 20 * Math.cos(t)));
  }
  return out;
}

describe('capDegree()', () => {
  it('capDegree() leaves every edge when no peer is over the cap', () => {
    const sites = patch(0, 0, 3);
    const stars = sphericalDelaunay(sites);
    const all = sites.map((_, i) => i);
    expect(capDegree(sites, stars, all, 1_000)).toEqual(stars.neighbours);
  });

  it('capDegree() for a peer inside a ring of 40 keeps at most 6 of its edges, symmetrically', () => {
    const sites = ringWorld(40);
    const stars = sphericalDelaunay(sites);
    expect(stars.neighbours[0]).toHaveLength(40);
    const all = sites.map((_, i) => i);
    const capped = capDegree(sites, stars, all, DEFAULT_MAX_DEGREE);
    expect(capped[0]!.length).toBeGreaterThan(0);
    expect(capped[0]!.length).toBeLessThanOrEqual(6);
    capped.forEach((list, i) => {
      for (const j of list) expect(capped[j], `${j} keeps ${i}`).toContain(i);
      expect(stars.neighbours[i]).toEqual(expect.arrayContaining(list));
    });
    // ring–ring edges (both ends under the cap) are untouched
    for (let i = 1; i < sites.length; i++) expect(capped[i]!.filter((j) => j !== 0)).toEqual(stars.neighbours[i]!.filter((j) => j !== 0));
  });

  it('capDegree() only for the requested peers, in the order asked', () => {
    const sites = ringWorld(40);
    const stars = sphericalDelaunay(sites);
    const full = capDegree(sites, stars, sites.map((_, i) => i), 16);
    expect(capDegree(sites, stars, [5, 0], 16)).toEqual([full[5], full[0]]);
  });
});

describe('assignNeighbours()', () => {
  it('assignNeighbours() throws a RangeError when an own peer is not among the sites', () => {
    expect(() => assignNeighbours({ sites: [site('a', 0, 0)], own: ['zzz'], centre: [1, 0, 0], radius: Infinity, maxDegree: 16 })).toThrow(RangeError);
  });

  it('assignNeighbours() returns null when the read cap cannot certify the own peers', () => {
    const sites = patch(10, 10, 4);
    const centre = toVec3({ lat: 10, lng: 10 });
    expect(assignNeighbours({ sites, own: [sites[40]!.id], centre, radius: 0.1 * DEG, maxDegree: 16 })).toBeNull();
    // a hull peer of what was read is never final
    expect(assignNeighbours({ sites, own: [sites[0]!.id], centre, radius: 2.5 * DEG, maxDegree: 16 })).toBeNull();
  });

  it('assignNeighbours() with a big enough cap returns the global, capped neighbours sorted by id', () => {
    const world = [...patch(10, 10, 6), site('far1', -40, -100), site('far2', 60, 120)];
    const centre = toVec3({ lat: 10, lng: 10 });
    const own = world.filter((s) => angle(centre, s.p) < 0.6 * DEG).map((s) => s.id);
    expect(own.length).toBeGreaterThan(2);
    const read = world.filter((s) => angle(centre, s.p) <= 2.5 * DEG);
    const got = assignNeighbours({ sites: read, own, centre, radius: 2.5 * DEG, maxDegree: 16 });
    expect(got).not.toBeNull();
    expect([...got!.keys()].sort()).toEqual([...own].sort());
    const global = globalNeighbours(world, 16);
    for (const [id, list] of got!) {
      expect(list).toEqual([...list].sort());
      expect(list, id).toEqual(global.get(id));
    }
  });

  it('assignNeighbours() with radius ≥ π reads the world: same as globalNeighbours()', () => {
    const world = [...patch(-20, 60, 3), site('a', 70, 70), site('b', -70, -70)];
    const own = [world[0]!.id, 'a', 'b'];
    const want = globalNeighbours(world, 16);
    for (const radius of [Math.PI, Infinity]) {
      const got = assignNeighbours({ sites: world, own, centre: [0, 0, 1], radius, maxDegree: 16 })!;
      expect([...got]).toEqual(own.map((id) => [id, want.get(id)]));
    }
  });

  it('assignNeighbours() for a peer inside a ring of 40 applies the cap from a local read', () => {
    const world = ringWorld(40, true);
    const centre = toVec3({ lat: 0, lng: 0 });
    // the ring alone is the hull of what was read: the hub's neighbours cannot be final
    expect(assignNeighbours({ sites: ringWorld(40), own: ['hub'], centre, radius: 40 * DEG, maxDegree: 16 })).toBeNull();
    const got = assignNeighbours({ sites: world, own: ['hub'], centre, radius: 40 * DEG, maxDegree: 16 });
    expect(got).not.toBeNull();
    expect(got!.get('hub')).toEqual(globalNeighbours(world, 16).get('hub'));
    expect(got!.get('hub')!.length).toBeLessThanOrEqual(16);
  });
});

describe('globalNeighbours()', () => {
  it('globalNeighbours() for no peers, one peer and two peers', () => {
    expect(globalNeighbours([])).toEqual(new Map());
    expect(globalNeighbours([site('solo', 10, 10)])).toEqual(new Map([['solo', []]]));
    expect(globalNeighbours([site('a', 10, 10), site('b', -60, 170)])).toEqual(new Map([['a', ['b']], ['b', ['a']]]));
  });

  it(`globalNeighbours() caps at DEFAULT_MAX_DEGREE (${DEFAULT_MAX_DEGREE}) by default`, () => {
    const world = ringWorld(40);
    expect(globalNeighbours(world)).toEqual(globalNeighbours(world, DEFAULT_MAX_DEGREE));
    expect(globalNeighbours(world).get('hub')!.length).toBeLessThanOrEqual(DEFAULT_MAX_DEGREE);
    expect(globalNeighbours(world, Infinity).get('hub')).toHaveLength(40);
  });

  it('globalNeighbours() for co-located peers gives every one of them neighbours', () => {
    const world = [...Array.from({ length: 12 }, (_, i) => site(`c${i}`, -1.3, 36.8)), site('x', 10, 10), site('y', -20, 50)];
    const got = globalNeighbours(world);
    for (const list of got.values()) expect(list.length).toBeGreaterThanOrEqual(3);
    expect(mapEdges(got)).toHaveLength(3 * world.length - 6);
  });

  it('globalNeighbours() at the poles: peers at lat ±90 with different longitudes are one place', () => {
    const world: Site[] = [];
    const lngs = [-180, -90, 0, 45, 135];
    lngs.forEach((lng, i) => world.push(site(`np${i}`, 90, lng)));
    world.push(site('eq1', 0, 0), site('eq2', 0, 120), site('eq3', 0, -120));
    const got = globalNeighbours(world, Infinity);
    // the five north-pole peers are within ~1e-5 rad of each other: their star is among themselves plus the equator
    for (let i = 0; i < lngs.length; i++) for (let j = 0; j < i; j++) expect(angle(world[i]!.p, world[j]!.p)).toBeLessThan(1e-4);
    expect(mapEdges(got)).toHaveLength(3 * world.length - 6);
  });
});
