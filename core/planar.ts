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
  const triangles = Int32Array.from(d.triangles);
  const halfedges = Int32Array.from(d.halfedges);
  if (triangles.length > 0) check(coords, triangles, halfedges, n);
  return { triangles, halfedges, hull: d.hull };
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
