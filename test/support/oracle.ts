/**
 * An independent brute-force spherical Delaunay graph, O(n⁴): a triangle is a face iff every other
 * point lies strictly on one side of the plane through its three points (the convex hull of points
 * on a sphere). Shares nothing with core/topology.ts but the definition of a peer's point.
 */
export type P3 = readonly [number, number, number];

export function bruteDelaunay(points: readonly P3[]): Set<number>[] {
  const n = points.length;
  const adj = points.map(() => new Set<number>());
  const link = (a: number, b: number): void => {
    adj[a]!.add(b);
    adj[b]!.add(a);
  };
  if (n <= 3) {
    for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) link(a, b);
    return adj;
  }
  for (let a = 0; a < n; a++) {
    for (let b = a + 1; b < n; b++) {
      for (let c = b + 1; c < n; c++) {
        const A = points[a]!, B = points[b]!, C = points[c]!;
        const u = [B[0] - A[0], B[1] - A[1], B[2] - A[2]];
        const v = [C[0] - A[0], C[1] - A[1], C[2] - A[2]];
        const nx = u[1]! * v[2]! - u[2]! * v[1]!;
        const ny = u[2]! * v[0]! - u[0]! * v[2]!;
        const nz = u[0]! * v[1]! - u[1]! * v[0]!;
        const off = nx * A[0] + ny * A[1] + nz * A[2];
        let pos = false, neg = false;
        for (let d = 0; d < n && !(pos && neg); d++) {
          if (d === a || d === b || d === c) continue;
          const s = nx * points[d]![0] + ny * points[d]![1] + nz * points[d]![2] - off;
          if (s > 0) pos = true;
          else neg = true;
        }
        if (!(pos && neg)) {
          link(a, b);
          link(b, c);
          link(a, c);
        }
      }
    }
  }
  return adj;
}
