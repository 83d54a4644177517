/**
 * The HTTP API through the real Worker in workerd: discover, connect checks, stats, health, and
 * JSON errors with stable codes for every bad request.
 */
import { env, exports } from 'cloudflare:workers';
import { describe, expect, test } from 'vitest';
import { cellGrid, cellOf } from '../../core/geo';
import type { DiscoverResponse, HttpError } from '../../core/protocol';
import { createApp } from '../../worker/app';

const ORIGIN = 'http://wisp.test';
const get = (path: string, init?: RequestInit): Promise<Response> => exports.default.fetch(`${ORIGIN}${path}`, init);

async function expectError(res: Response, status: number, code: string): Promise<void> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/json');
  const body = (await res.json()) as HttpError;
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(0);
  expect(JSON.stringify(body)).not.toMatch(/at .*\.ts:\d+/); // never a stack
}

describe('GET /api/health', () => {
  test('answers ok with the protocol version and grid', async () => {
    const res = await get('/api/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, protocol: 1, cellDeg: 4 });
  });
});

describe('GET /api/discover', () => {
  test('with lat/lng: the coarse position, its cell and a ws:// URL at this origin', async () => {
    const res = await get('/api/discover?lat=51.5074&lng=-0.1278');
    expect(res.status).toBe(200);
    const body = (await res.json()) as DiscoverResponse;
    expect(body.position).toEqual({ lat: 51.5, lng: -0.1 });
    expect(body.source).toBe('query');
    expect(body.cell).toBe(cellOf(cellGrid(4), { lat: 51.5, lng: -0.1 }));
    expect(body.websocket).toBe(`ws://wisp.test/api/cells/${body.cell}/connect`);
    expect(body.limits.maxFrameBytes).toBe(65_536);
    expect(body).not.toHaveProperty('peers');
  });

  test('https origins get wss:// URLs', async () => {
    const res = await exports.default.fetch('https://wisp.example/api/discover?lat=0&lng=0');
    expect(((await res.json()) as DiscoverResponse).websocket).toMatch(/^wss:\/\/wisp\.example\/api\/cells\/r\d+c\d+\/connect$/);
  });

  test('without a position: the estimate from request.cf, else a stated fallback', async () => {
    const res = await get('/api/discover');
    const body = (await res.json()) as DiscoverResponse;
    expect(['cf', 'fallback']).toContain(body.source);
    expect(body.cell).toBe(cellOf(cellGrid(4), body.position));
  });

  test('lng 180 and -180 are the same place', async () => {
    const east = (await (await get('/api/discover?lat=-17&lng=180')).json()) as DiscoverResponse;
    const west = (await (await get('/api/discover?lat=-17&lng=-180')).json()) as DiscoverResponse;
    expect(east.cell).toBe(west.cell);
    expect(east.position).toEqual({ lat: -17, lng: -180 });
  });

  test('bad positions get typed 400s', async () => {
    await expectError(await get('/api/discover?lat=91&lng=0'), 400, 'out_of_range');
    await expectError(await get('/api/discover?lat=0&lng=-180.5'), 400, 'out_of_range');
    await expectError(await get('/api/discover?lat=10'), 400, 'bad_request');
    await expectError(await get('/api/discover?lat=abc&lng=1'), 400, 'bad_request');
    await expectError(await get('/api/discover?lat=1e3&lng=1'), 400, 'bad_request');
  });
});

describe('GET /api/cells/:cell/connect', () => {
  const ws = { Upgrade: 'websocket' };
  test('a malformed or out-of-grid cell → 400 bad_cell', async () => {
    await expectError(await get('/api/cells/nope/connect', { headers: ws }), 400, 'bad_cell');
    await expectError(await get('/api/cells/r999c0/connect', { headers: ws }), 400, 'bad_cell');
    await expectError(await get('/api/cells/r01c1/connect', { headers: ws }), 400, 'bad_cell');
  });
  test('without Upgrade: websocket → 426 upgrade_required', async () => {
    await expectError(await get('/api/cells/r35c27/connect'), 426, 'upgrade_required');
  });
  test('a foreign Origin → 403 origin_forbidden; the same origin is accepted', async () => {
    await expectError(await get('/api/cells/r35c27/connect', { headers: { ...ws, Origin: 'https://evil.example' } }), 403, 'origin_forbidden');
    const res = await get('/api/cells/r35c27/connect', { headers: { ...ws, Origin: ORIGIN } });
    expect(res.status).toBe(101);
    res.webSocket!.accept();
    res.webSocket!.close();
  });
});

describe('errors', () => {
  test('an unknown API path → 404 not_found as JSON', async () => {
    await expectError(await get('/api/nothing-here'), 404, 'not_found');
  });
  test('a bad config value → 500 bad_config naming the variable', async () => {
    const app = createApp();
    const res = await app.fetch(new Request(`${ORIGIN}/api/health`), { ...env, CELL_DEG: 'lots' });
    await expectError(res, 500, 'bad_config');
    const again = await app.fetch(new Request(`${ORIGIN}/api/health`), { ...env, MAX_DEGREE: '3' });
    expect(((await again.json()) as HttpError).error.message).toContain('MAX_DEGREE');
  });
});

describe('CORS for the embeddable library', () => {
  test('an origin in ALLOWED_ORIGINS may call the API from a browser; others get no CORS grant', async () => {
    const app = createApp();
    const vars = { ...env, ALLOWED_ORIGINS: 'https://app.example' };
    const ok = await app.fetch(new Request(`${ORIGIN}/api/discover?lat=1&lng=1`, { headers: { Origin: 'https://app.example' } }), vars);
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.example');
    const other = await app.fetch(new Request(`${ORIGIN}/api/discover?lat=1&lng=1`, { headers: { Origin: 'https://evil.example' } }), vars);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await app.fetch(
      new Request(`${ORIGIN}/api/ice-servers`, {
        method: 'OPTIONS',
        headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization' },
      }),
      vars,
    );
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
  });
});
