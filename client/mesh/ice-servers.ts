/**
 * ICE servers (STUN, and TURN credentials for the pairs that cannot connect directly) from
 * `GET /api/ice-servers`, authorised by the join token from `welcome`. TURN credentials expire
 * (default 1 h) and so does the token (15 min), so the refresher asks the cell for a fresh token
 * when needed, fetches new servers a little before expiry, and applies them with
 * `setConfiguration` (DESIGN, NAT traversal).
 */
import type { IceServersResponse } from '../../core/protocol';
import { describe } from './ice';

/** Refresh this long before the credentials expire (or a tenth of their lifetime, if longer). */
export const ICE_REFRESH_MARGIN_MS = 60_000;
/** A token with less than this left is renewed before use. */
export const TOKEN_MARGIN_MS = 30_000;
/** After a failed fetch, try again this much later. */
export const ICE_RETRY_MS = 30_000;
/** The first join waits at most this long for ICE servers before connecting without them. */
export const ICE_FIRST_FETCH_TIMEOUT_MS = 3_000;
/** How long to wait for the cell's answer to `{type: "token"}`. */
export const TOKEN_REQUEST_TIMEOUT_MS = 10_000;
/** setTimeout's largest delay (2^31 − 1 ms); longer ones fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

/** Where ICE servers come from: given a join token, the server's answer. */
export type IceServerSource = (token: string) => Promise<IceServersResponse>;

/** The HTTP source: `GET {origin}/api/ice-servers` with `Authorization: Bearer {token}`. */
export function httpIceServers(origin: string, fetchFn: typeof fetch = globalThis.fetch.bind(globalThis)): IceServerSource {
  return async (token) => {
    const res = await fetchFn(new URL('/api/ice-servers', origin).toString(), { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
    const body = (await res.json().catch(() => null)) as unknown;
    if (!res.ok) {
      const e = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
      throw new Error(`ice-servers answered ${res.status}${typeof e?.code === 'string' ? ` ${e.code}` : ''}${typeof e?.message === 'string' ? `: ${e.message}` : ''}`);
    }
    return parseIceServersResponse(body);
  };
}

/** Validates an `/api/ice-servers` answer; throws on anything unusable. */
export function parseIceServersResponse(body: unknown): IceServersResponse {
  const b = body as Partial<Record<keyof IceServersResponse, unknown>> | null;
  if (!b || typeof b !== 'object' || !Array.isArray(b.iceServers) || typeof b.expiresAt !== 'number') {
    throw new Error('ice-servers: expected {iceServers: [...], expiresAt: number}');
  }
  const servers: IceServersResponse['iceServers'] = [];
  for (const s of b.iceServers as unknown[]) {
    const o = s as { urls?: unknown; username?: unknown; credential?: unknown } | null;
    const urls = o?.urls;
    const ok = typeof urls === 'string' || (Array.isArray(urls) && urls.length > 0 && urls.every((u) => typeof u === 'string'));
    if (!o || !ok) throw new Error('ice-servers: every server needs urls');
    const server: IceServersResponse['iceServers'][number] = { urls: urls as string | string[] };
    if (typeof o.username === 'string') server.username = o.username;
    if (typeof o.credential === 'string') server.credential = o.credential;
    servers.push(server);
  }
  const source = b.source === 'cloudflare' || b.source === 'coturn' ? b.source : 'stun';
  return { iceServers: servers, source, relay: b.relay === true, ttl: typeof b.ttl === 'number' ? b.ttl : 0, expiresAt: b.expiresAt };
}

export interface IceRefresherOptions {
  source: IceServerSource;
  /** Sends `{type: "token"}` to the cell; false when the server link is down. The answer comes to `setToken`. */
  requestToken(): boolean;
  apply(servers: RTCIceServer[]): void;
  onError(message: string): void;
  now?: () => number;
}

/** Keeps ICE servers current for one mesh. */
export class IceRefresher {
  #token: { token: string; expiresAtMs: number } | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #waiters: Array<(token: string) => void> = [];
  #closed = false;
  readonly #now: () => number;

  constructor(private readonly opts: IceRefresherOptions) {
    this.#now = opts.now ?? Date.now;
  }

  /** Records the token from `welcome` or `token` (Unix seconds expiry, as on the wire). */
  setToken(token: string, tokenExpiresAt: number): void {
    this.#token = { token, expiresAtMs: tokenExpiresAt * 1000 };
    for (const w of this.#waiters.splice(0)) w(token);
  }

  /** Fetches and applies servers now, then schedules the next refresh. Never rejects. */
  async refresh(): Promise<void> {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    try {
      const res = await this.opts.source(await this.#validToken());
      if (this.#closed) return;
      this.opts.apply(res.iceServers);
      const ttlMs = res.expiresAt * 1000 - this.#now();
      this.#schedule(ttlMs - Math.max(ICE_REFRESH_MARGIN_MS, ttlMs / 10));
    } catch (err) {
      if (this.#closed) return;
      this.opts.onError(`could not get ICE servers: ${describe(err)}`);
      this.#schedule(ICE_RETRY_MS);
    }
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }

  async #validToken(): Promise<string> {
    if (this.#token && this.#token.expiresAtMs - this.#now() > TOKEN_MARGIN_MS) return this.#token.token;
    return new Promise((resolve, reject) => {
      if (!this.opts.requestToken()) return reject(new Error('the server link is down'));
      const timer = setTimeout(() => reject(new Error('the cell did not answer the token request')), TOKEN_REQUEST_TIMEOUT_MS);
      this.#waiters.push((token) => {
        clearTimeout(timer);
        resolve(token);
      });
    });
  }

  #schedule(delayMs: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.refresh(), Math.min(MAX_TIMER_MS, Math.max(1_000, delayMs)));
  }
}
