/**
 * Incremental neighbour sets. A full recompute (recompute.ts) reads every peer within the cell's
 * read cap and triangulates all of them: ~0.3 s for a cell of 10k peers (docs/benchmarks.md,
 * bench/topology). Afterwards the cell keeps what it read in memory, in a spatial index, and
 * applies each later join or leave — of its own peers, or in a watched cell's snapshot — with
 * core/local-change.ts, which re-triangulates only the peers around that one peer and yields the
 * capped sets that changed. The result is the same as a full recompute (core/local-change.ts's
 * argument, held by the workerd mesh test against the brute-force oracle); whenever the local
 * read would reach past what the cell read, or anything else is unusual, it gives up and the
 * full recompute runs. The model lives in memory only: a woken cell starts with a full one.
 */
import { angle, JITTER_MAX_RAD, peerPoint, type Vec3 } from '../core/geo';
import { localChangeWithin } from '../core/local-change';
import { SpatialIndex } from '../core/spatial';
import { readAttachment } from './attachment';
import type { Cell } from './Cell';
import type { PeerRecord } from './neighbourhood';

/** More events than this in one go (a watched cell reconnecting en masse): recompute in full. */
export const MAX_EVENTS = 64;
/**
 * Keep no model past this many peers read (~250 bytes each in memory): a Durable Object has
 * 128 MB, and a cell reading more than this is already too big for its grid (docs/benchmarks.md,
 * CELL_DEG); it recomputes in full on every event instead, as before.
 */
export const MAX_MODEL_SITES = 100_000;
/** Numerical margin on the read-cap containment test. */
const EPS = 1e-9;

/** A peer the cell has read: coarse position, its point, and the cell it is in. */
export interface ModelPeer {
  readonly id: string;
  readonly lat: number;
  readonly lng: number;
  readonly p: Vec3;
  readonly cell: string;
}

export interface Model {
  /** The directory index version the read cells were chosen from. */
  indexVersion: number;
  centre: Vec3;
  /** Read cap radius; Infinity when every non-empty cell was read. */
  radius: number;
  /** Watched cells read, and the snapshot array of each as last applied (compared by reference). */
  snaps: Map<string, readonly PeerRecord[]>;
  /** This cell's own peers as last applied, with the socket each came from. */
  own: Map<string, WebSocket>;
  index: SpatialIndex<ModelPeer>;
  /** Index slot of every peer in the model, by id. */
  slot: Map<string, number>;
}

/**
 * What a full recompute read, taken in one synchronous step with the read itself: the snapshot
 * arrays and sockets it saw, and the directory index version it chose the cells from. Anything
 * that changes after that is then an event for the next recompute, never lost between the two.
 */
export interface ReadState {
  indexVersion: number;
  snaps: Map<string, readonly PeerRecord[]>;
  own: Map<string, WebSocket>;
}

export function readState(cell: Cell, cells: readonly string[], indexVersion: number): ReadState {
  const snaps = new Map<string, readonly PeerRecord[]>();
  for (const c of cells) snaps.set(c, cell.hood.snapshots.get(c) ?? []);
  return { indexVersion, snaps, own: new Map(cell.peers) };
}

/** Builds the model from what a successful full recompute read (null past MAX_MODEL_SITES). */
export function buildModel(centre: Vec3, read: ReadState, peers: readonly ModelPeer[], radius: number): Model | null {
  if (peers.length > MAX_MODEL_SITES) return null;
  const index = new SpatialIndex<ModelPeer>([]);
  const slot = new Map<string, number>();
  for (const p of peers) slot.set(p.id, index.add(p));
  return { indexVersion: read.indexVersion, centre, radius, snaps: read.snaps, own: read.own, index, slot };
}

/** A join or leave heard of, with the cell it happened in. */
/** `ws`: for this cell's own joins, the socket the peer joined on. */
type Event = { kind: 'join'; peer: ModelPeer; ws?: WebSocket } | { kind: 'leave'; id: string; cell: string };

/**
 * Applies what changed since the model was built or last updated. Returns the new capped sets of
 * the own peers that changed (for announce), or null when a full recompute is needed; then the
 * model is spent (it may be half-updated) and the caller drops it.
 *
 * A peer moving between cells is briefly listed by both. The full recompute then takes this
 * cell's own entry over a snapshot's; here an own entry simply shadows snapshot events for its
 * id, and anything subtler (two snapshots, or an own peer leaving while a snapshot still lists
 * it) goes to the full recompute.
 */
