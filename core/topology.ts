/**
 * Who neighbours whom: the spherical Delaunay graph of all online peers, computed either for the
 * whole world at once or, inside one cell, from only the peers within some radius (see
 * DESIGN.md, "Topology"). Pure: flat data in, flat data out.
 */
import { orient3d } from 'robust-predicates';
import { flipToHull } from './flip';
import { angle, cross, dot, JITTER_MAX_RAD, normalise, stereographic, type Vec3 } from './geo';
import { planarDelaunay, type PlanarMesh } from './planar';

/** Degree cap default (DESIGN.md): rare layouts (a peer inside a ring of 40) exceed it. */
export const DEFAULT_MAX_DEGREE = 16;
/** Numerical slack when testing a circumcap against the read radius. */
const CAP_EPS = 1e-9;

/** A peer as topology sees it: an id and its (jittered) point on the unit sphere. */
export interface Site {
  readonly id: string;
  readonly p: Vec3;
}

/** Neighbour lists by site index; `certified[i]` says site i's list is final (see localStars). */
export interface Stars {
  readonly neighbours: number[][];
  readonly certified: boolean[];
}

/** Edge list helper: adds the undirected edge a–b to adjacency sets. */
function link(adj: Set<number>[], a: number, b: number): void {
  if (a === b) return;
  adj[a]!.add(b);
  adj[b]!.add(a);
}

function sorted(adj: Set<number>[]): number[][] {
  return adj.map((s) => [...s].sort((a, b) => a - b));
}

/**
 * The exact spherical Delaunay graph of `sites` (all of them known).
 *
 * Projects stereographically from one of the sites, q: circles through q become lines, so the
 * triangles at q are q joined to each edge of the planar convex hull, and every other spherical
 * Delaunay triangle is a planar Delaunay triangle of the rest (their empty caps avoid q).
 */
export function sphericalDelaunay(sites: readonly Site[]): Stars {
  const n = sites.length;
  const adj = sites.map(() => new Set<number>());
  // 0–3 points: every pair is a Delaunay edge (3 points on a sphere bound two empty caps).
  if (n <= 3) {
    for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) link(adj, a, b);
    return { neighbours: sorted(adj), certified: sites.map(() => true) };
  }
  // Pole: the site farthest from the mean direction, so the others project into a tidy disc.
  let mean: Vec3 = [0, 0, 0];
  for (const s of sites) mean = [mean[0] + s.p[0], mean[1] + s.p[1], mean[2] + s.p[2]];
  if (Math.hypot(...mean) < 1e-12) mean = sites[0]!.p;
  let q = 0;
  for (let i = 1; i < n; i++) if (dot(sites[i]!.p, mean) < dot(sites[q]!.p, mean)) q = i;
  const project = stereographic([-sites[q]!.p[0], -sites[q]!.p[1], -sites[q]!.p[2]]);
  const others: number[] = [];
  for (let i = 0; i < n; i++) if (i !== q) others.push(i);
  const d = planarDelaunay(others.map((i) => project(sites[i]!.p)));
  const mesh = closeWithPole(d, others, q);
  if (mesh) {
    // The projection rounds: repair with exact 3-D predicates on the points themselves.
    const points = sites.map((s) => s.p);
    const [a, b, c] = [mesh.triangles[0]!, mesh.triangles[1]!, mesh.triangles[2]!];
    const P = (i: number): Vec3 => points[i]!;
    const side = orient3d(...P(a), ...P(b), ...P(c), ...P(q));
    flipToHull(points, mesh.triangles, mesh.twins, side >= 0 ? 1 : -1);
    const t = mesh.triangles;
    for (let k = 0; k < t.length; k += 3) {
      link(adj, t[k]!, t[k + 1]!);
      link(adj, t[k + 1]!, t[k + 2]!);
      link(adj, t[k + 2]!, t[k]!);
    }
  } else {
    // Degenerate projection (all others on one line): the hull polygon joined to q.
    const hull = d.hull;
    for (let k = 0; k < hull.length; k++) {
      link(adj, q, others[hull[k]!]!);
      link(adj, others[hull[k]!]!, others[hull[(k + 1) % hull.length]!]!);
    }
  }
  return { neighbours: sorted(adj), certified: sites.map(() => true) };
}

