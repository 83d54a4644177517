/**
 * `GET /api/ice-servers` (Authorization: Bearer {join token}): ICE servers for a joined peer.
 * Cloudflare Realtime TURN when its key is set, else coturn TURN REST credentials, else STUN only.
 * The token is an HMAC checked here, with no Durable Object round trip; rate-limited per peer.
 */
import type { Config } from '../../core/config';
import { dropPort53, localIceServers, parseIceServers, verifyToken, type IceServer } from '../../core/ice';
import { tokenSecret } from '../../durable-objects/token-secret';
import type { App } from '../context';
import { ApiError } from '../errors';

/** Upstream must answer within this, or the client is told to go on with STUN. */
const UPSTREAM_TIMEOUT_MS = 5_000;

async function cloudflareServers(config: Config): Promise<IceServer[]> {
  const url = `${config.turnApiUrl}/turn/keys/${encodeURIComponent(config.turnKeyId!)}/credentials/generate-ice-servers`;
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { Authorization: `Bearer ${config.turnKeyApiToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ ttl: config.iceTtlS }),
      signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS),
    });
  } catch (err) {
    throw new ApiError('upstream_error', `TURN credential service unreachable or slow (${err instanceof Error ? err.name : 'error'})`);
  }
  if (!res.ok) throw new ApiError('upstream_error', `TURN credential service answered ${res.status}`);
  const body = (await res.json().catch(() => null)) as { iceServers?: unknown } | null;
  const servers = parseIceServers(body?.iceServers);
  if (!servers) throw new ApiError('upstream_error', 'TURN credential service sent no valid iceServers');
  return dropPort53(servers);
}

export function registerIceServers(app: App): void {
  app.get('/api/ice-servers', async (c) => {
    const config = c.get('config');
    const auth = c.req.header('Authorization') ?? '';
    const token = /^Bearer (\S+)$/.exec(auth)?.[1];
    if (!token) throw new ApiError('unauthorized', 'send Authorization: Bearer {token} from your welcome');
    const nowS = Math.floor(Date.now() / 1000);
    const check = await verifyToken(await tokenSecret(c.env, config), token, nowS);
    if (!check.ok) {
      throw new ApiError('unauthorized', check.reason === 'expired' ? 'token expired: ask your cell for a new one' : 'invalid token');
    }
    if (c.env.ICE_LIMITER && !(await c.env.ICE_LIMITER.limit({ key: check.peerId })).success) {
      throw new ApiError('rate_limited', 'too many ICE server requests for this peer');
    }
    let body = await localIceServers(config, check.peerId, nowS);
    if (body === null) {
      // Cloudflare lists one usable STUN URL; add ours so clients can classify their NAT (two needed).
      const servers = await cloudflareServers(config);
      const listed = new Set(servers.flatMap((x) => (Array.isArray(x.urls) ? x.urls : [x.urls])));
      const extra = config.stunUrls.filter((u) => !listed.has(u));
      body = { iceServers: extra.length > 0 ? [...servers, { urls: extra }] : servers, source: 'cloudflare', relay: true, ttl: config.iceTtlS, expiresAt: nowS + config.iceTtlS };
    }
    c.header('Cache-Control', 'no-store');
    return c.json(body);
  });
}
