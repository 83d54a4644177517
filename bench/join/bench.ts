/**
 * bench/join: how long a browser takes from "join" to its first open data channel, for Wisp and
 * for two references, in one run side by side:
 *
 * - `wisp`: `await joinMesh({position})` as a page calls it (identity, discover, cell WebSocket,
 *   challenge → join → welcome, ICE servers fetched with the join token, NAT test in the
 *   background), then the first `neighbour-open`;
 * - `wisp-no-ice-fetch`: the same with `iceServers: false, diagnoseNat: false` and
 *   `rtcConfig: {iceServers: []}`: the baselines' ICE configuration, no ICE-servers fetch;
 * - `wisp-batch-0`: defaults but `mesh: {timing: {iceBatchMs: 0}}` on the joining page (a
 *   diagnostic: what the 50 ms candidate batching costs a join);
 * - `peerjs`: PeerJS + PeerServer: `new Peer()` (id fetch, WebSocket, OPEN), `connect()` to the
 *   long-lived peer, until the connection's `open`;
 * - `floor`: two RTCPeerConnections in one page wired to each other, no server.
 *
 * Every join is a fresh browser context (fresh IndexedDB, so a fresh Wisp identity; a fresh
 * renderer, so WebRTC starts cold for every system alike) next to an already joined peer of the
 * same system (for Wisp a new one per round, see startWispHost). Each round runs the systems in a fresh random order (seeded), so drift on a shared 2-core
 * machine, and whatever the previous join left behind, hit all systems alike.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../browser/chromium';
import { readRecord, record, run, script, type PageEvent } from '../browser/inpage';
import { startPeerServer, startWisp, type Server } from '../browser/servers';
import { floorBreakdown, peerjsBreakdown, wispBreakdown, type Breakdown } from './breakdown';
import { mulberry32 as rng } from '../lib/rng';

export const SYSTEMS = ['wisp', 'wisp-no-ice-fetch', 'wisp-batch-0', 'peerjs', 'floor'] as const;
export type JoinSystem = (typeof SYSTEMS)[number];

/** The long-lived peer and the joiners: neighbours, 11 km apart, in one cell. */
export const HOST_POSITION = { lat: 48.9, lng: 2.4 };
export const JOIN_POSITION = { lat: 48.8, lng: 2.3 };
const PEERJS_HOST_ID = 'wisp-bench-host';
const TRIAL_TIMEOUT_MS = 15_000;
/** Let the previous trial's renderer wind down before the next one starts. */
const SETTLE_MS = 200;
/** After a Wisp join, wait (at most this long) until the long-lived peer has dropped the joiner. */
const HOST_DROP_TIMEOUT_MS = 5_000;

const INPAGE = {
  wispHost: script(new URL('./inpage/wisp-host.js', import.meta.url)),
  wispJoin: script(new URL('./inpage/wisp-join.js', import.meta.url)),
  peerjsHost: script(new URL('./inpage/peerjs-host.js', import.meta.url)),
  peerjsJoin: script(new URL('./inpage/peerjs-join.js', import.meta.url)),
  floor: script(new URL('./inpage/floor.js', import.meta.url)),
};
const PEERJS_BUNDLE = new URL('../../node_modules/peerjs/dist/peerjs.min.js', import.meta.url);

export interface JoinBenchOptions {
  /** Timed joins per system (the issue asks for ≥ 30). */
  joins: number;
  /** The built client to serve (bench/browser/servers.ts: buildClient or clientOrBuild). */
  assetsDir: string;
  systems?: readonly JoinSystem[];
  /** Progress lines (default: none). */
  log?: (line: string) => void;
  /** Seed of the order of systems within rounds (default 1). */
  seed?: number;
}

export interface JoinSample {
  ms: number;
  breakdown: Breakdown;
}

export interface JoinBenchResult {
  joins: number;
  samples: Record<JoinSystem, JoinSample[]>;
  /** Joins that timed out or threw, with the error, per system. */
  failures: Record<JoinSystem, string[]>;
  wallMs: number;
}

interface Rig {
  browser: Browser;
  wisp: Server;
  peer: Server;
  hosts: BrowserContext[];
  wispHost: Page | null;
}

/** A seeded PRNG, so a run's order of systems can be repeated. */
export { rng };

/** Fisher–Yates with `random`. */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** A fresh context with the recorder installed and one page on `url` (a same-origin non-app page). */
async function freshPage(browser: Browser, url: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  await record(context);
  const page = await context.newPage();
  await page.goto(url);
  return { context, page };
}

/**
 * A blank page of the Wisp origin: `/api/health` is a JSON document, so no app script runs, and
 * `/wisp-mesh.js` is imported from it as any third-party page would.
 */
async function wispPage(browser: Browser, origin: string): Promise<{ context: BrowserContext; page: Page }> {
  const fresh = await freshPage(browser, `${origin}/api/health`);
  await fresh.page.evaluate(`import('/wisp-mesh.js').then((lib) => { window.__wispLib = lib; })`);
  return fresh;
}

/** A page of PeerServer's origin (its root answers JSON) with the PeerJS bundle loaded. */
async function peerjsPage(browser: Browser, origin: string): Promise<{ context: BrowserContext; page: Page }> {
  const fresh = await freshPage(browser, `${origin}/`);
  await fresh.page.addScriptTag({ path: PEERJS_BUNDLE.pathname });
  return fresh;
}

