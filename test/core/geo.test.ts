import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import {
  angle,
  cellBounds,
  cellGrid,
  cellOf,
  cellShape,
  coarsen,
  cross,
  dot,
  isValidLatLng,
  JITTER,
  JITTER_MAX_RAD,
  normalise,
  normaliseLng,
  parseCell,
  peerPoint,
  POSITION_DECIMALS,
  stereographic,
  toLatLng,
  toVec3,
  type LatLng,
  type Vec3,
} from '../../core/geo';

// fast-check properties: fine alone, but leave room on a shared, busy machine
vi.setConfig({ testTimeout: 30_000 });

const DEG = Math.PI / 180;
const STEPS = 1_000_000;
/** Uniform in [min, max] (fc.double is uniform over representable doubles, i.e. mostly tiny). */
const real = (min: number, max: number): fc.Arbitrary<number> =>
  fc.noBias(fc.integer({ min: 0, max: STEPS })).map((i) => min + ((max - min) * i) / STEPS);
const latLng: fc.Arbitrary<LatLng> = fc.record({
  lat: fc.oneof(real(-90, 90), fc.constantFrom(-90, 0, 90)),
  lng: fc.oneof(real(-180, 180), fc.constantFrom(-180, 0, 180)),
});
const norm = (v: Vec3): number => Math.hypot(v[0], v[1], v[2]);

describe('isValidLatLng()', () => {
  it('isValidLatLng() accepts the closed ranges, poles and antimeridian included', () => {
    for (const [lat, lng] of [[0, 0], [90, 0], [-90, 0], [0, 180], [0, -180], [90, 180], [-90, -180], [45.5, -122.7]]) {
      expect(isValidLatLng(lat, lng), `${lat},${lng}`).toBe(true);
    }
  });

  it('isValidLatLng() rejects out-of-range, non-finite and non-number values', () => {
    const bad: [unknown, unknown][] = [
      [90.000_001, 0], [-90.000_001, 0], [0, 180.000_001], [0, -180.000_001], [NaN, 0], [0, NaN],
      [Infinity, 0], [0, -Infinity], ['10', 20], [10, '20'], [null, 0], [0, undefined], [{}, []], [10n, 20],
    ];
    for (const [lat, lng] of bad) expect(isValidLatLng(lat, lng), `${String(lat)},${String(lng)}`).toBe(false);
  });
});

describe('normaliseLng()', () => {
  it('normaliseLng() wraps into [-180, 180): 180 becomes -180', () => {
    expect(normaliseLng(180)).toBe(-180);
    expect(normaliseLng(-180)).toBe(-180);
    expect(normaliseLng(540)).toBe(-180);
    expect(normaliseLng(190)).toBeCloseTo(-170, 12);
    expect(normaliseLng(-190)).toBeCloseTo(170, 12);
    expect(normaliseLng(360)).toBe(0);
    expect(normaliseLng(-720.5)).toBeCloseTo(-0.5, 9);
    expect(normaliseLng(12.25)).toBe(12.25);
  });

  it('normaliseLng() never returns -0', () => {
    expect(Object.is(normaliseLng(-0), 0)).toBe(true);
    expect(Object.is(normaliseLng(-360), 0)).toBe(true);
    expect(Object.is(normaliseLng(360), 0)).toBe(true);
  });

  it('normaliseLng() stays in range and is idempotent for any finite longitude', () => {
    fc.assert(
      fc.property(real(-10_000, 10_000), (lng) => {
        const l = normaliseLng(lng);
        expect(l).toBeGreaterThanOrEqual(-180);
        expect(l).toBeLessThan(180);
        expect(normaliseLng(l)).toBe(l);
        // same meridian
        expect(Math.cos((l - lng) * DEG)).toBeCloseTo(1, 9);
      }),
    );
  });
});

