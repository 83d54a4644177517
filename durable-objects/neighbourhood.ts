/**
 * What a cell knows of the world around it: the index of non-empty cells (pushed by the
 * directory), snapshots of the peers of the cells it watches (pushed by those cells on every
 * join/leave), and the cells that watch it. Persisted, so a cell woken from hibernation picks up
 * where it was.
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
const SNAPSHOT_PREFIX = 'snap:';

export class Neighbourhood {
  index: CellIndex = { version: 0, cells: [] };
  readonly watchers = new Set<string>();
  readonly snapshots = new Map<string, PeerRecord[]>();
  /**
   * Snapshots loaded from storage after a wake: the cells they describe may have lost their peers
   * meanwhile (a restart drops sockets without close events), so they are re-read before use.
   */
  readonly stale = new Set<string>();
  private readonly shapes = new Map<string, CellShape>();

  constructor(private readonly storage: DurableObjectStorage, private readonly grid: CellGrid) {}

  async load(): Promise<void> {
    this.index = (await this.storage.get<CellIndex>(INDEX_KEY)) ?? { version: 0, cells: [] };
    for (const w of (await this.storage.get<string[]>(WATCHERS_KEY)) ?? []) this.watchers.add(w);
    const snaps = await this.storage.list<PeerRecord[]>({ prefix: SNAPSHOT_PREFIX });
    for (const [key, peers] of snaps) {
      const cell = key.slice(SNAPSHOT_PREFIX.length);
      this.snapshots.set(cell, peers);
      this.stale.add(cell);
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
    this.snapshots.set(cell, peers);
    this.stale.delete(cell);
    await this.storage.put(SNAPSHOT_PREFIX + cell, peers);
  }

  async dropSnapshot(cell: string): Promise<void> {
    this.snapshots.delete(cell);
    this.stale.delete(cell);
    await this.storage.delete(SNAPSHOT_PREFIX + cell);
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
