/**
 * The NAT matrix, with network namespaces: host – NAT – "internet" – NAT – host, with coturn and
 * `wrangler dev` in the middle. Two peers behind symmetric NATs fail with STUN only and connect
 * through TURN (panel: relay, with the reason); two peers behind cone-like NATs connect directly
 * (srflx/prflx). Each page's NAT test (two STUN servers on two addresses of the "internet")
 * classifies its network, and the panel says it. This is the failure the original prototype hit
 * across countries, reproduced and solved.
 */
import { execFileSync } from 'node:child_process';
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
/**
 * Relay candidates exist from the first offer (the first join waits for ICE servers), so ICE
 * selects a relayed pair within a second or two of the pages joining; the panel must say so soon
 * after. It used to take 15–48 s (see the investigation in the test below).
 */
const RELAY_OPEN_MS = 10_000;
/** After opening, the relayed link must stay up this long without an ICE restart. */
const STABLE_MS = 6_000;
/** The NAT test ends within its 3 s gathering timeout of the ICE servers arriving. */
const NAT_VERDICT_MS = 15_000;
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
    // The "internet" namespace has no route to the hosts' private 10.0.x.x addresses, so a
    // relay's checks towards a peer's host candidate fail in sendto (ENETUNREACH), and coturn then
    // closes the whole allocation ("closed (2nd stage), reason: general"): relayed links opened
    // and died every ~8 s. On the real internet such packets are silently lost (and hardened
    // coturn denies private peers, docs/deploy.md). Route them to the runner, which does not
    // forward: lost, with no error.
    execFileSync('ip', ['-n', lab.ns.inet, 'route', 'add', '10.0.0.0/8', 'via', '192.0.2.2']);
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
  async function pair(kind: NatKind, vars: Record<string, string>, check: (a: Page, b: Page, t0: number) => Promise<void>): Promise<void> {
    lab.setNat(kind);
    const dev: DevServer = await startDev(PORT, vars, { ip: INET_IP, wrap: lab.exec('inet') });
    const pa = await browserA.newPage();
    const pb = await browserB.newPage();
    for (const [name, p] of [['A', pa], ['B', pb]] as const) {
      p.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') console.log(`page ${name}: ${m.text()}`); });
      p.on('pageerror', (e) => console.log(`page ${name} error: ${e.message}`));
    }
    try {
      const t0 = Date.now();
      await pa.goto(`${dev.origin}/?lat=48.9&lng=2.4`);
      await pb.goto(`${dev.origin}/?lat=51.5&lng=-0.1`);
      for (const p of [pa, pb]) await waitFor('the other peer to be assigned', () => view(p), (v) => v.rows.length === 1, 30_000);
      await check(pa, pb, t0);
    } finally {
      await pa.close();
      await pb.close();
      await dev.stop();
    }
  }

  const stunOnly = { STUN_URLS: `stun:${INET_IP}:${TURN_PORT},stun:${INET_IP2}:${TURN_PORT}` };

  test('symmetric NATs, STUN only: the link does not open; the panel says symmetric and no relay', async () => {
    await pair('symmetric', stunOnly, async (a, b) => {
      const seen: PageView[] = [];
      const end = Date.now() + NO_CONNECT_WAIT_MS;
      while (Date.now() < end) {
        for (const p of [a, b]) seen.push(await view(p));
        await new Promise((r) => setTimeout(r, 500));
      }
      expect(seen.flatMap((v) => v.rows).filter((r) => r.state === 'open')).toEqual([]);
      for (const p of [a, b]) {
        const n = await waitFor('the NAT verdict', () => network(p), (x) => x.nat !== '', NAT_VERDICT_MS);
        expect(n).toMatchObject({ nat: 'symmetric', relay: 'false' });
        expect(n.natText).toContain('symmetric NAT — direct links will mostly fail; no relay is configured on this server');
      }
    });
  });

  test('symmetric NATs with TURN: the link opens through the relay within seconds, says why, and stays up', async () => {
    // Why this took 15–48 s (measured with a getStats trace in both pages): ICE did select a
    // relayed pair within ~2 s, but on one side it was "local prflx → remote relay" (the other
    // peer's TURN allocation carries it) and the panel named only the local candidate type, so
    // it said `prflx` until a later ICE restart happened to pick a local relay. Restarts came
    // every ~8 s because coturn dropped both allocations (see the route in beforeAll). Fixed:
    // the path is `relay` when either end is, follows pair switches as they happen, and the lab
    // no longer kills allocations. The first join waits ≤ 3 s for ICE servers, so relay
    // candidates are in the first offer.
    await pair('symmetric', { ...stunOnly, TURN_SHARED_SECRET: coturn.secret, TURN_URLS: coturn.url }, async (a, b, t0) => {
      for (const p of [a, b]) {
        const v = await waitFor('a relayed open link', () => network(p), (x) => x.rows[0]?.state === 'open' && x.rows[0]?.path === 'relay', RELAY_OPEN_MS);
        expect(v.rows[0]).toMatchObject({ state: 'open', path: 'relay', reason: 'no-direct-route' });
        expect(v.rows[0]!.text).toContain('relayed: no direct route');
      }
      console.log(`symmetric NATs with TURN: both panels said open/relay ${Date.now() - t0} ms after the first page load`);
      for (const p of [a, b]) {
        const n = await waitFor('the NAT verdict', () => network(p), (x) => x.nat !== '', NAT_VERDICT_MS);
        expect(n).toMatchObject({ nat: 'symmetric', relay: 'true' });
        expect(n.natText).toContain('a relay (TURN) is configured, so they will be relayed');
        expect(n.rows[0]!.text).toContain('relayed: no direct route (your NAT is symmetric)');
      }
      await new Promise((r) => setTimeout(r, STABLE_MS));
      for (const p of [a, b]) {
        const n = await network(p);
        expect(n.rows[0]).toMatchObject({ state: 'open', path: 'relay' });
        expect(n.restarts).toEqual({ iceRestarts: 0, resets: 0 });
      }
    });
  });

  test('cone-like NATs, STUN only: the link opens directly (server-reflexive); the panel says cone', async () => {
    await pair('cone', stunOnly, async (a, b) => {
      for (const p of [a, b]) {
        const v = await waitFor('a direct open link', () => view(p), (x) => x.rows[0]?.state === 'open' && x.rows[0]?.path !== '', 45_000);
        expect(v.rows[0]!.state).toBe('open');
        expect(['srflx', 'prflx']).toContain(v.rows[0]!.path);
      }
      for (const p of [a, b]) {
        const n = await waitFor('the NAT verdict', () => network(p), (x) => x.nat !== '', NAT_VERDICT_MS);
        expect(n).toMatchObject({ nat: 'cone', relay: 'false' });
        expect(n.rows[0]!.reason).toBe('');
        expect(n.natText).toContain('cone-like NAT — direct links to most peers are likely');
      }
    });
  });
});