/**
 * The planar triangles (as site indices) plus a fan joining the pole site q to every hull edge:
 * a closed triangulation of the sphere, with twin half-edges. Null when there are no triangles.
 */
function closeWithPole(d: PlanarMesh, others: number[], q: number): { triangles: Int32Array; twins: Int32Array } | null {
  const pt = d.triangles;
  const ph = d.halfedges;
  if (pt.length === 0) return null;
  const hullEdges: number[] = [];
  for (let e = 0; e < ph.length; e++) if (ph[e]! < 0) hullEdges.push(e);
  const n = pt.length + 3 * hullEdges.length;
  const triangles = new Int32Array(n);
  const twins = new Int32Array(n).fill(-1);
  for (let e = 0; e < pt.length; e++) {
    triangles[e] = others[pt[e]!]!;
    twins[e] = ph[e]!;
  }
  const nextE = (e: number): number => (e % 3 === 2 ? e - 2 : e + 1);
  // Fan triangle for hull half-edge a→b is (b, a, q): b→a, a→q, q→b.
  const fanByStart = new Map<number, number>();
  const fanByEnd = new Map<number, number>();
  hullEdges.forEach((e, k) => {
    const a = triangles[e]!, b = triangles[nextE(e)]!;
    const f = pt.length + 3 * k;
    triangles[f] = b;
    triangles[f + 1] = a;
    triangles[f + 2] = q;
    twins[f] = e;
    twins[e] = f;
    fanByStart.set(a, f);
    fanByEnd.set(b, f);
  });
  hullEdges.forEach((e, k) => {
    const a = triangles[e]!, b = triangles[nextE(e)]!;
    const f = pt.length + 3 * k;
    twins[f + 1] = fanByEnd.get(a)! + 2; // a→q ↔ q→a in the fan of the hull edge ending at a
    twins[f + 2] = fanByStart.get(b)! + 1; // q→b ↔ b→q in the fan of the hull edge starting at b
  });
  return { triangles, twins };
}

/**
 * The circumcap of three points: the spherical cap bounded by the circle through them that does
 * not contain `pole`. Returns its centre and angular radius.
 */
export function circumcap(a: Vec3, b: Vec3, c: Vec3, pole: Vec3): { centre: Vec3; radius: number } {
  let n = normalise(cross([b[0] - a[0], b[1] - a[1], b[2] - a[2]], [c[0] - a[0], c[1] - a[1], c[2] - a[2]]));
  // The cap {x : x·n > a·n} must not contain the pole.
  if (dot(pole, n) > dot(a, n)) n = [-n[0], -n[1], -n[2]];
  return { centre: n, radius: angle(n, a) };
}

/**
 * Delaunay stars of `sites` when only the peers within `radius` of `centre` are known (all of
 * them: the caller read every cell that reaches into that cap).
 *
 * A triangle whose circumcap lies inside the read cap is empty of every peer in the world, so it
 * is a global Delaunay triangle. A site's star is certified when all its triangles are such and
 * they close a full fan around it (it is not on the hull of what was read).
 */
export function localStars(sites: readonly Site[], centre: Vec3, radius: number): Stars {
  const n = sites.length;
  const adj = sites.map(() => new Set<number>());
  const certified = sites.map(() => false);
  if (n < 3) return { neighbours: sorted(adj), certified };
  const c = normalise(centre);
  const pole: Vec3 = [-c[0], -c[1], -c[2]];
  const project = stereographic(c);
  const d = planarDelaunay(sites.map((s) => project(s.p)));
  const t = d.triangles;
  if (t.length > 0) {
    // Same exact repair as sphericalDelaunay: the pole is outside every planar circumcircle, so
    // it lies on the inner side of every triangle's plane and fixes the orientation.
    const points = sites.map((s) => s.p);
    const P = (i: number): Vec3 => points[i]!;
    const side = orient3d(...P(t[0]!), ...P(t[1]!), ...P(t[2]!), ...pole);
    flipToHull(points, t, d.halfedges, side >= 0 ? 1 : -1);
  }
  // A peer's point may sit up to JITTER_MAX_RAD outside the cell its coarse position is in.
  const safe = radius - JITTER_MAX_RAD - CAP_EPS;
  const good = new Array<boolean>(t.length / 3);
  for (let k = 0; k < t.length; k += 3) {
    const a = t[k]!, b = t[k + 1]!, cc = t[k + 2]!;
    link(adj, a, b);
    link(adj, b, cc);
    link(adj, cc, a);
    const cap = circumcap(sites[a]!.p, sites[b]!.p, sites[cc]!.p, pole);
    good[k / 3] = angle(c, cap.centre) + cap.radius <= safe;
  }
  // Start certified, then knock out hull sites and corners of uncertified triangles.
  for (let i = 0; i < n; i++) certified[i] = adj[i]!.size > 0;
  for (const h of d.hull) certified[h] = false;
  for (let k = 0; k < t.length; k += 3) {
    if (good[k / 3]) continue;
    certified[t[k]!] = false;
    certified[t[k + 1]!] = false;
    certified[t[k + 2]!] = false;
  }
  return { neighbours: sorted(adj), certified };
}

