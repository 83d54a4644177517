import { PROTOCOL_VERSION } from '../../core/protocol';
import type { App } from '../context';

/** `GET /api/health`: liveness and the effective grid, for load balancers and humans. */
export function registerHealth(app: App): void {
  app.get('/api/health', (c) =>
    c.json({ ok: true, protocol: PROTOCOL_VERSION, cellDeg: c.get('config').cellDeg, time: new Date().toISOString() }),
  );
}