describe('coarsen()', () => {
  it(`coarsen() rounds to ${POSITION_DECIMALS} decimal place of a degree`, () => {
    expect(coarsen({ lat: 51.5074, lng: -0.1278 })).toEqual({ lat: 51.5, lng: -0.1 });
    expect(coarsen({ lat: -33.8688, lng: 151.2093 })).toEqual({ lat: -33.9, lng: 151.2 });
    expect(coarsen({ lat: 0.04, lng: 0.06 })).toEqual({ lat: 0, lng: 0.1 });
  });

  it('coarsen() clamps latitude and wraps longitude at the antimeridian', () => {
    expect(coarsen({ lat: 95, lng: 0 })).toEqual({ lat: 90, lng: 0 });
    expect(coarsen({ lat: -91, lng: 0 })).toEqual({ lat: -90, lng: 0 });
    expect(coarsen({ lat: 0, lng: 180 })).toEqual({ lat: 0, lng: -180 });
    expect(coarsen({ lat: 0, lng: 179.96 })).toEqual({ lat: 0, lng: -180 });
    expect(coarsen({ lat: 0, lng: 181.23 })).toEqual({ lat: 0, lng: -178.8 });
  });

  it('coarsen() never returns -0', () => {
    const c = coarsen({ lat: -0.04, lng: -0.04 });
    expect(Object.is(c.lat, 0)).toBe(true);
    expect(Object.is(c.lng, 0)).toBe(true);
  });

  it('coarsen() is idempotent, valid and moves a point by at most half a step', () => {
    fc.assert(
      fc.property(latLng, (p) => {
        const c = coarsen(p);
        expect(coarsen(c)).toEqual(c);
        expect(isValidLatLng(c.lat, c.lng)).toBe(true);
        expect(c.lng).toBeLessThan(180);
        expect(Math.abs(c.lat - p.lat)).toBeLessThanOrEqual(0.05 + 1e-9);
        expect(angle(toVec3(c), toVec3(p))).toBeLessThanOrEqual(0.08 * DEG);
        // exactly representable as the nearest one-decimal number
        expect(c.lat).toBe(Number(c.lat.toFixed(POSITION_DECIMALS)));
        expect(c.lng).toBe(Number(c.lng.toFixed(POSITION_DECIMALS)));
      }),
      { numRuns: 500 },
    );
  });
});

describe('vectors', () => {
  it('toVec3() puts the poles and the antimeridian where expected', () => {
    const close = (v: Vec3, w: Vec3): void => w.forEach((x, i) => expect(v[i]).toBeCloseTo(x, 12));
    close(toVec3({ lat: 0, lng: 0 }), [1, 0, 0]);
    close(toVec3({ lat: 0, lng: 90 }), [0, 1, 0]);
    close(toVec3({ lat: 90, lng: 123 }), [0, 0, 1]);
    close(toVec3({ lat: -90, lng: -45 }), [0, 0, -1]);
    close(toVec3({ lat: 0, lng: 180 }), toVec3({ lat: 0, lng: -180 }));
  });

  it('toLatLng() inverts toVec3() away from the poles', () => {
    fc.assert(
      fc.property(real(-89, 89), real(-179.9, 179.9), (lat, lng) => {
        const back = toLatLng(toVec3({ lat, lng }));
        expect(back.lat).toBeCloseTo(lat, 9);
        expect(back.lng).toBeCloseTo(lng, 9);
      }),
    );
  });

  it('cross() and dot() of the axes', () => {
    expect(cross([1, 0, 0], [0, 1, 0])).toEqual([0, 0, 1]);
    expect(dot([1, 2, 3], [4, -5, 6])).toBe(12);
    expect(normalise([3, 0, 4])).toEqual([0.6, 0, 0.8]);
  });

  it('angle() for equal, orthogonal, antipodal and tiny separations', () => {
    const a = toVec3({ lat: 10, lng: 20 });
    expect(angle(a, a)).toBe(0);
    expect(angle([1, 0, 0], [0, 1, 0])).toBeCloseTo(Math.PI / 2, 15);
    expect(angle([1, 0, 0], [-1, 0, 0])).toBeCloseTo(Math.PI, 15);
    // 1e-9 rad apart: acos(dot) would return 0 here
    const t = 1e-9;
    expect(angle([1, 0, 0], [Math.cos(t), Math.sin(t), 0]) / t).toBeCloseTo(1, 6);
    // near-antipodal: acos(dot) would lose all precision
    expect((Math.PI - angle([1, 0, 0], [-Math.cos(t), Math.sin(t), 0])) / t).toBeCloseTo(1, 6);
  });
});

