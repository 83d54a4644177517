import { exports } from 'cloudflare:workers';
import { expect, test } from 'vitest';

test('GET /api/health answers ok', async () => {
  const res = await exports.default.fetch('http://wisp.test/api/health');
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({ ok: true, protocol: 1 });
});
