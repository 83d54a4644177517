/**
 * Planar Delaunay triangulation that is always a valid triangulation, for the stereographic
 * projections in topology.ts.
 *
 * Delaunator (d3-delaunay's engine) decides orientation exactly but flips edges on a plain
 * floating-point in-circle test. Projections of peers near both poles at once put points 10⁻⁶
 * and 10⁶ from the origin in one input; there the rounded in-circle test can flip a non-convex
 * quad and leave two overlapping triangles, which no later repair can undo. With Shewchuk's
 * exact `incircle` a flip only ever happens on a convex quad, so the output stays a triangulation
 * (the exact 3-D repair in flip.ts then makes it spherical Delaunay). Checked on the way out.
 */
import Delaunator from 'delaunator';
import { incircle, orient2d } from 'robust-predicates';

/** Depth of the flip stack; Delaunator's own is 512, and it silently stops flipping past it. */
const STACK_SIZE = 1 << 16;
/**
 * Inputs are scaled by a power of two (exact, so every predicate keeps its answer) until the
 * largest coordinate is about this big. Delaunator skips a point within 2⁻⁵² (absolute) of the
 * previous one as a duplicate, which near the origin of a projection can be a distinct peer;
 * scaled up, only true duplicates are skipped. 10⁶⁰ keeps incircle's fourth powers finite.
 */
const SCALE_TO = 1e60;

export interface PlanarMesh {
  /** Vertex indices, three per triangle, all counter-clockwise. */
  readonly triangles: Int32Array;
  /** Twin half-edge of each half-edge, −1 on the hull. */
  readonly halfedges: Int32Array;
  /** Hull vertices, counter-clockwise (every point, in order along the line, when all are collinear). */
  readonly hull: Uint32Array;
}

/** Fields of Delaunator this file touches (private in its typings). */
interface DelaunatorInternals {
  coords: Float64Array;
  _triangles: Uint32Array;
  _halfedges: Int32Array;
  _hullStart: number;
  _hullPrev: Uint32Array;
  _hullTri: Uint32Array;
  _link(a: number, b: number): void;
}

const stack = new Uint32Array(STACK_SIZE);

/**
 * Delaunator's `_legalize`, unchanged but for the in-circle test: exact instead of rounded.
 * Returns the half-edge Delaunator expects (`ar` of the last triangle examined).
 */
function legalizeExact(this: DelaunatorInternals, start: number): number {
  const { _triangles: triangles, _halfedges: halfedges, coords } = this;
  let a = start;
  let i = 0;
  let ar = 0;
  for (;;) {
    const b = halfedges[a]!;
    const a0 = a - (a % 3);
    ar = a0 + ((a + 2) % 3);
    if (b === -1) {
      if (i === 0) break;
      a = stack[--i]!;
      continue;
    }
    const b0 = b - (b % 3);
    const al = a0 + ((a + 1) % 3);
    const bl = b0 + ((b + 2) % 3);
    const p0 = triangles[ar]!, pr = triangles[a]!, pl = triangles[al]!, p1 = triangles[bl]!;
    // Delaunator's triangles are clockwise in y-up terms: p1 is inside the circle through
    // p0, pr, pl exactly when incircle() of them is negative.
    const illegal = incircle(
      coords[2 * p0]!, coords[2 * p0 + 1]!,
      coords[2 * pr]!, coords[2 * pr + 1]!,
      coords[2 * pl]!, coords[2 * pl + 1]!,
      coords[2 * p1]!, coords[2 * p1 + 1]!,
    ) < 0;
    if (!illegal) {
      if (i === 0) break;
      a = stack[--i]!;
      continue;
    }
    triangles[a] = p1;
    triangles[b] = p0;
    const hbl = halfedges[bl]!;
    if (hbl === -1) {
      // The swapped edge is on the hull: repoint the hull's reference to its triangle.
      let e = this._hullStart;
      do {
        if (this._hullTri[e] === bl) {
          this._hullTri[e] = a;
          break;
        }
        e = this._hullPrev[e]!;
      } while (e !== this._hullStart);
    }
    this._link(a, hbl);
    this._link(b, halfedges[ar]!);
    this._link(ar, bl);
    if (i >= STACK_SIZE) throw new Error('planarDelaunay: flip stack overflow');
    stack[i++] = b0 + ((b + 1) % 3);
  }
  return ar;
}

