/**
 * The index of non-empty cells. Touched only when a cell turns empty or non-empty, never on the
 * per-message path; it pushes each new version to every non-empty cell, so cells in sparse areas
 * can skip empty ones when they widen their search for neighbours.
 */
import { DurableObject } from 'cloudflare:workers';
import { toBase64url } from '../core/identity';
import { cellStub, type Env } from './env';
import type { CellIndex } from './neighbourhood';

const KEY = 'index';
const SECRET_KEY = 'tokenSecret';

export class Directory extends DurableObject<Env> {
  private index: CellIndex | null = null;

  private async load(): Promise<CellIndex> {
    this.index ??= (await this.ctx.storage.get<CellIndex>(KEY)) ?? { version: 0, cells: [] };
    return this.index;
  }

  /** Marks a cell non-empty (or empty) and returns the new index; other cells are told too. */
  async setActive(cell: string, active: boolean): Promise<CellIndex> {
    try {
      const current = await this.load();
      const has = current.cells.includes(cell);
      if (has === active) return current;
      const cells = active ? [...current.cells, cell].sort() : current.cells.filter((c) => c !== cell);
      const next: CellIndex = { version: current.version + 1, cells };
      this.index = next;
      await this.ctx.storage.put(KEY, next);
      const results = await Promise.allSettled(
        cells.filter((c) => c !== cell).map((c) => cellStub(this.env, c).indexChanged(next)),
      );
      for (const r of results) if (r.status === 'rejected') console.error('Directory:setActive broadcast', r.reason);
      return next;
    } catch (err) {
      console.error('Directory:setActive', err);
      throw err;
    }
  }

  async list(): Promise<CellIndex> {
    return this.load();
  }

  /** The join-token key when TOKEN_SECRET is unset: random, made once, kept (base64url). */
  async tokenSecret(): Promise<string> {
    let secret = await this.ctx.storage.get<string>(SECRET_KEY);
    if (!secret) {
      secret = toBase64url(crypto.getRandomValues(new Uint8Array(32)));
      await this.ctx.storage.put(SECRET_KEY, secret);
    }
    return secret;
  }
}
