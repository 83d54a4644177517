import { afterEach, describe, expect, it, vi } from 'vitest';
import { ICE_RETRY_MS, IceRefresher, httpIceServers, parseIceServersResponse } from '../../client/mesh/ice-servers';
import type { IceServersResponse } from '../../core/protocol';

const S = 1_000;

describe('IceRefresher (fake clock)', () => {
  afterEach(() => vi.useRealTimers());

  it('refreshes a tenth of the lifetime before expiry, renewing an expired token first', async () => {
    vi.useFakeTimers({ now: 1_700_000_000_000 });
    const tokensUsed: string[] = [];
    const applied: RTCIceServer[][] = [];
    let tokenRequests = 0;
    const r: IceRefresher = new IceRefresher({
      source: async (token) => {
        tokensUsed.push(token);
        const res: IceServersResponse = { iceServers: [{ urls: 'turn:t.test', username: 'u', credential: 'c' }], source: 'coturn', relay: true, ttl: 3_600, expiresAt: Date.now() / S + 3_600 };
        return res;
      },
      requestToken: () => {
        tokenRequests++;
        // the cell answers a moment later
        setTimeout(() => r.setToken(`fresh-${tokenRequests}`, Date.now() / S + 900), 50);
        return true;
      },
      apply: (servers) => applied.push(servers),
      onError: (m) => {
        throw new Error(m);
      },
    });
    r.setToken('from-welcome', Date.now() / S + 900);
    await r.refresh();
    expect(tokensUsed).toEqual(['from-welcome']);
    expect(applied).toHaveLength(1);
    // 1 h lifetime: refresh 6 min (a tenth) before expiry, i.e. after 54 min.
    await vi.advanceTimersByTimeAsync(54 * 60 * S - 1);
    expect(tokensUsed).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(tokenRequests).toBe(1); // the 15-minute welcome token had expired
    expect(tokensUsed).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(50);
    expect(tokensUsed).toEqual(['from-welcome', 'fresh-1']);
    expect(applied).toHaveLength(2);
    r.close();
    await vi.advanceTimersByTimeAsync(2 * 3_600 * S);
    expect(applied).toHaveLength(2);
  });

  it('refreshes short-lived credentials half-way, not every second', async () => {
    vi.useFakeTimers({ now: 1_700_000_000_000 });
    let fetches = 0;
    const r = new IceRefresher({
      source: async () => {
        fetches++;
        return { iceServers: [], source: 'coturn', relay: true, ttl: 60, expiresAt: Date.now() / S + 60 };
      },
      requestToken: () => false,
      apply: () => {},
      onError: (m) => {
        throw new Error(m);
      },
    });
    r.setToken('t', Date.now() / S + 900);
    await r.refresh();
    await vi.advanceTimersByTimeAsync(30 * S - 1);
    expect(fetches).toBe(1); // ICE_TTL_S=60, the Worker's minimum: a 60 s margin would refetch at once
    await vi.advanceTimersByTimeAsync(1);
    expect(fetches).toBe(2);
    r.close();
  });

  it('reports a failed fetch and retries later', async () => {
    vi.useFakeTimers();
    let calls = 0;
    const errors: string[] = [];
    const r = new IceRefresher({
      source: async () => {
        calls++;
        throw new Error('ice-servers answered 503');
      },
      requestToken: () => false,
      apply: () => {},
      onError: (m) => errors.push(m),
    });
    r.setToken('t', Date.now() / S + 900);
    await r.refresh();
    expect(errors[0]).toMatch(/503/);
    await vi.advanceTimersByTimeAsync(ICE_RETRY_MS);
    expect(calls).toBe(2);
    r.close();
  });

  it('reports a token request the server link cannot carry', async () => {
    const errors: string[] = [];
    const r = new IceRefresher({ source: async () => ({ iceServers: [], source: 'stun', relay: false, ttl: 1, expiresAt: 1 }), requestToken: () => false, apply: () => {}, onError: (m) => errors.push(m) });
    await r.refresh(); // no token yet: must ask, and cannot
    expect(errors[0]).toMatch(/server link is down/);
    r.close();
  });
});

describe('parseIceServersResponse()', () => {
  it('keeps urls, username and credential only', () => {
    const r = parseIceServersResponse({ iceServers: [{ urls: ['stun:s.test'], extra: 1 }, { urls: 'turn:t.test', username: 'u', credential: 'c' }], source: 'coturn', relay: true, ttl: 60, expiresAt: 5 });
    expect(r.iceServers).toEqual([{ urls: ['stun:s.test'] }, { urls: 'turn:t.test', username: 'u', credential: 'c' }]);
  });
  it('rejects answers without servers, expiry or urls', () => {
    expect(() => parseIceServersResponse(null)).toThrow();
    expect(() => parseIceServersResponse({ iceServers: [] })).toThrow(/expiresAt/);
    expect(() => parseIceServersResponse({ iceServers: [{ username: 'u' }], expiresAt: 1 })).toThrow(/urls/);
    expect(() => parseIceServersResponse({ iceServers: [{ urls: [] }], expiresAt: 1 })).toThrow(/urls/);
  });
});

describe('httpIceServers()', () => {
  it('sends the token as a bearer and surfaces the error code', async () => {
    const seen: Array<string | null> = [];
    const fetchFn = (async (_url: string, init: RequestInit) => {
      seen.push(new Headers(init.headers).get('authorization'));
      return new Response(JSON.stringify({ error: { code: 'unauthorized', message: 'token expired' } }), { status: 401 });
    }) as unknown as typeof fetch;
    await expect(httpIceServers('https://wisp.test', fetchFn)('tok')).rejects.toThrow('401 unauthorized: token expired');
    expect(seen).toEqual(['Bearer tok']);
  });
});