interface NetworkView {
  nat: string;
  relay: string;
  natText: string;
  rows: { state: string; path: string; reason: string; text: string }[];
  /** ICE restarts and fresh connections of the first link, from `window.wisp.mesh`. */
  restarts: { iceRestarts: number; resets: number } | null;
}

/** The panel's network contract: root `data-nat`/`data-relay`, rows' `data-reason` and text. */
async function network(page: Page): Promise<NetworkView> {
  return page.evaluate(() => {
    const root = document.querySelector('[data-self-id]');
    const rows = [...document.querySelectorAll('[data-peer-id]')];
    const mesh = (window as unknown as { wisp?: { mesh?: { link?(id: string): { counters: { iceRestarts: number; resets: number } } | undefined } } }).wisp?.mesh;
    const first = rows[0]?.getAttribute('data-peer-id');
    const counters = first ? mesh?.link?.(first)?.counters : undefined;
    return {
      nat: root?.getAttribute('data-nat') ?? '',
      relay: root?.getAttribute('data-relay') ?? '',
      natText: document.querySelector('[data-testid="nat-text"]')?.textContent ?? '',
      rows: rows.map((el) => ({
        state: el.getAttribute('data-state') ?? '',
        path: el.getAttribute('data-path') ?? '',
        reason: el.getAttribute('data-reason') ?? '',
        text: el.textContent ?? '',
      })),
      restarts: counters ? { iceRestarts: counters.iceRestarts, resets: counters.resets } : null,
    };
  });
}
