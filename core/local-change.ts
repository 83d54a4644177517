/**
 * What one join or leave changes, computed from the peers around it only: a Delaunay insertion
 * or deletion changes the stars of the subject's neighbours and nothing else, and the degree cap
 * of an edge looks only at the stars of its two ends, so every capped set that can change lies
 * within two hops of the subject. This re-triangulates the peers within a small cap around the
 * subject (widening it until those sets are certified) with the same `localStars`/`capDegree` the
 * cells use. A cell applies it to each join and leave it hears of (durable-objects/incremental.ts)
 * instead of re-triangulating everything it reads; the simulation uses it to count messages per
 * event, and bench/topology times it.
 */
import type { Peer, SpatialIndex } from './spatial';
import { capDegree, localStars, sphericalDelaunay, type Stars } from './topology';

/** Peers read around the subject at first: its ~48 nearest (a 2-hop Delaunay ball holds ~19). */
const FIRST_COUNT = 48;
/** Widening factor: gentler than the cells' doubling, since a sparse peer's caps can be huge. */
const GROWTH = 1.5;

export interface PeerDiff<P extends Peer = Peer> {
  peer: P;
  add: number;
  remove: number;
}

export interface NewEdge<P extends Peer = Peer> {
  a: P;
  b: P;
  /** Both ends keep a channel to a common neighbour: the offer/answer could travel over the mesh. */
  viaMesh: boolean;
}

export interface Change<P extends Peer = Peer> {
  kind: 'join' | 'leave';
  subject: P;
  /** Peers other than the subject whose capped neighbour set changed (each gets one `neighbours`). */
  diffs: PeerDiff<P>[];
  newEdges: NewEdge<P>[];
  removedEdges: number;
  /** The joiner's neighbour count (size of its `welcome`); 0 for a leave. */
  welcomeSize: number;
  /** Capped neighbour ids after the change, for the peers that changed (and the joiner). */
  after: Map<string, string[]>;
  sites: number;
  radius: number;
}

/** Indices within two hops of `s` in `stars` (the uncapped Delaunay graph). */
function twoHops(stars: Stars, s: number): Set<number> {
  const out = new Set<number>([s]);
  for (const a of stars.neighbours[s]!) {
    out.add(a);
    for (const b of stars.neighbours[a]!) out.add(b);
  }
  return out;
}

function allCertified(stars: Stars, of: Iterable<number>): boolean {
  for (const i of of) {
    if (!stars.certified[i]) return false;
    for (const j of stars.neighbours[i]!) if (!stars.certified[j]) return false;
  }
  return true;
}

/**
 * The change made by `subject` joining (it is not in `index`) or leaving (it is: the very object
 * stored there), when `index` holds every peer in the world. Throws only if the whole sphere
 * cannot certify, which cannot happen.
 */
export function localChange<P extends Peer>(index: SpatialIndex<P>, kind: 'join' | 'leave', subject: P, maxDegree: number): Change<P> {
  const change = localChangeWithin(index, kind, subject, maxDegree, Infinity);
  if (!change) throw new Error('localChange: cannot certify on the whole sphere');
  return change;
}

/**
 * Like localChange, for an index that holds every peer within some cap only: gives up (null)
 * rather than read farther than `maxRadius` from the subject, where the index may be incomplete.
 * The result's `radius` says how far it read.
 */
export function localChangeWithin<P extends Peer>(index: SpatialIndex<P>, kind: 'join' | 'leave', subject: P, maxDegree: number, maxRadius: number): Change<P> | null {
  let { radius } = index.nearest(subject.p, FIRST_COUNT);
  for (;;) {
    if (radius > maxRadius) return null;
    const near = index.within(subject.p, radius).map((i) => index.peers[i]!);
    const before = near;
    const after = kind === 'join' ? [...near, subject] : near.filter((p) => p !== subject);
    // Over the whole sphere every star is final (as assignNeighbours with radius ≥ π).
    const starsOf = (sites: P[]): Stars => (radius >= Math.PI ? sphericalDelaunay(sites) : localStars(sites, subject.p, radius));
    const sb = starsOf(before);
    const sa = starsOf(after);
    const idB = new Map(before.map((p, i) => [p.id, i]));
    const idA = new Map(after.map((p, i) => [p.id, i]));
    // Stars that change: the subject's neighbours in the graph that has it; capped sets that can
    // change: those peers and their neighbours in either graph.
    const withSubject = kind === 'join' ? sa : sb;
    const sIdx = kind === 'join' ? after.length - 1 : idB.get(subject.id)!;
    const region = new Set<string>();
    const hops = twoHops(withSubject, sIdx);
    const sitesWith = kind === 'join' ? after : before;
    for (const i of hops) region.add(sitesWith[i]!.id);
    for (const a of withSubject.neighbours[sIdx]!) {
      const id = sitesWith[a]!.id;
      const other = kind === 'join' ? sb : sa;
      const oi = (kind === 'join' ? idB : idA).get(id)!;
      for (const b of other.neighbours[oi]!) region.add((kind === 'join' ? before : after)[b]!.id);
    }
    const ofB = [...region].filter((id) => idB.has(id)).map((id) => idB.get(id)!);
    const ofA = [...region].filter((id) => idA.has(id)).map((id) => idA.get(id)!);
    if (!allCertified(sb, ofB) || !allCertified(sa, ofA)) {
      if (radius >= Math.PI) return null; // cannot happen: the whole sphere always certifies
      radius = Math.min(Math.PI, radius * GROWTH);
      continue;
    }
    const capB = capDegree(before, sb, ofB, maxDegree);
    const capA = capDegree(after, sa, ofA, maxDegree);
    const setB = new Map<string, Set<string>>();
    ofB.forEach((i, k) => setB.set(before[i]!.id, new Set(capB[k]!.map((j) => before[j]!.id))));
    const setA = new Map<string, Set<string>>();
    ofA.forEach((i, k) => setA.set(after[i]!.id, new Set(capA[k]!.map((j) => after[j]!.id))));
    const byId = new Map<string, P>(near.map((p) => [p.id, p]));
    byId.set(subject.id, subject);

    const diffs: PeerDiff<P>[] = [];
    const afterOut = new Map<string, string[]>();
    const newEdges: NewEdge<P>[] = [];
    let removedEdges = 0;
    for (const id of region) {
      if (id === subject.id) continue;
      const b = setB.get(id)!, a = setA.get(id)!;
      let add = 0, remove = 0;
      for (const n of a) {
        if (b.has(n)) continue;
        add++;
        // each new edge once: from its smaller id, or from the existing end when the other is the joiner
        const other = n;
        if (other === subject.id || id < other) {
          const sb2 = setB.get(other), sa2 = setA.get(other)!;
          let viaMesh = false;
          if (sb2) for (const c of b) if (c !== subject.id && sb2.has(c) && a.has(c) && sa2.has(c)) { viaMesh = true; break; }
          newEdges.push({ a: byId.get(id)!, b: byId.get(other)!, viaMesh });
        }
      }
      for (const n of b) if (!a.has(n)) { remove++; if (n !== subject.id && id < n) removedEdges++; }
      if (add + remove > 0) {
        diffs.push({ peer: byId.get(id)!, add, remove });
        afterOut.set(id, [...a].sort());
      }
    }
    let welcomeSize = 0;
    if (kind === 'join') {
      const mine = [...setA.get(subject.id)!].sort();
      welcomeSize = mine.length;
      afterOut.set(subject.id, mine);
    }
    return { kind, subject, diffs, newEdges, removedEdges, welcomeSize, after: afterOut, sites: after.length, radius };
  }
}
