/**
 * `GET /api/cells/:cell/connect`: the WebSocket upgrade, checked here (cell id, Upgrade header,
 * Origin) before it reaches the cell's Durable Object.
 */
import { parseCell } from '../../core/geo';
import { CELL_HEADER, cellStub } from '../../durable-objects/env';
import type { App } from '../context';
import { ApiError } from '../errors';

/**
 * Browsers always send Origin on WebSockets; a page from another site must be listed in
 * ALLOWED_ORIGINS (or `*`). Non-browser clients send none and are let through: they could forge it.
 */
export function originAllowed(origin: string | undefined, requestUrl: string, allowed: readonly string[]): boolean {
  if (origin === undefined) return true;
  if (allowed.includes('*') || allowed.includes(origin)) return true;
  return origin === new URL(requestUrl).origin;
}

export function registerConnect(app: App): void {
  app.get('/api/cells/:cell/connect', async (c) => {
    const cell = c.req.param('cell');
    if (!parseCell(c.get('grid'), cell)) throw new ApiError('bad_cell', `"${cell.slice(0, 32)}" is not a cell of this grid`);
    if (c.req.header('Upgrade')?.toLowerCase() !== 'websocket') {
      throw new ApiError('upgrade_required', 'this endpoint speaks WebSocket only');
    }
    if (!originAllowed(c.req.header('Origin'), c.req.url, c.get('config').allowedOrigins)) {
      throw new ApiError('origin_forbidden', 'this origin may not connect; see ALLOWED_ORIGINS');
    }
    const forward = new Request(c.req.raw);
    forward.headers.set(CELL_HEADER, cell);
    return cellStub(c.env, cell).fetch(forward);
  });
}
