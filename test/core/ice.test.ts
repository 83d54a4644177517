import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { coturnCredentials, dropPort53, ICE_TOKEN_TTL_S, localIceServers, mintToken, parseIceServers, verifyToken, type IceConfig } from '../../core/ice';
import { toBase64url } from '../../core/identity';

const PEER = 'AAAAAAAAAAAAAAAAAAAAAA';
const SECRET = new Uint8Array(Array.from({ length: 32 }, (_, i) => i));
const NOW = 1_800_000_000;

describe('coturnCredentials()', () => {
  it('coturnCredentials() follows the TURN REST scheme: "{expiry}:{peer}", base64 HMAC-SHA1', async () => {
    const c = await coturnCredentials('s3cret', PEER, 3_600, NOW + 0.9);
    expect(c.expiresAt).toBe(NOW + 3_600);
    expect(c.username).toBe(`${NOW + 3_600}:${PEER}`);
    expect(c.credential).toBe(createHmac('sha1', 's3cret').update(c.username).digest('base64'));
  });

  it('coturnCredentials() differs per secret, peer and expiry', async () => {
    const base = await coturnCredentials('a', PEER, 60, NOW);
    expect((await coturnCredentials('b', PEER, 60, NOW)).credential).not.toBe(base.credential);
    expect((await coturnCredentials('a', 'BBBBBBBBBBBBBBBBBBBBBB', 60, NOW)).credential).not.toBe(base.credential);
    expect((await coturnCredentials('a', PEER, 61, NOW)).credential).not.toBe(base.credential);
  });
});

describe('dropPort53()', () => {
  it('dropPort53() removes port-53 URLs and servers left with none', () => {
    const out = dropPort53([
      { urls: ['turn:turn.cloudflare.com:3478?transport=udp', 'turn:turn.cloudflare.com:53?transport=udp', 'turns:turn.cloudflare.com:443?transport=tcp'], username: 'u', credential: 'c' },
      { urls: 'stun:stun.cloudflare.com:53' },
      { urls: 'stun:stun.cloudflare.com:3478' },
      { urls: ['turn:x.example:53'] },
    ]);
    expect(out).toEqual([
      { urls: ['turn:turn.cloudflare.com:3478?transport=udp', 'turns:turn.cloudflare.com:443?transport=tcp'], username: 'u', credential: 'c' },
      { urls: ['stun:stun.cloudflare.com:3478'] },
    ]);
  });

  it('dropPort53() keeps ports that merely contain 53', () => {
    const servers = [{ urls: ['turn:a.example:5349', 'turn:a.example:1053', 'stun:b53.example:3478'] }];
    expect(dropPort53(servers)).toEqual(servers);
  });
});

describe('parseIceServers()', () => {
  it('parseIceServers() accepts a list of STUN/TURN servers and keeps only known fields, urls as given', () => {
    expect(parseIceServers([{ urls: 'stun:s.example', extra: 1 }, { urls: ['turn:t.example', 'turns:t.example:443'], username: 'u', credential: 'c' }])).toEqual([
      { urls: 'stun:s.example' },
      { urls: ['turn:t.example', 'turns:t.example:443'], username: 'u', credential: 'c' },
    ]);
    expect(parseIceServers([])).toEqual([]);
  });

  it('parseIceServers() returns null for anything that is not an ICE server list', () => {
    const bad: unknown[] = [
      null, {}, 'stun:s.example', [null], ['stun:s.example'], [{}], [{ urls: [] }], [{ urls: 'http://x.example' }],
      [{ urls: ['stun:ok.example', 5] }], [{ urls: 'turn:t.example', username: 5 }], [{ urls: 'turn:t.example', credential: {} }],
    ];
    for (const x of bad) expect(parseIceServers(x), JSON.stringify(x)).toBeNull();
  });
});