export function applyIncrementally(cell: Cell, model: Model): Map<string, string[]> | null {
  const hood = cell.hood;
  if (hood.index.version !== model.indexVersion) return null;
  const events = collectEvents(cell, model);
  if (events === null || events.length > MAX_EVENTS) return null;
  const result = new Map<string, string[]>();
  const maxDegree = cell.config.maxDegree;
  const self = cell.self;
  // Leaves first, so a peer that moved or reconnected is never in the index twice.
  events.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'leave' ? -1 : 1));
  for (const e of events) {
    if (e.kind === 'leave') {
      const at = model.slot.get(e.id);
      const subject = at === undefined ? undefined : model.index.peers[at]!;
      if (!subject || subject.cell !== e.cell) {
        if (e.cell !== self && (!subject || subject.cell === self)) continue; // shadowed by an own entry
        return null;
      }
      if (e.cell === self && listedElsewhere(cell, model, e.id)) return null;
      if (beyondCertified(model, subject.p)) {
        model.index.remove(at!);
        model.slot.delete(e.id);
        cell.stats.beyond++;
        continue;
      }
      const change = localChangeWithin(model.index, 'leave', subject, maxDegree, reach(model, subject.p));
      if (!change) return null;
      model.index.remove(at!);
      model.slot.delete(e.id);
      result.delete(e.id);
      for (const [id, list] of change.after) result.set(id, list);
    } else {
      const at = model.slot.get(e.peer.id);
      if (at !== undefined) {
        if (e.peer.cell !== self && model.index.peers[at]!.cell === self) continue; // own entry wins
        return null;
      }
      if (beyondCertified(model, e.peer.p)) {
        model.slot.set(e.peer.id, model.index.add(e.peer));
        cell.stats.beyond++;
        continue;
      }
      const change = localChangeWithin(model.index, 'join', e.peer, maxDegree, reach(model, e.peer.p));
      if (!change) return null;
      model.slot.set(e.peer.id, model.index.add(e.peer));
      for (const [id, list] of change.after) result.set(id, list);
    }
  }
  // Keep only this cell's peers; every one that joined here must have its set now (for `welcome`).
  for (const id of result.keys()) if (!cell.peers.has(id)) result.delete(id);
  for (const e of events) {
    if (e.kind === 'join' && e.peer.cell === self && cell.peers.has(e.peer.id) && !result.has(e.peer.id)) return null;
  }
  for (const c of model.snaps.keys()) model.snaps.set(c, hood.snapshots.get(c)!);
  // Bring the model's own sockets up to date from the events, without copying every socket.
  for (const e of events) {
    if (e.kind === 'leave' && e.cell === self) model.own.delete(e.id);
    else if (e.kind === 'join' && e.ws) model.own.set(e.peer.id, e.ws);
  }
  return result;
}

/** The model's peers by id (the `known` that announce looks neighbours up in), without a copy. */
export function modelPeers(model: Model): Pick<ReadonlyMap<string, ModelPeer>, 'get'> {
  return {
    get: (id) => {
      const at = model.slot.get(id);
      return at === undefined ? undefined : model.index.peers[at];
    },
  };
}

/** The index keeps removed peers' slots: past this much dead weight, rebuild from scratch. */
export function worn(model: Model): boolean {
  return model.index.peers.length > 2 * model.index.size + 1_024;
}

/** Whether a snapshot the model read (as it is now) lists `id`. */
function listedElsewhere(cell: Cell, model: Model, id: string): boolean {
  for (const c of model.snaps.keys()) {
    if (cell.hood.snapshots.get(c)?.some((r) => r.id === id)) return true;
  }
  return false;
}

/**
 * Whether a join or leave at `p` cannot change any set this cell keeps. Every triangle at its own
 * peers and at their neighbours has its circumcap inside the certified cap (radius − jitter): the
 * full recompute certified them so, and each local change certifies the triangles it makes inside
 * a cap within it. A join changes only triangles whose circumcaps hold the newcomer, a leave only
 * triangles at the peer leaving (on their circumcaps' edges), so an event beyond the certified cap
 * touches none of them. It is only recorded (a later local read near it must see it).
 */
function beyondCertified(model: Model, p: Vec3): boolean {
  return model.radius !== Infinity && angle(model.centre, p) > model.radius - JITTER_MAX_RAD - EPS;
}

/** How far around `p` a local read may go and stay inside what the cell read. */
function reach(model: Model, p: Vec3): number {
  if (model.radius === Infinity) return Infinity;
  return model.radius - angle(model.centre, p) - JITTER_MAX_RAD - EPS;
}

/** Joins and leaves since the model was last updated; null when a snapshot is missing or stale. */
function collectEvents(cell: Cell, model: Model): Event[] | null {
  const events: Event[] = [];
  const hood = cell.hood;
  for (const [c, before] of model.snaps) {
    const now = hood.snapshots.get(c);
    if (!now || hood.stale.has(c)) return null;
    if (now === before) continue;
    diffRecords(c, before, now, events);
  }
  const self = cell.self;
  for (const [id, ws] of model.own) {
    if (cell.peers.get(id) !== ws) events.push({ kind: 'leave', id, cell: self });
  }
  for (const [id, ws] of cell.peers) {
    if (model.own.get(id) === ws) continue;
    const peer = readAttachment(ws)?.peer;
    if (!peer) return null;
    events.push({ kind: 'join', peer: { id, lat: peer.lat, lng: peer.lng, p: peerPoint(id, peer), cell: self }, ws });
  }
  return events;
}

/** A watched cell's change as leaves and joins (a peer whose position changed is both). */
function diffRecords(cell: string, before: readonly PeerRecord[], now: readonly PeerRecord[], out: Event[]): void {
  const old = new Map(before.map((r) => [r.id, r]));
  for (const r of now) {
    const was = old.get(r.id);
    old.delete(r.id);
    if (was && was.lat === r.lat && was.lng === r.lng) continue;
    if (was) out.push({ kind: 'leave', id: r.id, cell });
    out.push({ kind: 'join', peer: { id: r.id, lat: r.lat, lng: r.lng, p: peerPoint(r.id, r), cell } });
  }
  for (const id of old.keys()) out.push({ kind: 'leave', id, cell });
}
