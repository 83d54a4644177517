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
  readonly snapshots = new Map<string, PeerRecord[]>();
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

  async setSnapshot(cell: string, peers: PeerRecord[]): Promise<void> {
    const added = !this.snapshots.has(cell);
    this.snapshots.set(cell, peers);
    this.stale.delete(cell);
    if (added) await this.storage.put(WATCHING_KEY, [...this.snapshots.keys()]);
  }

  async dropSnapshot(cell: string): Promise<void> {
    this.stale.delete(cell);
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
