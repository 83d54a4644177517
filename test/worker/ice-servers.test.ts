/**
 * `GET /api/ice-servers`: only for joined peers (token from `welcome`), STUN by default, coturn
 * TURN REST credentials, and Cloudflare Realtime TURN — the last against a local stand-in HTTP
 * server (test/support/turn-standin.ts) because the real API is unreachable from test machines.
 */
import { env } from 'cloudflare:workers';
import { afterAll, describe, expect, test } from 'vitest';
import { mintToken } from '../../core/ice';
import { fromBase64url } from '../../core/identity';
import type { HttpError, IceServersResponse } from '../../core/protocol';
import { directoryStub, type Env } from '../../durable-objects/env';
import { createApp } from '../../worker/app';
import { Bot, api, quiet, until } from '../durable-objects/bot';
import { STANDIN_PORT, STANDIN_TOKEN } from '../support/turn-standin';

const STANDIN = `http://127.0.0.1:${STANDIN_PORT}/v1`;

async function joined(): Promise<{ bot: Bot; token: string }> {
  const bot = await Bot.join(-33.9, 18.4);
  const welcome = bot.inbox.find((m) => m.type === 'welcome');
  if (welcome?.type !== 'welcome') throw new Error('no welcome');
  return { bot, token: welcome.token };
}

/** The Worker with extra vars, as `wrangler.toml`/secrets would give them. */
async function withVars(vars: Record<string, string>, path: string, token: string): Promise<Response> {
  return createApp().fetch(new Request(`http://wisp.test${path}`, { headers: { Authorization: `Bearer ${token}` } }), { ...env, ...vars });
}

async function code(res: Response): Promise<string> {
  return ((await res.json()) as HttpError).error.code;
}

