/**
 * core/planar.ts: the planar Delaunay triangulation under the stereographic projections'
 * worst inputs — points 10⁻⁷ and 10⁷ from the origin in one set, near-collinear runs and
 * cocircular lattices. Checked with exact predicates: a valid triangulation of every point, and
 * every interior edge locally Delaunay.
 */
import fc from 'fast-check';
import { incircle, orient2d } from 'robust-predicates';
import { describe, expect, it } from 'vitest';
import { insertSkipped, planarDelaunay, type PlanarMesh } from '../../core/planar';

type P = readonly [number, number];

const next = (e: number): number => (e % 3 === 2 ? e - 2 : e + 1);
const prev = (e: number): number => (e % 3 === 0 ? e + 2 : e - 1);

/** Every way the mesh can be wrong, as readable strings (empty when it is right). */
function defects(points: readonly P[], m: PlanarMesh, delaunay = true): string[] {
  const out: string[] = [];
  const t = m.triangles, h = m.halfedges;
  const xy = (i: number): [number, number] => [points[i]![0], points[i]![1]];
  const used = new Set<number>();
  for (let k = 0; k < t.length; k += 3) {
    const [a, b, c] = [t[k]!, t[k + 1]!, t[k + 2]!];
    used.add(a).add(b).add(c);
    if (!(orient2d(...xy(a), ...xy(b), ...xy(c)) > 0)) out.push(`triangle ${a} ${b} ${c} inverted or flat`);
  }
  for (let e = 0; e < h.length; e++) {
    const f = h[e]!;
    if (f < 0) continue;
    if (h[f] !== e || t[e] !== t[next(f)] || t[f] !== t[next(e)]) {
      out.push(`half-edge ${e} twin ${f} mismatched`);
      continue;
    }
    // Locally Delaunay: the far vertex of the twin is not strictly inside this circumcircle.
    const a = t[e]!, b = t[next(e)]!, c = t[prev(e)]!, d = t[prev(f)]!;
    if (delaunay && incircle(...xy(a), ...xy(b), ...xy(c), ...xy(d)) < 0) out.push(`edge ${a} ${b} not Delaunay`);
  }
  if (t.length > 0 && used.size !== points.length) out.push(`${points.length - used.size} points dropped`);
  // Euler for a triangulated disc: triangles = 2n − 2 − hull.
  if (t.length > 0 && t.length / 3 !== 2 * points.length - 2 - m.hull.length) out.push('triangle count breaks Euler');
  return out;
}

const DECADES = [-7, -5, -3, 0, 3, 5, 7];
/** A point at radius 10^k (k from DECADES) in a random direction, plus a tiny random offset. */
const STEPS = 1_000_000_000;
/** Uniform in [min, max] (fc.double would mostly draw subnormals, which no projection makes). */
const real = (min: number, max: number): fc.Arbitrary<number> =>
  fc.noBias(fc.integer({ min: 0, max: STEPS })).map((i) => min + ((max - min) * i) / STEPS);
const mixedScalePoint: fc.Arbitrary<P> = fc
  .tuple(fc.constantFrom(...DECADES), real(0, 2 * Math.PI), real(0.5, 2))
  .map(([k, theta, s]) => [10 ** k * s * Math.cos(theta), 10 ** k * s * Math.sin(theta)] as const);

const distinct = (ps: readonly P[]): P[] => {
  const seen = new Set<string>();
  return ps.filter((p) => !seen.has(`${p[0]},${p[1]}`) && (seen.add(`${p[0]},${p[1]}`), true));
};

describe('planarDelaunay()', () => {
  it('planarDelaunay() for points spread over 14 decades of scale is a valid Delaunay triangulation', () => {
    fc.assert(
      fc.property(fc.array(mixedScalePoint, { minLength: 3, maxLength: 60 }), (raw) => {
        const points = distinct(raw);
        expect(defects(points, planarDelaunay(points))).toEqual([]);
      }),
      { numRuns: 400 },
    );
  });

  it('planarDelaunay() for a cocircular lattice and a near-collinear run stays valid', () => {
    const lattice: P[] = [];
    for (let i = 0; i < 12; i++) for (let j = 0; j < 12; j++) lattice.push([i, j]);
    expect(defects(lattice, planarDelaunay(lattice))).toEqual([]);
    const run: P[] = Array.from({ length: 40 }, (_, i) => [i * 1e-3, i * 1e-3 + (i % 3) * 1e-19] as const);
    run.push([0.02, 1e6]);
    expect(defects(run, planarDelaunay(run))).toEqual([]);
  });

  it('planarDelaunay() for collinear points: no triangles, every point on the hull in order', () => {
    const points: P[] = [[3, 3], [0, 0], [2, 2], [1, 1]];
    const m = planarDelaunay(points);
    expect(m.triangles.length).toBe(0);
    expect([...m.hull]).toEqual([1, 3, 2, 0]);
  });

  // Delaunator drops a point it finds inside the hull built so far (mapbox/delaunator#94; seen
  // here on a 10⁶-peer world); insertSkipped puts such points back. Exercised directly: points
  // placed exactly inside triangles, on interior edges and on hull edges of a triangulation.
  it('insertSkipped() places points inside triangles, on interior edges and on the hull: still a triangulation', () => {
    const even = fc.integer({ min: -250, max: 250 }).map((v) => v * 4);
    fc.assert(
      fc.property(fc.array(fc.tuple(even, even), { minLength: 3, maxLength: 40 }), fc.array(fc.tuple(fc.nat(), fc.constantFrom('inside', 'edge')), { minLength: 1, maxLength: 12 }), (raw, picks) => {
        const all = distinct(raw);
        let mesh = planarDelaunay(all);
        if (mesh.triangles.length === 0) return; // collinear: nothing to insert into
        const seen = new Set(all.map((p) => `${p[0]},${p[1]}`));
        for (const [k, where] of picks) {
          // one point at a time, each into the mesh as the previous insertion left it
          const t = mesh.triangles;
          const e = k % t.length, tri = e - (e % 3);
          const v = (i: number): P => all[t[i]!]!;
          const [a, b, c] = [v(tri), v(tri + 1), v(tri + 2)];
          const [u, w] = [v(e), v(tri + ((e + 1) % 3))];
          const q: P = where === 'inside' ? [(a[0] + b[0] + 2 * c[0]) / 4, (a[1] + b[1] + 2 * c[1]) / 4] : [(u[0] + w[0]) / 2, (u[1] + w[1]) / 2];
          if (seen.has(`${q[0]},${q[1]}`)) continue;
          seen.add(`${q[0]},${q[1]}`);
          all.push(q);
          mesh = insertSkipped(Float64Array.from(all.flat()), mesh, [all.length - 1]);
          expect(defects(all, mesh, false)).toEqual([]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('planarDelaunay() for the projected both-poles counterexample keeps every point', () => {
    // The five projected points of topology.test.ts's "one just off the pole" case.
    const points: P[] = [
      [0.000005950478736213003, 0.0000025712828743514126], [-4045741.986705403, -1133830.4016828232],
      [0.0000013329806585043337, 7.025174424008967e-7], [96.00368916530523, -1140.8069970037272],
      [0.0000040775587267653384, 5.944526155304686e-7],
    ];
    expect(defects(points, planarDelaunay(points))).toEqual([]);
  });
});
