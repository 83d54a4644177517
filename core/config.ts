/**
 * Configuration from `[vars]` and secrets. Every value has a safe default; a bad value throws a
 * ConfigError naming the variable, which the Worker reports as `bad_config`.
 */
import { DEFAULT_MAX_DEGREE } from './topology';

export const DEFAULT_CELL_DEG = 4;
export const DEFAULT_ICE_TTL_S = 3_600;
/** TURN credentials never live longer than this (DESIGN.md, NAT traversal). */
export const MAX_ICE_TTL_S = 48 * 3_600;
export const DEFAULT_TURN_API_URL = 'https://rtc.live.cloudflare.com/v1';
export const DEFAULT_STUN_URLS = ['stun:stun.cloudflare.com:3478', 'stun:stun.l.google.com:19302'];

export interface Config {
  cellDeg: number;
  maxDegree: number;
  iceTtlS: number;
  stunUrls: string[];
  turnUrls: string[];
  turnSharedSecret: string | null;
  turnKeyId: string | null;
  turnKeyApiToken: string | null;
  /** Base of Cloudflare's Realtime API; overridable only so tests can point at a local stand-in. */
  turnApiUrl: string;
  /** HMAC key for join tokens; when unset a random key is kept by the directory object. */
  tokenSecret: string | null;
  /** Extra origins allowed to open cell WebSockets; the request's own origin always is. `*` allows all. */
  allowedOrigins: string[];
}

export type RawEnv = Partial<Record<string, unknown>>;

export class ConfigError extends Error {
  constructor(readonly variable: string, detail: string) {
    super(`${variable}: ${detail}`);
    this.name = 'ConfigError';
  }
}

function str(env: RawEnv, name: string): string | null {
  const v = env[name];
  if (v === undefined || v === null || v === '') return null;
  if (typeof v !== 'string') throw new ConfigError(name, 'must be a string');
  return v.trim() === '' ? null : v.trim();
}

function num(env: RawEnv, name: string, fallback: number, min: number, max: number, integer: boolean): number {
  const s = str(env, name);
  if (s === null) return fallback;
  const n = Number(s);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
    throw new ConfigError(name, `must be ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], got "${s}"`);
  }
  return n;
}

function list(env: RawEnv, name: string, fallback: string[], pattern: RegExp): string[] {
  const s = str(env, name);
  if (s === null) return fallback;
  const items = s.split(',').map((x) => x.trim()).filter((x) => x !== '');
  for (const item of items) if (!pattern.test(item)) throw new ConfigError(name, `"${item}" is not a valid entry`);
  return items;
}

const ICE_URL = /^(stun|stuns|turn|turns):[^\s,]+$/;
const ORIGIN = /^(\*|https?:\/\/[^\s/,]+)$/;

export function parseConfig(env: RawEnv): Config {
  const cfg: Config = {
    // 0.5°–30° keeps cells between a city and a subcontinent; the grid rounds 180/CELL_DEG to whole rows.
    cellDeg: num(env, 'CELL_DEG', DEFAULT_CELL_DEG, 0.5, 30, false),
    // ≥ 8 leaves room above the ≤ 6 edges the cap always keeps; ≤ 32 keeps a socket attachment small.
    maxDegree: num(env, 'MAX_DEGREE', DEFAULT_MAX_DEGREE, 8, 32, true),
    iceTtlS: num(env, 'ICE_TTL_S', DEFAULT_ICE_TTL_S, 60, MAX_ICE_TTL_S, true),
    stunUrls: list(env, 'STUN_URLS', DEFAULT_STUN_URLS, ICE_URL),
    turnUrls: list(env, 'TURN_URLS', [], ICE_URL),
    turnSharedSecret: str(env, 'TURN_SHARED_SECRET'),
    turnKeyId: str(env, 'TURN_KEY_ID'),
    turnKeyApiToken: str(env, 'TURN_KEY_API_TOKEN'),
    turnApiUrl: list(env, 'TURN_API_URL', [DEFAULT_TURN_API_URL], /^https?:\/\/[^\s,]+$/)[0]!.replace(/\/+$/, ''),
    tokenSecret: str(env, 'TOKEN_SECRET'),
    allowedOrigins: list(env, 'ALLOWED_ORIGINS', [], ORIGIN),
  };
  if ((cfg.turnKeyId === null) !== (cfg.turnKeyApiToken === null)) {
    throw new ConfigError(cfg.turnKeyId === null ? 'TURN_KEY_ID' : 'TURN_KEY_API_TOKEN', 'TURN_KEY_ID and TURN_KEY_API_TOKEN are set together');
  }
  if (cfg.tokenSecret !== null && cfg.tokenSecret.length < 16) throw new ConfigError('TOKEN_SECRET', 'must be at least 16 characters');
  if (cfg.turnSharedSecret !== null && cfg.turnUrls.length === 0) {
    throw new ConfigError('TURN_URLS', 'is required when TURN_SHARED_SECRET is set');
  }
  return cfg;
}
