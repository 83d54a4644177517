/**
 * The pure half of bench/mesh: the neighbour sets pages should end with, whether what their DOM
 * shows is that mesh, when the last edge opened, and what went over the signalling sockets.
 */
import { coarsen, peerPoint, type LatLng } from '../../core/geo';
import { DEFAULT_MAX_DEGREE, globalNeighbours } from '../../core/topology';
import type { PageRecord } from '../browser/inpage';

/** Neighbour ids by peer id. */
export type Graph = Map<string, string[]>;

/** What one page's DOM shows now: its id and the state of each neighbour row. */
export interface Snapshot {
  self: string;
  rows: Record<string, string>;
}

/** The spherical Delaunay graph (degree-capped) of peers at these coarse positions: what the cells assign. */
export function expectedGraph(ids: readonly string[], positions: readonly LatLng[], maxDegree = DEFAULT_MAX_DEGREE): Graph {
  return globalNeighbours(ids.map((id, i) => ({ id, p: peerPoint(id, coarsen(positions[i]!)) })), maxDegree);
}

/** The graph the pages show (rows by self id). */
export function shownGraph(snaps: readonly Snapshot[]): Graph {
  return new Map(snaps.map((s) => [s.self, Object.keys(s.rows).sort()]));
}

export function edgeCount(g: Graph): number {
  let twice = 0;
  for (const n of g.values()) twice += n.length;
  return twice / 2;
}

/** Pages whose rows are not exactly `want` with every row open; empty once the mesh is formed. */
export function unformed(snaps: readonly Snapshot[], want: Graph): string[] {
  const out: string[] = [];
  for (const s of snaps) {
    const w = [...(want.get(s.self) ?? [])].sort().join(',');
    const got = Object.keys(s.rows).sort().join(',');
    const notOpen = Object.entries(s.rows).filter(([, st]) => st !== 'open').map(([id, st]) => `${id.slice(0, 6)}:${st}`);
    if (!s.self || got !== w || notOpen.length > 0) out.push(`${s.self.slice(0, 6) || '(not joined)'}: want ${want.get(s.self)?.length ?? '?'} got ${Object.keys(s.rows).length}, not open [${notOpen.join(' ')}]`);
  }
  return out;
}

/**
 * Wall-clock time at which the last edge of `want` opened: over every page and every wanted
 * neighbour, the last time its row turned `open` (a row that flapped counts from its last
 * opening). NaN when a wanted row never opened.
 */
export function fullMeshAt(records: readonly PageRecord[], want: Graph): number {
  let last = -Infinity;
  for (const r of records) {
    for (const q of want.get(r.self ?? '') ?? []) {
      const opened = (r.rows[q] ?? []).filter((x) => x.state === 'open').at(-1);
      if (!opened) return NaN;
      last = Math.max(last, opened.at);
    }
  }
  return last;
}

/** Links pages opened to peers that are not in their final set (churn while others joined), counted once per pair. */
export function transientLinks(records: readonly PageRecord[], want: Graph): number {
  let n = 0;
  for (const r of records) {
    const final = new Set(want.get(r.self ?? '') ?? []);
    n += Object.keys(r.rows).filter((id) => !final.has(id)).length;
  }
  return n / 2;
}

export interface FrameCount {
  n: number;
  bytes: number;
}

/** Frames by `"{in|out} {socket} {kind}"`, summed over pages. */
export function frameTotals(records: readonly PageRecord[]): Record<string, FrameCount> {
  const out: Record<string, FrameCount> = {};
  for (const r of records) {
    for (const [key, c] of Object.entries(r.frames)) {
      const t = (out[key] ??= { n: 0, bytes: 0 });
      t.n += c.n;
      t.bytes += c.bytes;
    }
  }
  return out;
}

/** Keep-alives the runtime answers without waking the Durable Object (protocol.md §4). */
export const KEEPALIVE = new Set(['ping', 'pong']);

/** Totals of one direction on one socket, keep-alives left out. */
export function directionTotal(frames: Record<string, FrameCount>, dir: 'in' | 'out', socket: string): FrameCount {
  const t = { n: 0, bytes: 0 };
  for (const [key, c] of Object.entries(frames)) {
    const [d, s, kind] = key.split(' ');
    if (d !== dir || s !== socket || KEEPALIVE.has(kind!)) continue;
    t.n += c.n;
    t.bytes += c.bytes;
  }
  return t;
}

/** Per kind on one socket: frames and bytes each way. */
export function byKind(frames: Record<string, FrameCount>, socket: string): Map<string, { out: FrameCount; in: FrameCount }> {
  const out = new Map<string, { out: FrameCount; in: FrameCount }>();
  for (const [key, c] of Object.entries(frames)) {
    const [dir, s, kind] = key.split(' ');
    if (s !== socket) continue;
    let k = out.get(kind!);
    if (!k) out.set(kind!, (k = { out: { n: 0, bytes: 0 }, in: { n: 0, bytes: 0 } }));
    const side = dir === 'out' ? k.out : k.in;
    side.n += c.n;
    side.bytes += c.bytes;
  }
  return new Map([...out.entries()].sort(([a], [b]) => a.localeCompare(b)));
}