/**
 * Applies the degree cap to the edges of the sites in `of`, returning their final neighbour
 * indices. Needs the stars of those sites and of all their neighbours.
 *
 * Rule: an edge touching a peer whose Delaunay degree exceeds `maxDegree` is kept only if it is in
 * the relative neighbourhood graph as seen from both stars (no common witness z, among the
 * neighbours of either end, nearer to both ends than they are to each other). That graph contains
 * the minimum spanning tree, so the capped graph stays connected, and two of its edges at a peer
 * are more than 60° apart, so an over-full peer keeps at most ~6. Both ends of an edge decide the
 * same way from the same two stars, so cells agree without talking.
 */
export function capDegree(sites: readonly Site[], stars: Stars, of: readonly number[], maxDegree: number): number[][] {
  const nb = stars.neighbours;
  const over = (i: number): boolean => nb[i]!.length > maxDegree;
  const dist = (a: number, b: number): number => angle(sites[a]!.p, sites[b]!.p);
  const relative = (x: number, y: number): boolean => {
    const dxy = dist(x, y);
    for (const list of [nb[x]!, nb[y]!]) {
      for (const z of list) {
        if (z === x || z === y) continue;
        if (Math.max(dist(x, z), dist(y, z)) < dxy) return false;
      }
    }
    return true;
  };
  return of.map((x) => nb[x]!.filter((y) => !(over(x) || over(y)) || relative(x, y)));
}

export interface AssignInput {
  /** Every peer read: the cell's own and those of every non-empty cell reaching into the cap. */
  sites: readonly Site[];
  /** Ids of the peers whose neighbour sets are wanted (the cell's own). */
  own: readonly string[];
  /** Centre of the read cap. */
  centre: Vec3;
  /** Radius of the read cap; `Infinity` (or ≥ π) when every peer in the world was read. */
  radius: number;
  maxDegree: number;
}

/**
 * Final, capped neighbour ids of every `own` peer, or null when what was read cannot certify them
 * (the caller then reads a wider cap). Deterministic: sorted by id.
 */
export function assignNeighbours(input: AssignInput): Map<string, string[]> | null {
  const { sites, own, centre, radius, maxDegree } = input;
  const stars = radius >= Math.PI ? sphericalDelaunay(sites) : localStars(sites, centre, radius);
  const index = new Map(sites.map((s, i) => [s.id, i]));
  const ownIdx: number[] = [];
  for (const id of own) {
    const i = index.get(id);
    if (i === undefined) throw new RangeError(`own peer ${id} is not among the sites`);
    ownIdx.push(i);
  }
  // The cap needs the degree of every neighbour too, so their stars must be final as well.
  for (const i of ownIdx) {
    if (!stars.certified[i]) return null;
    for (const j of stars.neighbours[i]!) if (!stars.certified[j]) return null;
  }
  const capped = capDegree(sites, stars, ownIdx, maxDegree);
  const out = new Map<string, string[]>();
  ownIdx.forEach((i, k) => out.set(sites[i]!.id, capped[k]!.map((j) => sites[j]!.id).sort()));
  return out;
}

/** Whole-world neighbour sets (the simulation's and tests' entry point). */
export function globalNeighbours(sites: readonly Site[], maxDegree: number = DEFAULT_MAX_DEGREE): Map<string, string[]> {
  const result = assignNeighbours({
    sites, own: sites.map((s) => s.id), centre: [1, 0, 0], radius: Infinity, maxDegree,
  });
  return result!;
}
