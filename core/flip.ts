/**
 * Repairs a triangulation of points on a sphere into their convex hull (= spherical Delaunay) by
 * Lawson flips decided with Shewchuk's exact orient3d. The planar triangulator is exact in its
 * orientation tests but not in its in-circle test, and stereographic projection can put a tight
 * crowd of co-located peers next to points 10⁶ times farther out; a few of its triangles may then
 * not be Delaunay. Every such triangle is found and flipped here, so the result is exact.
 */
import { orient3d } from 'robust-predicates';
import type { Vec3 } from './geo';

/** Flips allowed per triangle before giving up (a valid input needs only a handful in total). */
const MAX_FLIPS_PER_TRIANGLE = 20;

const next = (e: number): number => (e % 3 === 2 ? e - 2 : e + 1);
const prev = (e: number): number => (e % 3 === 0 ? e + 2 : e - 1);

/**
 * `triangles` holds vertex indices, three per triangle, all oriented the same way, such that every
 * other point lies on the side of a hull face where `orientation · orient3d(a, b, c, ·) > 0`;
 * `twins[e]` is the opposite half-edge of half-edge e. Both are updated in place. Returns the
 * number of flips.
 */
export function flipToHull(points: readonly Vec3[], triangles: Int32Array, twins: Int32Array, orientation: 1 | -1 = 1): number {
  const inner = (a: number, b: number, c: number, d: number): number => {
    const A = points[a]!, B = points[b]!, C = points[c]!, D = points[d]!;
    return orientation * orient3d(A[0], A[1], A[2], B[0], B[1], B[2], C[0], C[1], C[2], D[0], D[1], D[2]);
  };
  const stack: number[] = [];
  for (let e = 0; e < twins.length; e++) if (twins[e]! > e) stack.push(e);
  let flips = 0;
  const limit = MAX_FLIPS_PER_TRIANGLE * (triangles.length / 3) + 100;
  while (stack.length > 0) {
    const e = stack.pop()!;
    const t = twins[e]!;
    if (t < 0) continue;
    // e: a→b in triangle (a, b, c); t: b→a in triangle (b, a, d)
    const a = triangles[e]!, b = triangles[next(e)]!, c = triangles[prev(e)]!;
    const d = triangles[prev(t)]!;
    if (c === d || inner(a, b, c, d) >= 0) continue; // d is on the inner side of abc: legal
    if (++flips > limit) throw new Error('flipToHull: no convergence (input is not a triangulated sphere)');
    // Quad a, d, b, c → triangles (c, a, d) and (d, b, c), sharing d→c / c→d.
    const e1 = next(e), e2 = prev(e), t1 = next(t), t2 = prev(t);
    const tw_e1 = twins[e1]!, tw_e2 = twins[e2]!, tw_t1 = twins[t1]!, tw_t2 = twins[t2]!;
    const E = e - (e % 3), T = t - (t % 3);
    // triangle E ← (c, a, d): edges c→a, a→d, d→c
    triangles[E] = c; triangles[E + 1] = a; triangles[E + 2] = d;
    // triangle T ← (d, b, c): edges d→b, b→c, c→d
    triangles[T] = d; triangles[T + 1] = b; triangles[T + 2] = c;
    const link = (x: number, y: number): void => {
      twins[x] = y;
      if (y >= 0) twins[y] = x;
    };
    link(E, tw_e2); // c→a was e2 (c→a)
    link(E + 1, tw_t1); // a→d was t1 (a→d)
    link(E + 2, T + 2); // d→c ↔ c→d
    link(T, tw_t2); // d→b was t2 (d→b)
    link(T + 1, tw_e1); // b→c was e1 (b→c)
    stack.push(E, E + 1, T, T + 1);
  }
  return flips;
}
