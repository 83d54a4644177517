/**
 * A join's effect computed from the global triangulation, in microseconds instead of a
 * re-triangulation: the triangles whose empty caps contain the newcomer x form a connected
 * cavity (Bowyer–Watson); x's Delaunay neighbours are the cavity's corners, the edges inside it
 * disappear, nothing else changes. The degree cap is then applied with core `capDegree` to every
 * peer within two hops. A leave is the same event read backwards (a random present peer leaving
 * is, in distribution, a population-weighted newcomer joining the rest), so each sample yields
 * both. Held equal to core/local-change.ts (core `localStars` + `capDegree`) by the smoke test.
 */
import { angle } from '../../core/geo';
import { capDegree, type Stars } from '../../core/topology';
import type { PeerCaps, WorldGraph } from './graph';
import type { Change, NewEdge, PeerDiff } from '../../core/local-change';
import type { Peer } from './population';
import type { SpatialIndex } from '../../core/spatial';

export interface GlobalState {
  peers: readonly Peer[];
  graph: WorldGraph;
  caps: PeerCaps;
  index: SpatialIndex;
}

/** Index of the peer nearest to `x`. */
function nearest(s: GlobalState, x: Peer): number {
  const { found } = s.index.nearest(x.p, 1);
  let best = found[0]!, bestAngle = Infinity;
  for (const i of found) {
    const a = angle(s.peers[i]!.p, x.p);
    if (a < bestAngle) {
      best = i;
      bestAngle = a;
    }
  }
  return best;
}

/** The cavity of `x`: corners (x's new neighbours) and the edges inside it (removed). */
function cavity(s: GlobalState, x: Peer): { corners: Set<number>; removed: [number, number][] } {
  const { offset, fan, caps } = s.caps;
  const key = (a: number, b: number, c: number): string => [a, b, c].sort((u, v) => u - v).join(',');
  const conflicts = (i: number, k: number): boolean => {
    const at = 4 * (offset[i]! + k);
    return angle([caps[at]!, caps[at + 1]!, caps[at + 2]!], x.p) < caps[at + 3]!;
  };
  const deg = (i: number): number => offset[i + 1]! - offset[i]!;
  const fanAt = (i: number, k: number): number => fan[offset[i]! + (((k % deg(i)) + deg(i)) % deg(i))]!;
  const posIn = (i: number, j: number): number => {
    for (let k = 0; k < deg(i); k++) if (fan[offset[i]! + k] === j) return k;
    throw new Error(`insert: ${j} is not a neighbour of ${i}`);
  };
  const q = nearest(s, x);
  const seen = new Set<string>();
  const stack: [number, number, number][] = [];
  for (let k = 0; k < deg(q); k++) {
    const t: [number, number, number] = [q, fanAt(q, k), fanAt(q, k + 1)];
    seen.add(key(...t));
    if (conflicts(q, k)) stack.push(t);
  }
  if (stack.length === 0) throw new Error('insert: no triangle at the nearest peer contains the newcomer');
  const found: [number, number, number][] = [];
  while (stack.length) {
    const t = stack.pop()!;
    found.push(t);
    for (let e = 0; e < 3; e++) {
      const u = t[e]!, v = t[(e + 1) % 3]!, w = t[(e + 2) % 3]!;
      // across edge u–v: the triangle (u, v, d) with d the other fan-neighbour of v around u
      const m = posIn(u, v);
      const d = fanAt(u, m - 1) === w ? fanAt(u, m + 1) : fanAt(u, m - 1);
      const k2 = key(u, v, d);
      if (seen.has(k2)) continue;
      seen.add(k2);
      // the cap of (u, v, d) as stored at u: triangle (u, fan[k], fan[k+1]) with {fan[k], fan[k+1]} = {v, d}
      const kk = fanAt(u, m + 1) === d ? m : m - 1;
      if (conflicts(u, ((kk % deg(u)) + deg(u)) % deg(u))) stack.push([u, v, d]);
    }
  }
  const corners = new Set<number>();
  const edgeCount = new Map<string, number>();
  for (const t of found) {
    for (let e = 0; e < 3; e++) {
      corners.add(t[e]!);
      const a = Math.min(t[e]!, t[(e + 1) % 3]!), b = Math.max(t[e]!, t[(e + 1) % 3]!);
      edgeCount.set(`${a},${b}`, (edgeCount.get(`${a},${b}`) ?? 0) + 1);
    }
  }
  const removed: [number, number][] = [];
  for (const [k, c] of edgeCount) if (c === 2) removed.push(k.split(',').map(Number) as [number, number]);
  return { corners, removed };
}