describe('peerPoint()', () => {
  it('peerPoint() is a unit vector within JITTER_MAX_RAD of the coarse position', () => {
    fc.assert(
      fc.property(latLng, fc.string({ minLength: 1, maxLength: 22 }), (p, id) => {
        const pos = coarsen(p);
        const v = peerPoint(id, pos);
        expect(norm(v)).toBeCloseTo(1, 14);
        expect(angle(v, toVec3(pos))).toBeLessThanOrEqual(JITTER_MAX_RAD);
        expect(angle(v, toVec3(pos))).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
    expect(JITTER_MAX_RAD).toBeGreaterThanOrEqual(Math.sqrt(3) * JITTER);
  });

  it('peerPoint() is deterministic and separates co-located peers', () => {
    const pos = { lat: 51.5, lng: -0.1 };
    expect(peerPoint('AAAAAAAAAAAAAAAAAAAAAA', pos)).toEqual(peerPoint('AAAAAAAAAAAAAAAAAAAAAA', pos));
    const ids = Array.from({ length: 200 }, (_, i) => `peer-${i}`.padEnd(22, '_'));
    const points = ids.map((id) => peerPoint(id, pos));
    let minGap = Infinity;
    for (let i = 0; i < points.length; i++) for (let j = i + 1; j < points.length; j++) minGap = Math.min(minGap, angle(points[i]!, points[j]!));
    expect(minGap).toBeGreaterThan(0);
    // ids one character apart still land far apart relative to the jitter (the hash avalanches)
    expect(angle(peerPoint('a'.repeat(22), pos), peerPoint('a'.repeat(21) + 'b', pos))).toBeGreaterThan(JITTER / 100);
  });

  it('peerPoint() at a pole does not depend on the longitude', () => {
    for (const lat of [90, -90]) {
      const a = peerPoint('polar-peer', { lat, lng: 0 });
      const b = peerPoint('polar-peer', { lat, lng: -180 });
      expect(angle(a, b)).toBeLessThan(1e-12);
    }
  });

  it('peerPoint() at lng 180 and -180 is the same point', () => {
    expect(angle(peerPoint('x', { lat: 12.3, lng: 180 }), peerPoint('x', { lat: 12.3, lng: -180 }))).toBeLessThan(1e-12);
  });
});

describe('stereographic()', () => {
  it('stereographic() maps the centre to (0, 0)', () => {
    fc.assert(
      fc.property(latLng, (p) => {
        const c = toVec3(p);
        const [x, y] = stereographic(c)(c);
        expect(Math.abs(x)).toBeLessThan(1e-12);
        expect(Math.abs(y)).toBeLessThan(1e-12);
      }),
    );
  });

  it('stereographic() maps a point at angle θ from the centre to radius tan(θ/2)', () => {
    fc.assert(
      fc.property(latLng, latLng, (c, p) => {
        const cv = toVec3(c);
        const pv = toVec3(p);
        const theta = angle(cv, pv);
        fc.pre(theta < Math.PI - 0.1);
        const [x, y] = stereographic(cv)(pv);
        expect(Math.hypot(x, y)).toBeCloseTo(Math.tan(theta / 2), 9);
      }),
    );
  });

  it('stereographic() maps circles on the sphere to circles in the plane', () => {
    fc.assert(
      fc.property(latLng, latLng, real(0.001, 1.2), (c, k, r) => {
        const centre = toVec3(c);
        const axis = toVec3(k);
        fc.pre(angle(axis, centre) + r < Math.PI - 0.2);
        // four points on the circle of angular radius r around `axis`
        const helper: Vec3 = Math.abs(axis[2]) < 0.9 ? [0, 0, 1] : [1, 0, 0];
        const u = normalise(cross(helper, axis));
        const v = cross(axis, u);
        const project = stereographic(centre);
        const pts = [0.3, 1.9, 3.7, 5.1].map((t) =>
          project([0, 1, 2].map((i) => Math.cos(r) * axis[i]! + Math.sin(r) * (Math.cos(t) * u[i]! + Math.sin(t) * v[i]!)) as unknown as Vec3),
        );
        // circumcircle of the first three must pass through the fourth
        const [a, b, d] = pts as [[number, number], [number, number], [number, number]];
        const D = 2 * (a[0] * (b[1] - d[1]) + b[0] * (d[1] - a[1]) + d[0] * (a[1] - b[1]));
        const sq = (q: [number, number]): number => q[0] ** 2 + q[1] ** 2;
        const ux = (sq(a) * (b[1] - d[1]) + sq(b) * (d[1] - a[1]) + sq(d) * (a[1] - b[1])) / D;
        const uy = (sq(a) * (d[0] - b[0]) + sq(b) * (a[0] - d[0]) + sq(d) * (b[0] - a[0])) / D;
        const R = Math.hypot(a[0] - ux, a[1] - uy);
        const fourth = pts[3]!;
        expect(Math.abs(Math.hypot(fourth[0] - ux, fourth[1] - uy) - R) / R).toBeLessThan(1e-6);
      }),
      { numRuns: 200 },
    );
  });

  it('stereographic() works with a centre at a pole (basis does not degenerate)', () => {
    for (const c of [[0, 0, 1], [0, 0, -1]] as Vec3[]) {
      const [x, y] = stereographic(c)(toVec3({ lat: 0, lng: 30 }));
      expect(Number.isFinite(x) && Number.isFinite(y)).toBe(true);
      expect(Math.hypot(x, y)).toBeCloseTo(1, 12); // 90° away: tan(45°)
    }
  });
});

describe('cells', () => {
  it('cellGrid(4) has 45 rows of 4°, 90 columns at the equator and at most 4 in the polar rows', () => {
    const g = cellGrid(4);
    expect(g.rows).toBe(45);
    expect(g.rowHeight).toBe(4);
    expect(g.cols[22]).toBe(90);
    expect(g.cols[0]).toBeLessThanOrEqual(4);
    expect(g.cols[44]).toBeLessThanOrEqual(4);
    expect(g.cols[0]).toBeGreaterThanOrEqual(1);
    // symmetric about the equator, widest at the equator
    for (let r = 0; r < g.rows; r++) expect(g.cols[r]).toBe(g.cols[g.rows - 1 - r]);
    expect(Math.max(...g.cols)).toBe(g.cols[22]);
  });

  it('cellGrid() rounds 180/cellDeg to whole rows and keeps cells roughly square', () => {
    for (const cellDeg of [0.5, 1, 3, 4, 7, 10, 30]) {
      const g = cellGrid(cellDeg);
      expect(g.rows).toBe(Math.round(180 / cellDeg));
      expect(g.rows * g.rowHeight).toBeCloseTo(180, 9);
      for (let r = 0; r < g.rows; r++) {
        const mid = -90 + (r + 0.5) * g.rowHeight;
        const width = (360 / g.cols[r]!) * Math.cos(mid * DEG);
        // width in degrees of arc at mid-latitude stays within a factor 2 of the height
        if (g.cols[r]! > 1) expect(width / g.rowHeight).toBeGreaterThan(0.5);
        expect(width / g.rowHeight).toBeLessThan(2.01);
      }
    }
  });

  it('cellOf() puts lng 180 and -180 in the same cell', () => {
    const g = cellGrid(4);
    for (const lat of [-89.9, -45, 0, 33.3, 89.9]) expect(cellOf(g, { lat, lng: 180 })).toBe(cellOf(g, { lat, lng: -180 }));
  });

  it('cellOf() on both sides of the antimeridian gives adjacent cells whose bounds touch', () => {
    for (const cellDeg of [1, 4, 10]) {
      const g = cellGrid(cellDeg);
      for (const lat of [-60, 0, 45.5]) {
        const east = cellOf(g, { lat, lng: 179.95 });
        const west = cellOf(g, { lat, lng: -179.95 });
        expect(east).not.toBe(west);
        const e = parseCell(g, east)!;
        const w = parseCell(g, west)!;
        expect(e.row).toBe(w.row);
        expect(w.col).toBe(0);
        expect(e.col).toBe(g.cols[e.row]! - 1);
        expect(cellBounds(g, east).east).toBe(180);
        expect(cellBounds(g, west).west).toBe(-180);
      }
    }
  });

  it('cellOf() at the poles: lat ±90 falls in the polar rows', () => {
    const g = cellGrid(4);
    for (const lng of [-180, -90, 0, 45, 179.9]) {
      expect(parseCell(g, cellOf(g, { lat: 90, lng }))!.row).toBe(g.rows - 1);
      expect(parseCell(g, cellOf(g, { lat: -90, lng }))!.row).toBe(0);
    }
  });

  it('cellOf() returns a cell whose bounds contain the position', () => {
    fc.assert(
      fc.property(latLng, fc.constantFrom(0.5, 1, 4, 10, 30), (p, cellDeg) => {
        const g = cellGrid(cellDeg);
        const id = cellOf(g, p);
        expect(parseCell(g, id)).not.toBeNull();
        const b = cellBounds(g, id);
        const lng = normaliseLng(p.lng);
        expect(p.lat).toBeGreaterThanOrEqual(b.south);
        expect(p.lat).toBeLessThanOrEqual(b.north);
        expect(lng).toBeGreaterThanOrEqual(b.west - 1e-9);
        expect(lng).toBeLessThanOrEqual(b.east + 1e-9);
      }),
      { numRuns: 500 },
    );
  });

  it('parseCell() parses every grid cell, and cellOf() of its centre is itself', () => {
    for (const cellDeg of [1, 4, 10, 30]) {
      const g = cellGrid(cellDeg);
      let count = 0;
      for (let row = 0; row < g.rows; row++) {
        for (let col = 0; col < g.cols[row]!; col++) {
          const id = `r${row}c${col}`;
          expect(parseCell(g, id)).toEqual({ row, col });
          const b = cellBounds(g, id);
          expect(cellOf(g, { lat: (b.south + b.north) / 2, lng: (b.west + b.east) / 2 })).toBe(id);
          count++;
        }
      }
      expect(count).toBe(g.cols.reduce((s, c) => s + c, 0));
    }
  });

  it('parseCell() rejects malformed ids and ids outside the grid', () => {
    const g = cellGrid(4);
    for (const id of ['', 'r0', 'c0', 'r0c', 'rc0', 'r-1c0', 'r01c0', 'r0c01', 'R0C0', ' r0c0', 'r0c0 ', 'r45c0', 'r0c4', `r22c90`, 'r99999c0', 'r1.5c0', 'r0c0r0c0']) {
      expect(parseCell(g, id), id).toBeNull();
    }
    expect(parseCell(g, 'r22c89')).toEqual({ row: 22, col: 89 });
  });

  it('cellBounds() throws a RangeError for a cell that is not in the grid', () => {
    expect(() => cellBounds(cellGrid(4), 'r45c0')).toThrow(RangeError);
    expect(() => cellBounds(cellGrid(4), 'nope')).toThrow(/nope/);
  });

  it('cellBounds() tiles each row from -180 to 180 and the rows from -90 to 90', () => {
    const g = cellGrid(4);
    expect(cellBounds(g, 'r0c0').south).toBe(-90);
    expect(cellBounds(g, `r${g.rows - 1}c0`).north).toBe(90);
    for (let row = 0; row < g.rows; row++) {
      let west = -180;
      for (let col = 0; col < g.cols[row]!; col++) {
        const b = cellBounds(g, `r${row}c${col}`);
        expect(b.west).toBeCloseTo(west, 9);
        west = b.east;
      }
      expect(west).toBeCloseTo(180, 9);
    }
  });

  it('cellShape() radius covers the corners and every point of the cell', () => {
    fc.assert(
      fc.property(fc.constantFrom(1, 4, 10, 30), fc.nat(), unitPair(), (cellDeg, pick, [u, v]) => {
        const g = cellGrid(cellDeg);
        const row = pick % g.rows;
        const col = Math.floor(pick / g.rows) % g.cols[row]!;
        const id = `r${row}c${col}`;
        const b = cellBounds(g, id);
        const s = cellShape(g, id);
        expect(norm(s.centre)).toBeCloseTo(1, 12);
        for (const lat of [b.south, b.north]) for (const lng of [b.west, b.east]) expect(angle(s.centre, toVec3({ lat, lng }))).toBeLessThanOrEqual(s.radius);
        const inside = toVec3({ lat: b.south + u * (b.north - b.south), lng: b.west + v * (b.east - b.west) });
        expect(angle(s.centre, inside)).toBeLessThanOrEqual(s.radius);
      }),
      { numRuns: 500 },
    );
  });

  it('cellShape() of a polar cell reaches the pole', () => {
    const g = cellGrid(4);
    for (const id of [`r${g.rows - 1}c0`, 'r0c0']) {
      const s = cellShape(g, id);
      const pole: Vec3 = id === 'r0c0' ? [0, 0, -1] : [0, 0, 1];
      expect(angle(s.centre, pole)).toBeLessThanOrEqual(s.radius);
      expect(s.radius).toBeLessThan(Math.PI / 2);
    }
  });
});

function unitPair(): fc.Arbitrary<[number, number]> {
  return fc.tuple(real(0, 1), real(0, 1));
}
