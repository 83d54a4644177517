/**
 * The NAT matrix, with network namespaces: host – NAT – "internet" – NAT – host, with coturn and
 * `wrangler dev` in the middle. Two peers behind symmetric NATs fail with STUN only and connect
 * through TURN (panel: relay); two peers behind cone-like NATs connect directly (srflx/prflx).
 * This is the failure the original prototype hit across countries, reproduced and solved.
 */
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CHROMIUM_ARGS } from './support/browser';
import { startCoturn, type Coturn } from './support/coturn';
import { INET_IP, INET_IP2, NatLab, type NatKind } from './support/netns';
import { view, waitFor, type PageView } from './support/pages';
import { startDev, type DevServer } from './support/wrangler';

const PORT = 8_793;
const TURN_PORT = 3_478;
/** Long enough for ICE to have tried every pair on a LAN-speed "internet". */
const NO_CONNECT_WAIT_MS = 20_000;
// Chromium on a real (namespaced) network must not use the loopback-only flag; the server's
// http:// address must count as a secure context (WebCrypto), as https would in production.
const ARGS = [
  ...CHROMIUM_ARGS.filter((a) => a !== '--allow-loopback-in-peer-connection'),
  `--unsafely-treat-insecure-origin-as-secure=http://${INET_IP}:${PORT}`,
];

describe('NAT matrix', () => {
  const lab = new NatLab();
  let coturn: Coturn;
  let browserA: Browser;
  let browserB: Browser;

  beforeAll(async () => {
    lab.up();
    coturn = await startCoturn(TURN_PORT, 'wisp-nat-secret', { ips: [INET_IP, INET_IP2], wrap: lab.exec('inet') });
    browserA = await chromium.launch({ executablePath: lab.chromiumIn('hostA'), args: ARGS });
    browserB = await chromium.launch({ executablePath: lab.chromiumIn('hostB'), args: ARGS });
  }, 60_000);

  afterAll(async () => {
    await browserA?.close();
    await browserB?.close();
    await coturn?.stop();
    lab.down();
  });

  /** Two Wisp pages, one behind each NAT, against a fresh server with `vars`. */
  async function pair(kind: NatKind, vars: Record<string, string>, check: (a: Page, b: Page) => Promise<void>): Promise<void> {
    lab.setNat(kind);
    const dev: DevServer = await startDev(PORT, vars, { ip: INET_IP, wrap: lab.exec('inet') });
    const pa = await browserA.newPage();
    const pb = await browserB.newPage();
    for (const [name, p] of [['A', pa], ['B', pb]] as const) {
      p.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') console.log(`page ${name}: ${m.text()}`); });
      p.on('pageerror', (e) => console.log(`page ${name} error: ${e.message}`));
    }
    try {
      await pa.goto(`${dev.origin}/?lat=48.9&lng=2.4`);
      await pb.goto(`${dev.origin}/?lat=51.5&lng=-0.1`);
      for (const p of [pa, pb]) await waitFor('the other peer to be assigned', () => view(p), (v) => v.rows.length === 1, 30_000);
      await check(pa, pb);
    } finally {
      await pa.close();
      await pb.close();
      await dev.stop();
    }
  }

  const stunOnly = { STUN_URLS: `stun:${INET_IP}:${TURN_PORT},stun:${INET_IP2}:${TURN_PORT}` };

  test('symmetric NATs, STUN only: the link does not open', async () => {
    await pair('symmetric', stunOnly, async (a, b) => {
      const seen: PageView[] = [];
      const end = Date.now() + NO_CONNECT_WAIT_MS;
      while (Date.now() < end) {
        for (const p of [a, b]) seen.push(await view(p));
        await new Promise((r) => setTimeout(r, 500));
      }
      expect(seen.flatMap((v) => v.rows).filter((r) => r.state === 'open')).toEqual([]);
    });
  });

  test('symmetric NATs with TURN: the link opens through the relay and the panel says relay', async () => {
    await pair('symmetric', { ...stunOnly, TURN_SHARED_SECRET: coturn.secret, TURN_URLS: coturn.url }, async (a, b) => {
      for (const p of [a, b]) {
        const v = await waitFor('a relayed open link', () => view(p), (x) => x.rows[0]?.state === 'open' && x.rows[0]?.path === 'relay', 45_000);
        expect(v.rows[0]).toMatchObject({ state: 'open', path: 'relay' });
      }
    });
  });

  test('cone-like NATs, STUN only: the link opens directly (server-reflexive)', async () => {
    await pair('cone', stunOnly, async (a, b) => {
      for (const p of [a, b]) {
        const v = await waitFor('a direct open link', () => view(p), (x) => x.rows[0]?.state === 'open' && x.rows[0]?.path !== '', 45_000);
        expect(v.rows[0]!.state).toBe('open');
        expect(['srflx', 'prflx']).toContain(v.rows[0]!.path);
      }
    });
  });
});