describe('localIceServers()', () => {
  const base: IceConfig = { stunUrls: ['stun:a.test:3478', 'stun:b.test:3478'], turnUrls: ['turn:127.0.0.1:3478?transport=udp'], turnSharedSecret: null, turnKeyId: null, iceTtlS: 600 };
  const PEER = 'AbCdEfGhIjKlMnOpQrStUv';

  it('localIceServers() with no TURN configured: the STUN URLs only, no relay', async () => {
    expect(await localIceServers(base, PEER, 1_000.7)).toEqual({ iceServers: [{ urls: base.stunUrls }], source: 'stun', relay: false, ttl: 600, expiresAt: 1_600 });
    expect((await localIceServers({ ...base, stunUrls: [] }, PEER, 1_000))!.iceServers).toEqual([]);
  });

  it('localIceServers() with a coturn secret: STUN plus TURN REST credentials a coturn would accept', async () => {
    const res = (await localIceServers({ ...base, turnSharedSecret: 's3cret' }, PEER, 1_000))!;
    expect(res.source).toBe('coturn');
    expect(res.relay).toBe(true);
    expect(res.expiresAt).toBe(1_600);
    expect(res.iceServers[0]).toEqual({ urls: base.stunUrls });
    const turn = res.iceServers[1]!;
    expect(turn.urls).toEqual(base.turnUrls);
    expect(turn.username).toBe(`1600:${PEER}`);
    expect(turn.credential).toBe(createHmac('sha1', 's3cret').update(`1600:${PEER}`).digest('base64'));
  });

  it('localIceServers() with Cloudflare TURN configured: null (its credentials need the upstream API)', async () => {
    expect(await localIceServers({ ...base, turnKeyId: 'key', turnSharedSecret: 's3cret' }, PEER, 1_000)).toBeNull();
  });
});

describe('mintToken() and verifyToken()', () => {
  it(`mintToken() makes "{peer}.{expiry}.{mac}" that verifyToken() accepts until expiry (TTL ${ICE_TOKEN_TTL_S} s)`, async () => {
    expect(ICE_TOKEN_TTL_S).toBe(900);
    const token = await mintToken(SECRET, PEER, NOW + ICE_TOKEN_TTL_S);
    const [peer, expiry, mac] = token.split('.');
    expect(peer).toBe(PEER);
    expect(expiry).toBe(String(NOW + ICE_TOKEN_TTL_S));
    expect(mac).toBe(toBase64url(createHmac('sha256', SECRET).update(`${peer}.${expiry}`).digest()));
    expect(await verifyToken(SECRET, token, NOW)).toEqual({ ok: true, peerId: PEER, expiresAt: NOW + ICE_TOKEN_TTL_S });
    expect(await verifyToken(SECRET, token, NOW + ICE_TOKEN_TTL_S - 1)).toMatchObject({ ok: true });
  });

  it('verifyToken() at or after expiry: expired', async () => {
    const token = await mintToken(SECRET, PEER, NOW);
    expect(await verifyToken(SECRET, token, NOW)).toEqual({ ok: false, reason: 'expired' });
    expect(await verifyToken(SECRET, token, NOW + 1)).toEqual({ ok: false, reason: 'expired' });
  });

  it('verifyToken() with another secret or an altered peer or expiry: bad_mac', async () => {
    const token = await mintToken(SECRET, PEER, NOW + 60);
    const other = new Uint8Array(32).fill(7);
    expect(await verifyToken(other, token, NOW)).toEqual({ ok: false, reason: 'bad_mac' });
    const [, expiry, mac] = token.split('.');
    expect(await verifyToken(SECRET, `BBBBBBBBBBBBBBBBBBBBBB.${expiry}.${mac}`, NOW)).toEqual({ ok: false, reason: 'bad_mac' });
    expect(await verifyToken(SECRET, `${PEER}.${NOW + 99_999}.${mac}`, NOW)).toEqual({ ok: false, reason: 'bad_mac' });
  });

  it('verifyToken() for malformed tokens: malformed, never throws', async () => {
    const token = await mintToken(SECRET, PEER, NOW + 60);
    const [peer, expiry, mac] = token.split('.') as [string, string, string];
    const bad = [
      '', 'x', `${peer}.${expiry}`, `${token}.x`, `short.${expiry}.${mac}`, `${peer}.-1.${mac}`, `${peer}.12e3.${mac}`,
      `${peer}.${'9'.repeat(13)}.${mac}`, `${peer}.${expiry}.${mac}=`, `${peer}.${expiry}.a+b`, `${peer}.${expiry}.x`,
    ];
    for (const t of bad) await expect(verifyToken(SECRET, t, NOW), t).resolves.toEqual({ ok: false, reason: 'malformed' });
  });
});
