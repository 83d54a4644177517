/**
 * The HMAC key for join tokens, shared by cells (which mint) and the Worker (which checks):
 * TOKEN_SECRET when set, else a random key the directory object creates once and keeps. Cached
 * per isolate, so checking a token costs no Durable Object round trip after the first.
 */
import type { Config } from '../core/config';
import { ICE_TOKEN_TTL_S, mintToken } from '../core/ice';
import { fromBase64url } from '../core/identity';
import { directoryStub, type Env } from './env';

let cached: Promise<Uint8Array<ArrayBuffer>> | null = null;

export function tokenSecret(env: Env, config: Config): Promise<Uint8Array<ArrayBuffer>> {
  if (config.tokenSecret !== null) return Promise.resolve(new Uint8Array(new TextEncoder().encode(config.tokenSecret)));
  cached ??= directoryStub(env)
    .tokenSecret()
    .then((b64) => fromBase64url(b64)!)
    .catch((err: unknown) => {
      cached = null; // try again next time
      throw err;
    });
  return cached;
}

/** A fresh token for a joined peer. */
export async function issueToken(env: Env, config: Config, peerId: string): Promise<{ token: string; tokenExpiresAt: number }> {
  const tokenExpiresAt = Math.floor(Date.now() / 1000) + ICE_TOKEN_TTL_S;
  return { token: await mintToken(await tokenSecret(env, config), peerId, tokenExpiresAt), tokenExpiresAt };
}