describe('GET /api/ice-servers', () => {
  afterAll(quiet);

  test('refuses peers without a valid, unexpired join token (401 unauthorized)', async () => {
    expect((await api('/api/ice-servers')).status).toBe(401);
    expect(await code(await api('/api/ice-servers', { headers: { Authorization: 'Bearer nonsense' } }))).toBe('unauthorized');
    const secret = fromBase64url(await directoryStub(env as unknown as Env).tokenSecret())!;
    const now = Math.floor(Date.now() / 1000);
    const expired = await mintToken(secret, 'AAAAAAAAAAAAAAAAAAAAAA', now - 1);
    const res = await api('/api/ice-servers', { headers: { Authorization: `Bearer ${expired}` } });
    expect(res.status).toBe(401);
    expect(((await res.json()) as HttpError).error.message).toContain('expired');
    const forged = await mintToken(new Uint8Array(new TextEncoder().encode('not-the-secret-at-all')), 'AAAAAAAAAAAAAAAAAAAAAA', now + 600);
    expect((await api('/api/ice-servers', { headers: { Authorization: `Bearer ${forged}` } })).status).toBe(401);
    // a peer that connected but never joined has no token at all
    const stranger = await Bot.connect(-34.0, 18.5);
    expect(stranger.inbox.some((m) => m.type === 'welcome')).toBe(false);
    stranger.ws.close();
  });

  test('a joined peer gets STUN servers by default, and can renew its token over the socket', async () => {
    const { bot, token } = await joined();
    const res = await api('/api/ice-servers', { headers: { Authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as IceServersResponse;
    expect(body.source).toBe('stun');
    expect(body.relay).toBe(false);
    expect(body.iceServers).toEqual([{ urls: ['stun:stun.cloudflare.com:3478', 'stun:stun.l.google.com:19302'] }]);
    // The cell minted the same answer into the welcome, so a client need not fetch it.
    const welcome = bot.inbox.find((m) => m.type === 'welcome');
    expect(welcome?.type === 'welcome' && welcome.ice).toEqual({ ...body, expiresAt: expect.any(Number) });
    const mark = bot.inbox.length;
    bot.send({ type: 'token' });
    await until('a fresh token', () => bot.inbox.slice(mark).some((m) => m.type === 'token'));
    const fresh = bot.inbox.slice(mark).find((m) => m.type === 'token');
    expect(fresh?.type === 'token' && fresh.token.startsWith(`${bot.id}.`)).toBe(true);
    bot.leave();
  });

  test('coturn: TURN REST username "{expiry}:{peerId}" and base64(HMAC-SHA1(secret, username))', async () => {
    const { bot, token } = await joined();
    const res = await withVars({ TURN_SHARED_SECRET: 'coturn-secret', TURN_URLS: 'turn:127.0.0.1:3478?transport=udp', ICE_TTL_S: '600' }, '/api/ice-servers', token);
    const body = (await res.json()) as IceServersResponse;
    expect(body.source).toBe('coturn');
    const turn = body.iceServers.find((s) => s.username)!;
    expect(turn.urls).toEqual(['turn:127.0.0.1:3478?transport=udp']);
    const [expiry, peer] = turn.username!.split(':');
    expect(peer).toBe(bot.id);
    expect(Number(expiry) - Date.now() / 1000).toBeGreaterThan(590);
    expect(Number(expiry) - Date.now() / 1000).toBeLessThanOrEqual(600);
    const key = await crypto.subtle.importKey('raw', new TextEncoder().encode('coturn-secret'), { name: 'HMAC', hash: 'SHA-1' }, false, ['verify']);
    const mac = Uint8Array.from(atob(turn.credential!), (ch) => ch.charCodeAt(0));
    expect(await crypto.subtle.verify('HMAC', key, mac, new TextEncoder().encode(turn.username!))).toBe(true);
    bot.leave();
  });

  test('Cloudflare TURN (stand-in): documented request, credentials passed through, port-53 URLs dropped', async () => {
    const { bot, token } = await joined();
    const vars = { TURN_KEY_ID: 'ok-key', TURN_KEY_API_TOKEN: STANDIN_TOKEN, TURN_API_URL: STANDIN, ICE_TTL_S: '1800' };
    const res = await withVars(vars, '/api/ice-servers', token);
    expect(res.status).toBe(200);
    const body = (await res.json()) as IceServersResponse;
    expect(body.source).toBe('cloudflare');
    const urls = body.iceServers.flatMap((s) => s.urls);
    expect(urls).toContain('turn:turn.cloudflare.com:3478?transport=udp');
    expect(urls).toContain('turns:turn.cloudflare.com:443?transport=tcp');
    expect(urls.filter((u) => /:53(\?|$)/.test(u))).toEqual([]);
    // our STUN_URLS are added (without duplicates) so clients have two STUN servers to compare
    expect(urls.filter((u) => u.startsWith('stun:'))).toEqual(['stun:stun.cloudflare.com:3478', 'stun:stun.l.google.com:19302']);
    const turn = body.iceServers.find((s) => s.username)!;
    expect(turn).toMatchObject({ username: 'standin-user-ttl-1800', credential: 'standin-credential' });
    const recorded = (await (await fetch(`http://127.0.0.1:${STANDIN_PORT}/requests`)).json()) as { method: string; path: string; authorization: string; body: string }[];
    expect(recorded.at(-1)).toEqual({
      method: 'POST', path: '/v1/turn/keys/ok-key/credentials/generate-ice-servers', authorization: `Bearer ${STANDIN_TOKEN}`, body: '{"ttl":1800}',
    });
    bot.leave();
  });

  test('Cloudflare TURN (stand-in): a 500 or a timeout upstream gives a typed 502', async () => {
    const { bot, token } = await joined();
    const base = { TURN_KEY_API_TOKEN: STANDIN_TOKEN, TURN_API_URL: STANDIN };
    const failed = await withVars({ ...base, TURN_KEY_ID: 'fail-key' }, '/api/ice-servers', token);
    expect(failed.status).toBe(502);
    expect(await code(failed)).toBe('upstream_error');
    const slow = await withVars({ ...base, TURN_KEY_ID: 'slow-key' }, '/api/ice-servers', token);
    expect(slow.status).toBe(502);
    expect(((await slow.json()) as HttpError).error.message).toMatch(/unreachable or slow/);
    bot.leave();
  });

  test('requests past the per-peer limit get 429 rate_limited', async () => {
    const { bot, token } = await joined();
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) statuses.push((await api('/api/ice-servers', { headers: { Authorization: `Bearer ${token}` } })).status);
    expect(statuses.slice(0, 5).every((s) => s === 200)).toBe(true);
    expect(statuses).toContain(429);
    bot.leave();
  });
});