async function trial(rig: Rig, system: JoinSystem): Promise<JoinSample> {
  const peerOrigin = new URL(rig.peer.origin);
  const { context, page } = system === 'peerjs' ? await peerjsPage(rig.browser, rig.peer.origin) : await wispPage(rig.browser, rig.wisp.origin);
  try {
    let result: { ms: number };
    if (system === 'floor') result = await run(page, INPAGE.floor, { timeoutMs: TRIAL_TIMEOUT_MS });
    else if (system === 'peerjs') {
      result = await run(page, INPAGE.peerjsJoin, { host: peerOrigin.hostname, port: Number(peerOrigin.port), target: PEERJS_HOST_ID, timeoutMs: TRIAL_TIMEOUT_MS });
    } else {
      const variant = { wisp: 'default', 'wisp-no-ice-fetch': 'no-ice-fetch', 'wisp-batch-0': 'batch-0' }[system];
      result = await run(page, INPAGE.wispJoin, { position: JOIN_POSITION, variant, timeoutMs: TRIAL_TIMEOUT_MS });
    }
    const { log } = await readRecord(page);
    return { ms: result.ms, breakdown: breakdownOf(system, log) };
  } finally {
    // Say goodbye first, so the long-lived peer drops this one at once rather than on a timeout.
    await page.evaluate('(async () => { await window.__mesh?.leave(); window.__peer?.destroy(); })()').catch(() => undefined);
    await context.close();
    if (system.startsWith('wisp') && rig.wispHost) await hostIsAlone(rig.wispHost);
  }
}

/**
 * A new long-lived Wisp peer for a round. The smaller id offers, and a join where the neighbour
 * offers takes one more relay hop, so one host for the whole run would make the result depend on
 * where its id happens to sort; a fresh host (fresh identity) per round mixes both cases.
 */
async function startWispHost(rig: Rig): Promise<{ close(): Promise<void> }> {
  const { context, page } = await wispPage(rig.browser, rig.wisp.origin);
  await run<string>(page, INPAGE.wispHost, { position: HOST_POSITION });
  rig.wispHost = page;
  return {
    close: async () => {
      rig.wispHost = null;
      await page.evaluate('window.__mesh.leave()').catch(() => undefined);
      await context.close();
    },
  };
}

/** Waits until the long-lived Wisp peer has no link left (the joiner's leave went through). */
async function hostIsAlone(host: Page): Promise<void> {
  const end = Date.now() + HOST_DROP_TIMEOUT_MS;
  while (Date.now() < end && (await host.evaluate('window.__mesh.neighbours().length')) !== 0) await new Promise((r) => setTimeout(r, 50));
}

export function breakdownOf(system: JoinSystem, log: readonly PageEvent[]): Breakdown {
  if (system === 'peerjs') return peerjsBreakdown(log);
  if (system === 'floor') return floorBreakdown(log);
  return wispBreakdown(log);
}

/** Runs the comparison; starts and stops its own servers and browser. */
export async function runJoinBench(opts: JoinBenchOptions): Promise<JoinBenchResult> {
  const systems = opts.systems ?? SYSTEMS;
  const say = opts.log ?? (() => undefined);
  const started = performance.now();
  const samples = Object.fromEntries(SYSTEMS.map((s) => [s, []])) as unknown as Record<JoinSystem, JoinSample[]>;
  const failures = Object.fromEntries(SYSTEMS.map((s) => [s, []])) as unknown as Record<JoinSystem, string[]>;
  const servers: Server[] = [];
  let browser: Browser | undefined;
  try {
    const [wisp, peer] = await Promise.all([startWisp({ assetsDir: opts.assetsDir }), startPeerServer()]);
    servers.push(wisp, peer);
    say(`wrangler dev ${wisp.origin}, PeerServer ${peer.origin}`);
    browser = await launchChromium();
    const rig: Rig = { browser, wisp, peer, hosts: [], wispHost: null };
    if (systems.includes('peerjs')) {
      const host = await peerjsPage(browser, peer.origin);
      rig.hosts.push(host.context);
      await run(host.page, INPAGE.peerjsHost, { host: '127.0.0.1', port: peer.port, id: PEERJS_HOST_ID });
    }
    const random = rng(opts.seed ?? 1);
    for (let round = 0; round < opts.joins; round++) {
      const order = shuffled(systems, random);
      const host = systems.some((s) => s.startsWith('wisp')) ? await startWispHost(rig) : null;
      for (const system of order) {
        try {
          samples[system].push(await trial(rig, system));
        } catch (err) {
          failures[system].push(err instanceof Error ? err.message : String(err));
        }
        await new Promise((r) => setTimeout(r, SETTLE_MS));
      }
      await host?.close();
      say(`round ${round + 1}/${opts.joins}: ${order.map((s) => `${s} ${samples[s].at(-1)?.ms.toFixed(0) ?? '?'} ms`).join(', ')}`);
    }
  } finally {
    await browser?.close().catch(() => undefined);
    await Promise.all(servers.map((s) => s.stop()));
  }
  return { joins: opts.joins, samples, failures, wallMs: performance.now() - started };
}