/** Delaunator with the exact in-circle test (its constructor triangulates through `_legalize`). */
class ExactDelaunator extends Delaunator<Float64Array> {}
Object.defineProperty(ExactDelaunator.prototype, '_legalize', { value: legalizeExact });

/**
 * Delaunay triangulation of `points` ([x, y] pairs). Throws if the result is not a valid
 * triangulation of every point, which exact predicates should make impossible: better a loud
 * failure than a neighbour graph with a hole in it.
 */
export function planarDelaunay(points: readonly (readonly [number, number])[]): PlanarMesh {
  const n = points.length;
  let max = 0;
  for (const [x, y] of points) max = Math.max(max, Math.abs(x), Math.abs(y));
  const scale = max > 0 && Number.isFinite(max) ? 2 ** Math.min(1000, Math.floor(Math.log2(SCALE_TO / max))) : 1;
  const coords = new Float64Array(2 * n);
  points.forEach(([x, y], i) => {
    coords[2 * i] = x * scale;
    coords[2 * i + 1] = y * scale;
  });
  const d = new ExactDelaunator(coords);
  let mesh: PlanarMesh = { triangles: Int32Array.from(d.triangles), halfedges: Int32Array.from(d.halfedges), hull: d.hull };
  if (mesh.triangles.length > 0) {
    const missing = unused(mesh.triangles, n);
    if (missing.length > 0) mesh = insertSkipped(coords, mesh, missing);
    check(coords, mesh.triangles, mesh.halfedges, n);
  }
  return mesh;
}

function unused(t: Int32Array, n: number): number[] {
  const used = new Uint8Array(n);
  for (const v of t) used[v] = 1;
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (!used[i]) out.push(i);
  return out;
}

/**
 * Adds the points Delaunator skipped. Its sweep inserts points in order of rounded distance from
 * a centre; when that order is off, a point can already lie inside the hull built so far, and
 * Delaunator drops it (mapbox/delaunator#94). Each is inside (or on the boundary of) the final
 * hull, so it is placed into the triangle or edge that holds it, found with exact orient2d. The
 * result is a valid triangulation, not necessarily Delaunay: the callers' exact 3-D flips make it
 * so. A point that coincides with another cannot be placed and is left for check() to report.
 */
export function insertSkipped(coords: Float64Array, mesh: PlanarMesh, missing: readonly number[]): PlanarMesh {
  const t = [...mesh.triangles];
  const h = [...mesh.halfedges];
  const hull = [...mesh.hull];
  const x = (i: number): number => coords[2 * i]!;
  const y = (i: number): number => coords[2 * i + 1]!;
  const link = (a: number, b: number): void => {
    h[a] = b;
    if (b >= 0) h[b] = a;
  };
  for (const p of missing) {
    let placed = false;
    for (let k = 0; k < t.length && !placed; k += 3) {
      const [a, b, c] = [t[k]!, t[k + 1]!, t[k + 2]!];
      const o = [orient2d(x(a), y(a), x(b), y(b), x(p), y(p)), orient2d(x(b), y(b), x(c), y(c), x(p), y(p)), orient2d(x(c), y(c), x(a), y(a), x(p), y(p))];
      if (o.some((v) => v < 0)) continue;
      const zero = o.filter((v) => v === 0).length;
      if (zero > 1) break; // on a vertex: a duplicate point
      placed = true;
      if (zero === 0) {
        // Inside: (a, b, c) → (a, b, p), (b, c, p), (c, a, p).
        const [h0, h1, h2] = [h[k]!, h[k + 1]!, h[k + 2]!];
        const u = t.length, v = u + 3;
        t[k + 2] = p;
        t.push(b, c, p, c, a, p);
        h.push(-1, -1, -1, -1, -1, -1);
        link(k, h0);
        link(u, h1);
        link(v, h2);
        link(k + 1, u + 2); // b→p ↔ p→b
        link(u + 1, v + 2); // c→p ↔ p→c
        link(v + 1, k + 2); // a→p ↔ p→a
        continue;
      }
      // On the edge opposite the zero: rotate so that edge is e = a→b of this triangle.
      const j = o.indexOf(0);
      const e = k + j;
      splitEdge(t, h, hull, e, p, link);
    }
  }
  return { triangles: Int32Array.from(t), halfedges: Int32Array.from(h), hull: Uint32Array.from(hull) };
}

