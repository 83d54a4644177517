import { afterEach, describe, expect, it, vi } from 'vitest';
import { BACKOFF_BASE_MS, BACKOFF_MAX_MS, backoffDelay } from '../../client/signaling/backoff';
import { PING_INTERVAL_MS, connectCell, type WebSocketLike } from '../../client/signaling/cell-socket';
import type { ServerMessage } from '../../core/protocol';

describe('backoffDelay()', () => {
  it('doubles from the base and stays within [cap/2, cap]', () => {
    const lo = (n: number): number => backoffDelay(n, { random: () => 0 });
    const hi = (n: number): number => backoffDelay(n, { random: () => 0.999_999 });
    expect([0, 1, 2, 3, 4, 5].map(lo)).toEqual([125, 250, 500, 1_000, 2_000, 4_000]);
    expect([0, 1, 2, 3, 4, 5].map(hi)).toEqual([250, 500, 1_000, 2_000, 4_000, 8_000]);
    expect(BACKOFF_BASE_MS).toBe(250);
  });

  it('caps at the maximum, even after very many attempts', () => {
    expect(backoffDelay(6, { random: () => 0.999_999 })).toBe(BACKOFF_MAX_MS);
    expect(backoffDelay(10_000, { random: () => 0.999_999 })).toBe(BACKOFF_MAX_MS);
    expect(backoffDelay(10_000, { random: () => 0 })).toBe(BACKOFF_MAX_MS / 2);
    expect(Number.isFinite(backoffDelay(1e9))).toBe(true);
  });

  it('jitters: two peers rarely pick the same delay', () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(4)));
    expect(delays.size).toBeGreaterThan(10);
  });
});

describe('CellTransport reconnect timing (fake clock)', () => {
  afterEach(() => vi.useRealTimers());

  it('retries discover with growing delays and reports the outage once', async () => {
    vi.useFakeTimers();
    const calls: number[] = [];
    const fetchFn = (async () => {
      calls.push(Date.now());
      throw new TypeError('network down');
    }) as unknown as typeof fetch;
    const t = connectCell({
      origin: 'https://wisp.test',
      identity: { id: 'x'.repeat(22), publicKeyB64: 'AA', sign: async () => 'sig' },
      fetch: fetchFn,
      createSocket: () => {
        throw new Error('no socket expected');
      },
      backoff: { random: () => 0.5 },
    });
    const errors: ServerMessage[] = [];
    t.onMessage((m) => errors.push(m));
    const start = Date.now();
    await vi.advanceTimersByTimeAsync(40_000);
    const gaps = calls.map((c, i) => c - (i === 0 ? start : calls[i - 1]!));
    // 0.75 of the cap: 250·2^n capped at 10 s.
    expect(gaps.slice(0, 9)).toEqual([0, 188, 375, 750, 1_500, 3_000, 6_000, 7_500, 7_500]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ type: 'error', code: 'internal', ref: 'discover' });
    expect(t.state).toBe('connecting');
    t.close();
    const n = calls.length;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls.length).toBe(n); // closed: no more attempts
  });

  it('starts again from the base delay after a successful join', async () => {
    vi.useFakeTimers();
    let fail = 3;
    const fetches: number[] = [];
    const sockets: FakeSocket[] = [];
    const fetchFn = (async () => {
      fetches.push(Date.now());
      if (fail-- > 0) throw new TypeError('down');
      return new Response(JSON.stringify({ cell: 'r1c1', position: { lat: 1, lng: 2 }, websocket: 'wss://wisp.test/ws' }), { status: 200 });
    }) as unknown as typeof fetch;
    const t = connectCell({
      origin: 'https://wisp.test',
      identity: { id: 'x'.repeat(22), publicKeyB64: 'AA', sign: async () => 'sig' },
      fetch: fetchFn,
      createSocket: () => {
        const s = new FakeSocket();
        sockets.push(s);
        return s;
      },
      backoff: { random: () => 0 },
    });
    await vi.advanceTimersByTimeAsync(2_000); // 3 failures: 125 + 250 + 500 ms
    expect(fetches).toHaveLength(4);
    expect(sockets).toHaveLength(1);
    sockets[0]!.open();
    sockets[0]!.receive({ type: 'challenge', protocol: 1, cell: 'r1c1', challenge: 'c', limits: {} });
    await vi.advanceTimersByTimeAsync(0);
    expect(JSON.parse(sockets[0]!.sent[0]!)).toMatchObject({ type: 'join', signature: 'sig', position: { lat: 1, lng: 2 } });
    sockets[0]!.receive({ type: 'welcome', id: 'x'.repeat(22), cell: 'r1c1', position: { lat: 1, lng: 2 }, neighbours: [], token: 't', tokenExpiresAt: 2e9 });
    expect(t.state).toBe('joined');
    expect(t.attempt).toBe(0);
    const before = fetches.length;
    sockets[0]!.drop();
    expect(t.state).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(124);
    expect(fetches.length).toBe(before);
    await vi.advanceTimersByTimeAsync(1);
    expect(fetches.length).toBe(before + 1); // the first retry after a join waits only the base delay
    t.close();
  });
});

