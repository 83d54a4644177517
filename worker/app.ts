/**
 * The Hono app: config parsed once per isolate (a bad value answers `bad_config` naming it),
 * one route per file, one error handler.
 */
import { Hono } from 'hono';
import { cors } from 'hono/cors';
import { ConfigError, parseConfig, type Config } from '../core/config';
import { cellGrid, type CellGrid } from '../core/geo';
import type { Env } from '../durable-objects/env';
import type { AppEnv } from './context';
import { ApiError, errorBody } from './errors';
import { originAllowed, registerConnect } from './routes/connect';
import { registerDiscover } from './routes/discover';
import { registerHealth } from './routes/health';
import { registerIceServers } from './routes/ice-servers';
import { registerStats } from './routes/stats';

let cached: { env: Env; config: Config; grid: CellGrid } | null = null;

function configFor(env: Env): { config: Config; grid: CellGrid } {
  if (cached?.env !== env) {
    const config = parseConfig(env as unknown as Record<string, unknown>);
    cached = { env, config, grid: cellGrid(config.cellDeg) };
  }
  return cached;
}

export function createApp(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.use('*', async (c, next) => {
    c.set('requestId', c.req.header('cf-ray') ?? crypto.randomUUID());
    try {
      const { config, grid } = configFor(c.env);
      c.set('config', config);
      c.set('grid', grid);
    } catch (err) {
      if (err instanceof ConfigError) throw new ApiError('bad_config', err.message);
      throw err;
    }
    await next();
  });

  // Pages on origins listed in ALLOWED_ORIGINS may call the API from the browser (the library).
  app.use(
    '/api/*',
    cors({
      origin: (origin, c) => (originAllowed(origin, c.req.url, c.get('config').allowedOrigins) ? origin : null),
      allowMethods: ['GET'],
      allowHeaders: ['Authorization'],
      maxAge: 600,
    }),
  );

  registerHealth(app);
  registerDiscover(app);
  registerConnect(app);
  registerStats(app);
  registerIceServers(app);

  app.notFound((c) => c.json(errorBody('not_found', `no route for ${c.req.method} ${new URL(c.req.url).pathname}`), 404));

  app.onError((err, c) => {
    const requestId = c.get('requestId');
    if (err instanceof ApiError) return c.json(errorBody(err.code, err.message, requestId), err.status as 400);
    // Unknown errors: log the detail, answer generically (never a stack).
    console.error('worker:onError', requestId, err);
    return c.json(errorBody('internal', 'internal error', requestId), 500);
  });

  return app;
}
