/**
 * ICE servers (STUN, and TURN credentials for the pairs that cannot connect directly) from
 * `GET /api/ice-servers`, authorised by the join token from `welcome`. TURN credentials expire
 * (default 1 h) and so does the token (15 min), so the refresher asks the cell for a fresh token
 * when needed, fetches new servers a little before expiry, and applies them with
 * `setConfiguration` (DESIGN, NAT traversal).
 */
import { parseIceServersResponse as parseAnswer, type IceServersResponse } from '../../core/protocol';
import type { IceServersStatus } from './api';
import { describe } from './ice';

/**
 * Refresh this long before the credentials expire (or a tenth of their lifetime, if longer), but
 * never earlier than half-way: with `ICE_TTL_S=60` a fixed minute would mean a fetch every second.
 */
export const ICE_REFRESH_MARGIN_MS = 60_000;
/** A token with less than this left is renewed before use. */
export const TOKEN_MARGIN_MS = 30_000;
/** After a failed fetch, try again this much later. */
export const ICE_RETRY_MS = 30_000;
/** The first join waits at most this long for ICE servers before connecting without them. */
export const ICE_FIRST_FETCH_TIMEOUT_MS = 3_000;
/**
 * A fetch of ICE servers that has not answered by then is abandoned (and retried later). The
 * Worker gives up on the TURN credential service after 5 s and answers 502 (protocol.md §6), so
 * a longer silence is the network; without a bound a hung request would stop every refresh.
 */
export const ICE_FETCH_TIMEOUT_MS = 10_000;
/**
 * STUN servers used when `/api/ice-servers` fails before it ever answered (502 when the TURN
 * credential service is down, a timeout): the defaults of `STUN_URLS` in wrangler.toml. Without
 * any, a peer behind NAT could only offer host candidates and would link to almost no-one.
 */
export const FALLBACK_ICE_SERVERS: readonly RTCIceServer[] = [{ urls: ['stun:stun.cloudflare.com:3478', 'stun:stun.l.google.com:19302'] }];
/** How long to wait for the cell's answer to `{type: "token"}`. */
export const TOKEN_REQUEST_TIMEOUT_MS = 10_000;
/** setTimeout's largest delay (2^31 − 1 ms); longer ones fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

/** Where ICE servers come from: given a join token, the server's answer. */
export type IceServerSource = (token: string) => Promise<IceServersResponse>;

/** A failed `/api/ice-servers` request; `status` is null when there was no HTTP answer. */
export class IceServersError extends Error {
  override readonly name = 'IceServersError';
  constructor(
    message: string,
    readonly status: number | null,
    readonly code: string | null,
  ) {
    super(message);
  }
}

/** The HTTP source: `GET {origin}/api/ice-servers` with `Authorization: Bearer {token}`. */
export function httpIceServers(origin: string, fetchFn: typeof fetch = globalThis.fetch.bind(globalThis), timeoutMs = ICE_FETCH_TIMEOUT_MS): IceServerSource {
  return async (token) => {
    let res: Response;
    let body: unknown;
    try {
      const signal = AbortSignal.timeout(timeoutMs);
      res = await fetchFn(new URL('/api/ice-servers', origin).toString(), { headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, signal });
      body = (await res.json().catch(() => null)) as unknown;
    } catch (err) {
      const timedOut = err instanceof Error && err.name === 'TimeoutError';
      throw new IceServersError(timedOut ? `ice-servers did not answer within ${timeoutMs / 1_000} s` : `ice-servers unreachable: ${describe(err)}`, null, null);
    }
    if (!res.ok) {
      const e = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
      const code = typeof e?.code === 'string' ? e.code : null;
      throw new IceServersError(`ice-servers answered ${res.status}${code ? ` ${code}` : ''}${typeof e?.message === 'string' ? `: ${e.message}` : ''}`, res.status, code);
    }
    return parseIceServersResponse(body);
  };
}

/** Validates an `/api/ice-servers` answer; throws on anything unusable. */
export function parseIceServersResponse(body: unknown): IceServersResponse {
  const parsed = parseAnswer(body);
  if (!parsed) throw new Error('ice-servers: expected {iceServers: [{urls: "stun:…" | "turn:…", …}], expiresAt: number}');
  return parsed;
}

export interface IceRefresherOptions {
  source: IceServerSource;
  /** Sends `{type: "token"}` to the cell; false when the server link is down. The answer comes to `setToken`. */
  requestToken(): boolean;
  apply(servers: RTCIceServer[]): void;
  onError(message: string): void;
  /** Every change of `status`. */
  onStatus?(status: IceServersStatus): void;
  /** Applied when a fetch fails (or `useFallback()` is called) before any answer was applied. */
  fallback?: readonly RTCIceServer[];
  now?: () => number;
}

/** Keeps ICE servers current for one mesh. */
export class IceRefresher {
  #token: { token: string; expiresAtMs: number } | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #waiters: Array<(token: string) => void> = [];
  #closed = false;
  #applied = false;
  #status: IceServersStatus = { state: 'pending', source: null, relay: false, httpStatus: null, error: null };
  readonly #now: () => number;

  constructor(private readonly opts: IceRefresherOptions) {
    this.#now = opts.now ?? Date.now;
  }

  get status(): IceServersStatus {
    return this.#status;
  }

  /** Records the token from `welcome` or `token` (Unix seconds expiry, as on the wire). */
  setToken(token: string, tokenExpiresAt: number): void {
    this.#token = { token, expiresAtMs: tokenExpiresAt * 1000 };
    for (const w of this.#waiters.splice(0)) w(token);
  }

  /** Applies servers the cell sent in `welcome` (no fetch), and schedules the next refresh. */
  use(res: IceServersResponse): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#applied = true;
    this.opts.apply(res.iceServers);
    this.#setStatus({ state: 'ok', source: res.source, relay: res.relay, httpStatus: null, error: null });
    const ttlMs = res.expiresAt * 1000 - this.#now();
    this.#schedule(ttlMs - Math.min(Math.max(ICE_REFRESH_MARGIN_MS, ttlMs / 10), ttlMs / 2));
  }

  /** Fetches and applies servers now, then schedules the next refresh. Never rejects. */
  async refresh(): Promise<void> {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    try {
      const res = await this.opts.source(await this.#validToken());
      if (this.#closed) return;
      this.use(res);
    } catch (err) {
      if (this.#closed) return;
      // Links keep the servers they have (TURN credentials stay valid until they expire); with
      // none yet, STUN at least lets them try direct routes through NAT.
      this.useFallback();
      const httpStatus = err instanceof IceServersError ? err.status : null;
      this.#setStatus({ ...this.#status, state: 'failed', httpStatus, error: describe(err) });
      this.opts.onError(`could not get ICE servers: ${describe(err)}`);
      this.#schedule(ICE_RETRY_MS);
    }
  }

  /** Applies the fallback servers unless real ones were applied already. */
  useFallback(): void {
    if (this.#applied || this.#closed || !this.opts.fallback?.length) return;
    this.#applied = true;
    this.opts.apply([...this.opts.fallback]);
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

  #setStatus(status: IceServersStatus): void {
    this.#status = status;
    this.opts.onStatus?.(status);
  }

  #schedule(delayMs: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.refresh(), Math.min(MAX_TIMER_MS, Math.max(1_000, delayMs)));
  }
}
