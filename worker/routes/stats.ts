/**
 * `GET /api/stats`: public and coarse — the non-empty cells and how many peers each holds. No ids,
 * no positions finer than a cell. Cached briefly: it fans out to every non-empty cell.
 */
import { cellShape, toLatLng } from '../../core/geo';
import { cellStub, directoryStub } from '../../durable-objects/env';
import type { App } from '../context';

/** Upper bound on cells counted per request, so one call cannot fan out without limit. */
const MAX_CELLS = 500;
const CACHE_S = 10;

export interface StatsResponse {
  cellDeg: number;
  peers: number;
  cells: { cell: string; lat: number; lng: number; peers: number }[];
  truncated: boolean;
}

export function registerStats(app: App): void {
  app.get('/api/stats', async (c) => {
    const grid = c.get('grid');
    const index = await directoryStub(c.env).list();
    const listed = index.cells.slice(0, MAX_CELLS);
    const counts = await Promise.all(listed.map((cell) => cellStub(c.env, cell).peerCount()));
    const cells = listed
      .map((cell, i) => {
        const centre = toLatLng(cellShape(grid, cell).centre);
        return { cell, lat: Math.round(centre.lat * 100) / 100, lng: Math.round(centre.lng * 100) / 100, peers: counts[i]! };
      })
      .filter((x) => x.peers > 0);
    const body: StatsResponse = {
      cellDeg: grid.cellDeg,
      peers: cells.reduce((s, x) => s + x.peers, 0),
      cells,
      truncated: index.cells.length > MAX_CELLS,
    };
    c.header('Cache-Control', `public, max-age=${CACHE_S}`);
    return c.json(body);
  });
}