const nextHalfedge = (e: number): number => (e % 3 === 2 ? e - 2 : e + 1);
const prevHalfedge = (e: number): number => (e % 3 === 0 ? e + 2 : e - 1);

/** Splits half-edge e (a→b, triangle a b c) and its twin (b→a, triangle b a d), if any, at p. */
function splitEdge(t: number[], h: number[], hull: number[], e: number, p: number, link: (a: number, b: number) => void): void {
  const a = t[e]!, b = t[nextHalfedge(e)]!;
  const f = h[e]!;
  const near = splitTriangleAt(t, h, e, p, link);
  if (f < 0) {
    // A hull edge: p joins the hull between a and b (a→p and p→b keep no twin).
    const i = hull.indexOf(a), k = hull.indexOf(b);
    hull.splice(Math.max(i, k) === hull.length - 1 && Math.min(i, k) === 0 ? hull.length : Math.max(i, k), 0, p);
    return;
  }
  const far = splitTriangleAt(t, h, f, p, link);
  link(near.toP, far.fromP); // a→p ↔ p→a
  link(near.fromP, far.toP); // p→b ↔ b→p
}

/**
 * Splits the triangle of half-edge e (u→v, triangle u v w) at p on that edge: (u, p, w) in place
 * and (p, v, w) appended, linked to each other and to the old outer twins of v→w and w→u. Returns
 * the half-edges u→p and p→v, whose twins the caller sets (the other side's halves, or none).
 */
function splitTriangleAt(t: number[], h: number[], e: number, p: number, link: (a: number, b: number) => void): { toP: number; fromP: number } {
  const u = t[e]!, v = t[nextHalfedge(e)]!, w = t[prevHalfedge(e)]!;
  const hvw = h[nextHalfedge(e)]!, hwu = h[prevHalfedge(e)]!;
  const E = e - (e % 3);
  t[E] = u; t[E + 1] = p; t[E + 2] = w;
  const N = t.length;
  t.push(p, v, w);
  h.push(-1, -1, -1);
  h[E] = -1;
  link(E + 2, hwu); // w→u
  link(N + 1, hvw); // v→w
  link(E + 1, N + 2); // p→w ↔ w→p
  return { toP: E, fromP: N };
}

/** Every triangle strictly clockwise in y-up terms (Delaunator's convention), every point used, twins paired. */
function check(coords: Float64Array, t: Int32Array, h: Int32Array, n: number): void {
  const used = new Uint8Array(n);
  for (let k = 0; k < t.length; k += 3) {
    const a = t[k]!, b = t[k + 1]!, c = t[k + 2]!;
    used[a] = used[b] = used[c] = 1;
    const o = orient2d(coords[2 * a]!, coords[2 * a + 1]!, coords[2 * b]!, coords[2 * b + 1]!, coords[2 * c]!, coords[2 * c + 1]!);
    if (!(o > 0)) throw new Error(`planarDelaunay: triangle ${k / 3} is inverted or flat`);
  }
  for (let e = 0; e < h.length; e++) {
    if (h[e]! >= 0 && h[h[e]!] !== e) throw new Error(`planarDelaunay: half-edge ${e} is not paired`);
  }
  for (let i = 0; i < n; i++) if (!used[i]) throw new Error(`planarDelaunay: point ${i} was dropped`);
}
