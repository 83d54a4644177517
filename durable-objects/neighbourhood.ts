/**
 * What a cell knows of the world around it: the index of non-empty cells (pushed by the
 * directory), snapshots of the peers of the cells it watches (pushed by those cells on every
 * join/leave), and the cells that watch it. The index, the watchers and the names of the watched
 * cells are persisted, so a cell woken from hibernation picks up where it was; the snapshots
 * themselves live in memory only: after a wake they are re-read before use anyway, and a busy
 * cell's peer list would outgrow a stored value (2 MB, ~35 000 peers).
 */
import { angle, cellShape, type CellGrid, type CellShape } from '../core/geo';

/** A peer as other cells see it: id and coarse position. */
export interface PeerRecord {
  id: string;
  lat: number;
  lng: number;
}

/** Where a watched cell's list stands: `seq` counts its pushes within one `epoch` (one wake of it). */
export interface SnapshotVersion {
  epoch: string;
  seq: number;
}

/** What `watch` answers: the whole list, as of push `seq`. */
export interface CellSnapshot extends SnapshotVersion {
  peers: PeerRecord[];
}

/** A watched cell's change since its previous push (`cellChanged`); applying one twice is harmless. */
export interface CellDelta extends SnapshotVersion {
  add: PeerRecord[];
  remove: string[];
}

export interface CellIndex {
  version: number;
  cells: string[];
}

const INDEX_KEY = 'index';
const WATCHERS_KEY = 'watchers';
const WATCHING_KEY = 'watching';
/** Where earlier versions stored whole snapshots; read once for the names, then deleted. */
const LEGACY_SNAPSHOT_PREFIX = 'snap:';

export class Neighbourhood {
  index: CellIndex = { version: 0, cells: [] };
  readonly watchers = new Set<string>();
  /** Replaced, never mutated, on every change (incremental.ts compares them by reference). */
  readonly snapshots = new Map<string, PeerRecord[]>();
  readonly versions = new Map<string, SnapshotVersion>();
  /**
   * Cells asked to `watch` whose answer has not arrived: their pushes may come first (they list
   * the watcher before answering), and must not be refused as if nobody were watching.
   */
  readonly opening = new Set<string>();
  /** The latest push from each opening cell, applied once its watch answer is in. */
  readonly early = new Map<string, CellDelta>();
  /**
   * Watched cells whose snapshot is not known to be current (after a wake: empty until re-read;
   * a restart may also have dropped their sockets without close events), re-read before use.
   */
  readonly stale = new Set<string>();
  private readonly shapes = new Map<string, CellShape>();

  constructor(private readonly storage: DurableObjectStorage, private readonly grid: CellGrid) {}

  async load(): Promise<void> {
    this.index = (await this.storage.get<CellIndex>(INDEX_KEY)) ?? { version: 0, cells: [] };
    for (const w of (await this.storage.get<string[]>(WATCHERS_KEY)) ?? []) this.watchers.add(w);
    const watching = new Set((await this.storage.get<string[]>(WATCHING_KEY)) ?? []);
    const legacy = [...(await this.storage.list({ prefix: LEGACY_SNAPSHOT_PREFIX })).keys()];
    for (const key of legacy) watching.add(key.slice(LEGACY_SNAPSHOT_PREFIX.length));
    for (const cell of watching) {
      this.snapshots.set(cell, []);
      this.stale.add(cell);
    }
    if (legacy.length > 0) {
      await this.storage.delete(legacy);
      await this.storage.put(WATCHING_KEY, [...watching]);
    }
  }

  shape(cell: string): CellShape {
    let s = this.shapes.get(cell);
    if (!s) {
      s = cellShape(this.grid, cell);
      this.shapes.set(cell, s);
    }
    return s;
  }

  /** Non-empty cells other than `self` that may reach into the cap (centre of `self`, radius). */
  cellsWithin(self: string, radius: number): string[] {
    const centre = this.shape(self).centre;
    return this.index.cells.filter((c) => {
      if (c === self) return false;
      if (radius >= Math.PI) return true;
      const s = this.shape(c);
      return angle(centre, s.centre) <= radius + s.radius;
    });
  }

  /** Accepts a newer index; false for a stale one (broadcasts can arrive out of order). */
  async setIndex(next: CellIndex): Promise<boolean> {
    if (next.version <= this.index.version) return false;
    this.index = { version: next.version, cells: [...next.cells] };
    await this.storage.put(INDEX_KEY, this.index);
    return true;
  }

  async setSnapshot(cell: string, peers: PeerRecord[], version?: SnapshotVersion): Promise<void> {
    const added = !this.snapshots.has(cell);
    this.snapshots.set(cell, peers);
    if (version) this.versions.set(cell, { epoch: version.epoch, seq: version.seq });
    else this.versions.delete(cell);
    this.stale.delete(cell);
    if (added) await this.storage.put(WATCHING_KEY, [...this.snapshots.keys()]);
  }

  /**
   * Applies a pushed change. `stale` when it cannot be placed (the cell woke under a new epoch, a
   * push went missing, or the list is already awaiting a re-read): the next recompute re-reads the
   * whole list. `old` for a push the list already includes.
   */
  applyDelta(cell: string, d: CellDelta): 'applied' | 'old' | 'stale' {
    const v = this.versions.get(cell);
    const peers = this.snapshots.get(cell);
    if (this.stale.has(cell) || !v || !peers || v.epoch !== d.epoch || d.seq > v.seq + 1) {
      this.stale.add(cell);
      return 'stale';
    }
    if (d.seq <= v.seq) return 'old';
    const drop = new Set(d.remove);
    for (const r of d.add) drop.add(r.id);
    this.snapshots.set(cell, peers.filter((r) => !drop.has(r.id)).concat(d.add));
    this.versions.set(cell, { epoch: d.epoch, seq: d.seq });
    return 'applied';
  }

  async dropSnapshot(cell: string): Promise<void> {
    this.stale.delete(cell);
    this.versions.delete(cell);
    if (this.snapshots.delete(cell)) await this.storage.put(WATCHING_KEY, [...this.snapshots.keys()]);
  }

  async addWatcher(cell: string): Promise<void> {
    if (this.watchers.has(cell)) return;
    this.watchers.add(cell);
    await this.storage.put(WATCHERS_KEY, [...this.watchers]);
  }

  async removeWatcher(cell: string): Promise<void> {
    if (!this.watchers.delete(cell)) return;
    await this.storage.put(WATCHERS_KEY, [...this.watchers]);
  }
}