describe('CellTransport keep-alive (fake clock)', () => {
  afterEach(() => vi.useRealTimers());

  async function joinedTransport(): Promise<{ t: ReturnType<typeof connectCell>; sockets: FakeSocket[] }> {
    vi.useFakeTimers();
    const sockets: FakeSocket[] = [];
    const t = connectCell({
      origin: 'https://wisp.test',
      identity: { id: 'x'.repeat(22), publicKeyB64: 'AA', sign: async () => 'sig' },
      fetch: (async () => new Response(JSON.stringify({ cell: 'r1c1', position: { lat: 1, lng: 2 }, websocket: 'wss://wisp.test/ws' }))) as unknown as typeof fetch,
      createSocket: () => {
        const s = new FakeSocket();
        sockets.push(s);
        return s;
      },
    });
    await vi.advanceTimersByTimeAsync(0);
    sockets[0]!.open();
    sockets[0]!.receive({ type: 'welcome', id: 'x'.repeat(22), cell: 'r1c1', position: { lat: 1, lng: 2 }, neighbours: [], token: 't', tokenExpiresAt: 2e9 });
    expect(t.state).toBe('joined');
    return { t, sockets };
  }

  it('pings every 20 s and stays joined while pongs come back', async () => {
    const { t, sockets } = await joinedTransport();
    for (let i = 0; i < 5; i++) {
      await vi.advanceTimersByTimeAsync(PING_INTERVAL_MS);
      expect(sockets[0]!.sent.at(-1)).toBe('ping');
      sockets[0]!.onmessage?.({ data: 'pong' });
    }
    expect(sockets[0]!.sent.filter((s) => s === 'ping')).toHaveLength(5);
    expect(t.state).toBe('joined');
    t.close();
  });

  it('drops a socket whose ping goes unanswered and reconnects', async () => {
    const { t, sockets } = await joinedTransport();
    await vi.advanceTimersByTimeAsync(PING_INTERVAL_MS); // ping, no pong
    expect(t.state).toBe('joined');
    await vi.advanceTimersByTimeAsync(PING_INTERVAL_MS); // 20 s > 15 s without an answer
    expect(t.state).toBe('reconnecting');
    expect(sockets[0]!.readyState).toBe(3);
    t.close();
  });
});

/** A scripted WebSocket for timer tests. */
class FakeSocket implements WebSocketLike {
  readyState = 0;
  sent: string[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  send(data: string): void {
    this.sent.push(data);
  }
  close(): void {
    this.readyState = 3;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  receive(msg: unknown): void {
    this.onmessage?.({ data: JSON.stringify(msg) });
  }
  drop(): void {
    this.readyState = 3;
    this.onclose?.({ code: 1006, reason: '' });
  }
}
