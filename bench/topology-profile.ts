/**
 * Where a cell's recompute spends its time. A step-by-step copy of `assignNeighbours` with the
 * local branch (`localStars`) inlined, timing each step; the smoke test holds its result equal to
 * core's, so the copy cannot drift silently. Steps:
 *   sites      peerPoint() for every peer read (recompute.ts does it on every pass)
 *   project    stereographic projection of every site around the cell centre
 *   triangulate planarDelaunay (exact Delaunator) over all of them, then the exact 3-D flip repair
 *   adjacency  neighbour Sets and sorted lists for every site (not only the cell's own)
 *   certify    a circumcap per triangle, hull and knock-outs
 *   cap        own stars certified? then capDegree over own peers
 *   ids        back to sorted id lists
 */
import { orient3d } from 'robust-predicates';
import { flipToHull } from '../core/flip';
import { angle, JITTER_MAX_RAD, normalise, peerPoint, stereographic, type Vec3 } from '../core/geo';
import { planarDelaunay } from '../core/planar';
import { capDegree, circumcap, type Site, type Stars } from '../core/topology';

const CAP_EPS = 1e-9; // as core/topology.ts

export const PHASES = ['sites', 'project', 'triangulate', 'adjacency', 'certify', 'cap', 'ids'] as const;
export type Phase = (typeof PHASES)[number];

export interface Profiled {
  result: Map<string, string[]> | null;
  ms: Record<Phase, number>;
}

export function profiledAssign(
  records: readonly { id: string; lat: number; lng: number }[], own: readonly string[], centre: Vec3, radius: number, maxDegree: number,
): Profiled {
  const ms = Object.fromEntries(PHASES.map((p) => [p, 0])) as Record<Phase, number>;
  let t = performance.now();
  const lap = (p: Phase): void => {
    const now = performance.now();
    ms[p] += now - t;
    t = now;
  };
  const sites: Site[] = records.map((k) => ({ id: k.id, p: peerPoint(k.id, k) }));
  lap('sites');
  // 0–2 peers: no triangle, nothing certifies (as localStars)
  if (sites.length < 3) return { result: null, ms };
  const c = normalise(centre);
  const pole: Vec3 = [-c[0], -c[1], -c[2]];
  const project = stereographic(c);
  const points = sites.map((s) => project(s.p));
  lap('project');
  const d = planarDelaunay(points);
  const tri = d.triangles;
  if (tri.length > 0) {
    const P = (i: number): Vec3 => sites[i]!.p;
    const side = orient3d(...P(tri[0]!), ...P(tri[1]!), ...P(tri[2]!), ...pole);
    flipToHull(sites.map((x) => x.p), tri, d.halfedges, side >= 0 ? 1 : -1);
  }
  lap('triangulate');
  const adj = sites.map(() => new Set<number>());
  const link = (a: number, b: number): void => {
    adj[a]!.add(b);
    adj[b]!.add(a);
  };
  for (let k = 0; k < tri.length; k += 3) {
    link(tri[k]!, tri[k + 1]!);
    link(tri[k + 1]!, tri[k + 2]!);
    link(tri[k + 2]!, tri[k]!);
  }
  const neighbours = adj.map((s) => [...s].sort((a, b) => a - b));
  lap('adjacency');
  const safe = radius - JITTER_MAX_RAD - CAP_EPS;
  const certified = sites.map((_, i) => adj[i]!.size > 0);
  for (const h of d.hull) certified[h] = false;
  for (let k = 0; k < tri.length; k += 3) {
    const cap = circumcap(sites[tri[k]!]!.p, sites[tri[k + 1]!]!.p, sites[tri[k + 2]!]!.p, pole);
    if (angle(c, cap.centre) + cap.radius <= safe) continue;
    certified[tri[k]!] = false;
    certified[tri[k + 1]!] = false;
    certified[tri[k + 2]!] = false;
  }
  lap('certify');
  const stars: Stars = { neighbours, certified };
  const index = new Map(sites.map((s, i) => [s.id, i]));
  const ownIdx = own.map((id) => index.get(id)!);
  for (const i of ownIdx) {
    if (!certified[i] || neighbours[i]!.some((j) => !certified[j])) {
      lap('cap');
      return { result: null, ms };
    }
  }
  const capped = capDegree(sites, stars, ownIdx, maxDegree);
  lap('cap');
  const result = new Map<string, string[]>();
  ownIdx.forEach((i, k) => result.set(sites[i]!.id, capped[k]!.map((j) => sites[j]!.id).sort()));
  lap('ids');
  return { result, ms };
}
