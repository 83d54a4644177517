/**
 * ICE server credentials and the short-lived token that proves a peer joined. WebCrypto only
 * (HMAC), so it runs in Workers, browsers and Node alike; no other I/O.
 */
import { fromBase64url, toBase64url } from './identity';
import { parseIceServerList, PEER_ID, type IceServersResponse } from './protocol';

/** How long a join token is good for; the client asks its cell for a new one (`token`). */
export const ICE_TOKEN_TTL_S = 15 * 60;

export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

const encoder = new TextEncoder();

async function hmacKey(secret: string | Uint8Array<ArrayBuffer>, hash: 'SHA-1' | 'SHA-256'): Promise<CryptoKey> {
  const raw = typeof secret === 'string' ? encoder.encode(secret) : secret;
  return crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash }, false, ['sign', 'verify']);
}

function base64(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

/**
 * coturn's TURN REST credentials (`use-auth-secret`): username `"{expiry}:{peerId}"`, credential
 * base64(HMAC-SHA1(secret, username)).
 */
export async function coturnCredentials(secret: string, peerId: string, ttlS: number, nowS: number): Promise<{ username: string; credential: string; expiresAt: number }> {
  const expiresAt = Math.floor(nowS) + ttlS;
  const username = `${expiresAt}:${peerId}`;
  const mac = await crypto.subtle.sign('HMAC', await hmacKey(secret, 'SHA-1'), encoder.encode(username));
  return { username, credential: base64(new Uint8Array(mac)), expiresAt };
}

/** Browsers refuse TURN/STUN on port 53 (Cloudflare lists it for networks that allow only DNS). */
export function dropPort53(servers: IceServer[]): IceServer[] {
  const out: IceServer[] = [];
  for (const s of servers) {
    const urls = (Array.isArray(s.urls) ? s.urls : [s.urls]).filter((u) => !/^[a-z]+:[^?]*:53(\?|$)/i.test(u));
    if (urls.length > 0) out.push({ ...s, urls });
  }
  return out;
}

/** Validates an upstream `iceServers` list; null if it is not one. */
export function parseIceServers(x: unknown): IceServer[] | null {
  return parseIceServerList(x);
}

/** What minting ICE servers needs to know (a slice of core/config's Config). */
export interface IceConfig {
  stunUrls: readonly string[];
  turnUrls: readonly string[];
  turnSharedSecret: string | null;
  turnKeyId: string | null;
  iceTtlS: number;
}

/**
 * The ICE servers for `peerId` when they can be made here, with no call upstream: coturn TURN
 * REST credentials (plus STUN), or STUN only. Null when Cloudflare TURN is configured: its
 * credentials come from its API (worker/routes/ice-servers.ts).
 */
export async function localIceServers(config: IceConfig, peerId: string, nowS: number): Promise<IceServersResponse | null> {
  if (config.turnKeyId !== null) return null;
  const stun: IceServer[] = config.stunUrls.length > 0 ? [{ urls: [...config.stunUrls] }] : [];
  if (config.turnSharedSecret !== null) {
    const cred = await coturnCredentials(config.turnSharedSecret, peerId, config.iceTtlS, nowS);
    return {
      iceServers: [...stun, { urls: [...config.turnUrls], username: cred.username, credential: cred.credential }],
      source: 'coturn', relay: true, ttl: config.iceTtlS, expiresAt: cred.expiresAt,
    };
  }
  return { iceServers: stun, source: 'stun', relay: false, ttl: config.iceTtlS, expiresAt: Math.floor(nowS) + config.iceTtlS };
}

/** A join token: `{peerId}.{expiresAt}.{base64url HMAC-SHA256}`; checked without asking a cell. */
export async function mintToken(secret: Uint8Array<ArrayBuffer>, peerId: string, expiresAt: number): Promise<string> {
  const body = `${peerId}.${expiresAt}`;
  const mac = await crypto.subtle.sign('HMAC', await hmacKey(secret, 'SHA-256'), encoder.encode(body));
  return `${body}.${toBase64url(new Uint8Array(mac))}`;
}

export type TokenCheck = { ok: true; peerId: string; expiresAt: number } | { ok: false; reason: 'malformed' | 'bad_mac' | 'expired' };

export async function verifyToken(secret: Uint8Array<ArrayBuffer>, token: string, nowS: number): Promise<TokenCheck> {
  const parts = token.split('.');
  if (parts.length !== 3 || !PEER_ID.test(parts[0]!) || !/^\d{1,12}$/.test(parts[1]!)) return { ok: false, reason: 'malformed' };
  const mac = fromBase64url(parts[2]!);
  if (!mac) return { ok: false, reason: 'malformed' };
  const good = await crypto.subtle.verify('HMAC', await hmacKey(secret, 'SHA-256'), mac, encoder.encode(`${parts[0]}.${parts[1]}`));
  if (!good) return { ok: false, reason: 'bad_mac' };
  const expiresAt = Number(parts[1]);
  if (expiresAt <= nowS) return { ok: false, reason: 'expired' };
  return { ok: true, peerId: parts[0]!, expiresAt };
}
