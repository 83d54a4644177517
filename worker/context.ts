import type { Hono } from 'hono';
import type { Config } from '../core/config';
import type { CellGrid } from '../core/geo';
import type { Env } from '../durable-objects/env';

/** What every route sees: bindings, and the parsed config and grid set by the first middleware. */
export interface AppEnv {
  Bindings: Env;
  Variables: { config: Config; grid: CellGrid; requestId: string };
}

export type App = Hono<AppEnv>;
