import type { Cell } from './Cell';
import type { Directory } from './Directory';

/** Bindings of the Worker and its Durable Objects (wrangler.toml). Vars are strings; core/config parses them. */
export interface Env {
  CELL: DurableObjectNamespace<Cell>;
  DIRECTORY: DurableObjectNamespace<Directory>;
  ASSETS?: Fetcher;
  CELL_DEG?: string;
  MAX_DEGREE?: string;
  ICE_TTL_S?: string;
  STUN_URLS?: string;
  TURN_URLS?: string;
  TURN_SHARED_SECRET?: string;
  TURN_KEY_ID?: string;
  TURN_KEY_API_TOKEN?: string;
  ALLOWED_ORIGINS?: string;
  TURN_API_URL?: string;
  TOKEN_SECRET?: string;
  /** Workers rate-limiting binding for `GET /api/ice-servers`, keyed by peer id. */
  ICE_LIMITER?: RateLimit;
}

/** Header the Worker uses to tell a cell its own id on the WebSocket upgrade. */
export const CELL_HEADER = 'X-Wisp-Cell';
/** The single directory of non-empty cells (touched only when a cell turns empty or non-empty). */
export const DIRECTORY_NAME = 'directory';

export function cellStub(env: Env, cell: string): DurableObjectStub<Cell> {
  return env.CELL.get(env.CELL.idFromName(cell));
}

export function directoryStub(env: Env): DurableObjectStub<Directory> {
  return env.DIRECTORY.get(env.DIRECTORY.idFromName(DIRECTORY_NAME));
}