/** The join of `x` (not in `s.peers`) and the mirrored leave, both against the global graph. */
export function insertionChange(s: GlobalState, x: Peer, maxDegree: number): { join: Change; leave: Change } {
  const { corners, removed } = cavity(s, x);
  const X = -1; // the newcomer's index
  const gone = new Set(removed.map(([a, b]) => `${a},${b}`));
  const after = (i: number): number[] => {
    if (i === X) return [...corners];
    const base = s.graph.delaunay[i]!;
    if (!corners.has(i)) return base as number[];
    return [...base.filter((j) => !gone.has(`${Math.min(i, j)},${Math.max(i, j)}`)), X];
  };
  // Capped sets can change within two hops of x; capDegree reads the stars of those and their neighbours.
  const H = new Set<number>([X, ...corners]);
  for (const v of corners) {
    for (const j of s.graph.delaunay[v]!) H.add(j);
  }
  const withStars = new Set<number>(H);
  for (const h of H) for (const j of after(h)) withStars.add(j);
  const local: number[] = [];
  const localOf = new Map<number, number>();
  const addLocal = (i: number): number => {
    let l = localOf.get(i);
    if (l === undefined) {
      l = local.length;
      local.push(i);
      localOf.set(i, l);
    }
    return l;
  };
  for (const i of withStars) addLocal(i);
  const neighbours: number[][] = [];
  for (const i of [...withStars]) neighbours[localOf.get(i)!] = after(i).map(addLocal);
  for (let l = 0; l < local.length; l++) neighbours[l] ??= [];
  const sites = local.map((i) => (i === X ? x : s.peers[i]!));
  const stars: Stars = { neighbours, certified: sites.map(() => true) };
  const hList = [...H];
  const capped = capDegree(sites, stars, hList.map((h) => localOf.get(h)!), maxDegree);
  const idOf = (i: number): string => (i === X ? x.id : s.peers[i]!.id);
  const afterSet = new Map<number, Set<number>>();
  hList.forEach((h, k) => afterSet.set(h, new Set(capped[k]!.map((l) => local[l]!))));
  const beforeSet = (h: number): Set<number> => new Set(h === X ? [] : s.graph.capped[h]!);

  const joinDiffs: PeerDiff[] = [], leaveDiffs: PeerDiff[] = [];
  const joinEdges: NewEdge[] = [], leaveEdges: NewEdge[] = [];
  const afterOut = new Map<string, string[]>();
  const viaMesh = (a: number, b: number): boolean => {
    const ab = beforeSet(a), bb = beforeSet(b), aa = afterSet.get(a)!, ba = afterSet.get(b)!;
    for (const c of ab) if (c !== X && bb.has(c) && aa.has(c) && ba.has(c)) return true;
    return false;
  };
  let joinRemoved = 0, leaveRemoved = 0;
  for (const h of hList) {
    if (h === X) continue;
    const b = beforeSet(h), a = afterSet.get(h)!;
    let add = 0, remove = 0;
    for (const n of a) {
      if (b.has(n)) continue;
      add++;
      if (n === X || h < n) joinEdges.push({ a: s.peers[h]!, b: n === X ? x : s.peers[n]!, viaMesh: n === X ? false : viaMesh(h, n) });
    }
    for (const n of b) {
      if (a.has(n)) continue;
      remove++;
      if (h < n) {
        joinRemoved++;
        leaveEdges.push({ a: s.peers[h]!, b: s.peers[n]!, viaMesh: viaMesh(h, n) });
      }
    }
    if (add + remove > 0) {
      joinDiffs.push({ peer: s.peers[h]!, add, remove });
      // leaving: what the join added is removed and the other way round (the edge to x just goes)
      leaveDiffs.push({ peer: s.peers[h]!, add: remove, remove: add });
      afterOut.set(idOf(h), [...a].map(idOf).sort());
    }
    for (const n of a) if (!b.has(n) && n !== X && h < n) leaveRemoved++;
  }
  const mine = [...afterSet.get(X)!].map(idOf).sort();
  afterOut.set(x.id, mine);
  const sitesRead = local.length;
  return {
    join: { kind: 'join', subject: x, diffs: joinDiffs, newEdges: joinEdges, removedEdges: joinRemoved, welcomeSize: mine.length, after: afterOut, sites: sitesRead, radius: 0 },
    leave: { kind: 'leave', subject: x, diffs: leaveDiffs, newEdges: leaveEdges, removedEdges: leaveRemoved, welcomeSize: 0, after: new Map(), sites: sitesRead, radius: 0 },
  };
}
