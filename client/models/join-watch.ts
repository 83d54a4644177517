/**
 * `joinMesh` retries on its own while the server is unreachable and resolves only at `welcome`,
 * and a joined mesh reconnects on its own too; neither says why or for how long. To tell the user
 * "can't reach the server, retrying in 4 s", this watches the cell transport through the two hooks
 * `JoinMeshOptions.transport` offers: its `fetch` (to see discover fail, and why) and its backoff's
 * random source (called exactly once per scheduled retry, so the delay can be computed exactly).
 */
import { backoffDelay, type BackoffOptions } from '../signaling/backoff';

export interface JoinReport {
  /** An attempt failed and the transport will try again in `delayMs`; `reason` is a sentence. */
  retrying(reason: string, delayMs: number): void;
}

export interface JoinWatch {
  /** Pass as `JoinMeshOptions.transport`. */
  readonly transport: { fetch: typeof fetch; backoff: BackoffOptions };
  /** Call on every `welcome` (join resolved, server state `joined`): the transport resets its backoff then. */
  joined(): void;
}

const DISCOVER_PATH = '/api/discover';
/** When discover worked, the attempt failed later: on the cell's WebSocket. */
const SOCKET_FAILED = 'Could not open a connection to your cell.';

function describeStatus(res: Response): string | null {
  if (res.status >= 500) return `The server answered ${res.status}${res.statusText ? ` (${res.statusText})` : ''}.`;
  if (res.status === 429) return 'The server is rate-limiting this address.';
  if (!res.ok) return `The server refused the request (${res.status}).`;
  // e.g. a static host serving index.html for every path
  if (!(res.headers.get('content-type') ?? '').includes('json')) return 'This address does not serve the Wisp API.';
  return null;
}

export function watchJoin(report: JoinReport): JoinWatch {
  // Mirrors the transport's own counter: retry number n since the last welcome.
  let attempt = 0;
  let reason: string | null = null;
  const watchedFetch: typeof fetch = async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const isDiscover = new URL(url, location.href).pathname === DISCOVER_PATH;
    if (isDiscover) reason = null;
    try {
      const res = await fetch(input, init);
      if (isDiscover) reason = describeStatus(res);
      return res;
    } catch (err) {
      if (isDiscover) reason = navigator.onLine === false ? 'This device is offline.' : 'The server did not answer.';
      throw err;
    }
  };
  return {
    transport: {
      fetch: watchedFetch,
      backoff: {
        random: () => {
          const r = Math.random();
          // Same formula and defaults as the transport, with the same random draw: same delay.
          report.retrying(reason ?? SOCKET_FAILED, backoffDelay(attempt, { random: () => r }));
          attempt += 1;
          return r;
        },
      },
    },
    joined() {
      attempt = 0;
    },
  };
}
