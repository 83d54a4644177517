/**
 * bench/mesh: N pages of one headless Chromium (one context, one page each) at places spread
 * over the continents join at once; how long until every assigned edge is open, and what went
 * over the signalling sockets. Three systems, side by side in one run:
 *
 * - `wisp-app`: the app page `/?lat=&lng=` of one `wrangler dev`, read through its DOM contract;
 * - `wisp-lib`: `joinMesh` from `/wisp-mesh.js` on a blank page of the same origin (no app UI),
 *   so the app's own start-up cost can be told apart from the protocol's;
 * - `bare`: the same neighbour pairs (the Wisp app run's final DOM), wired through
 *   bench/mesh/bare-relay.mjs, a relay that only forwards, by a tiny page with no Wisp code.
 *
 * Time runs from the moment the bench starts navigating the N pages (all created beforehand) to
 * the last row of the final graph turning `open`, stamped on the page by the recorder's
 * MutationObserver, so polling does not blur it. Frames are counted on the page side, per
 * WebSocket frame; the browser neither merges nor splits messages, so these are exactly the
 * frames the server receives and sends.
 */
import type { Browser, Page } from 'playwright-core';
import type { LatLng } from '../../core/geo';
import { launchChromium } from '../browser/chromium';
import { readRecord, record, run, script, type PageRecord } from '../browser/inpage';
import { startNodeServer, startWisp, type Server } from '../browser/servers';
import { edgeCount, expectedGraph, frameTotals, fullMeshAt, shownGraph, transientLinks, unformed, type FrameCount, type Graph, type Snapshot } from './analyse';
import { places } from './places';

export const MESH_SYSTEMS = ['wisp-app', 'wisp-lib', 'bare'] as const;
export type MeshSystem = (typeof MESH_SYSTEMS)[number];

const FORM_TIMEOUT_MS = 120_000;
const POLL_MS = 250;
/** After the pages of one run are gone, let the browser and the cells settle before the next. */
const SETTLE_MS = 1_000;

const WISP_LIB_PEER = script(new URL('./inpage/wisp-lib-peer.js', import.meta.url));
const BARE_RELAY = new URL('./bare-relay.mjs', import.meta.url);
const SNAPSHOT = `(() => {
  const rows = {};
  for (const el of document.querySelectorAll('[data-peer-id]')) rows[el.getAttribute('data-peer-id')] = el.getAttribute('data-state') || '';
  const self = document.querySelector('[data-self-id]');
  return { self: (self && self.getAttribute('data-self-id')) || '', rows };
})()`;

export interface MeshRun {
  system: MeshSystem;
  n: number;
  /** Set when the mesh did not form; the rest is then partial. */
  error?: string;
  ids: string[];
  graph: Graph;
  edges: number;
  /** From starting navigation to the last edge open. */
  fullMs: number;
  frames: Record<string, FrameCount>;
  transient: number;
  /** Main-thread long tasks (> 50 ms) per page, mean over pages: the page's own CPU work. */
  longTaskMs: number;
  /** The signalling socket's name in `frames`. */
  socket: string;
  /** Navigation start (wall clock, ms) and each page's recorder data, for diagnosis. */
  t0: number;
  records: PageRecord[];
}

export interface MeshBenchOptions {
  sizes: readonly number[];
  /** Runs of each system per size. */
  reps: number;
  assetsDir: string;
  systems?: readonly MeshSystem[];
  log?: (line: string) => void;
}

export interface MeshBenchResult {
  runs: MeshRun[];
  wallMs: number;
}

interface Rig {
  browser: Browser;
  wisp: Server;
  relay: Server;
}

async function snapshot(page: Page): Promise<Snapshot> {
  return (await page.evaluate(SNAPSHOT)) as Snapshot;
}

/** Starts one page of `system` (returns once navigation is under way, not when joined). */
async function openPage(rig: Rig, system: MeshSystem, page: Page, index: number, at: LatLng, id: string, peers: readonly string[]): Promise<void> {
  if (system === 'wisp-app') {
    await page.goto(`${rig.wisp.origin}/?lat=${at.lat}&lng=${at.lng}`, { waitUntil: 'commit' });
  } else if (system === 'wisp-lib') {
    await page.goto(`${rig.wisp.origin}/api/health`);
    await run(page, WISP_LIB_PEER, { position: at, slot: `bench-${index}` });
  } else {
    await page.goto(`${rig.relay.origin}/?id=${encodeURIComponent(id)}&peers=${peers.map(encodeURIComponent).join(',')}`, { waitUntil: 'commit' });
  }
}

/**
 * One run: N fresh pages (one new context: fresh identities), all navigated at once, then polled
 * until their DOM shows `want` (bare) or the graph the cells should assign for the ids they got.
 */
export async function meshRun(rig: Rig, system: MeshSystem, at: readonly LatLng[], bare?: { ids: string[]; graph: Graph }): Promise<MeshRun> {
  const context = await rig.browser.newContext();
  await record(context);
  const pages = await Promise.all(at.map(() => context.newPage()));
  const socket = system === 'bare' ? 'relay' : 'cell';
  let graph: Graph = bare?.graph ?? new Map();
  let ids: string[] = bare?.ids ?? [];
  let error: string | undefined;
  let records: PageRecord[] = [];
  const t0 = Date.now();
  try {
    await Promise.all(pages.map((page, i) => openPage(rig, system, page, i, at[i]!, ids[i] ?? '', graph.get(ids[i] ?? '') ?? [])));
    const end = t0 + FORM_TIMEOUT_MS;
    let problems: string[] = ['not polled yet'];
    while (problems.length > 0) {
      const snaps = await Promise.all(pages.map(snapshot));
      if (!bare && snaps.every((s) => s.self !== '')) {
        ids = snaps.map((s) => s.self);
        graph = expectedGraph(ids, at);
      }
      problems = graph.size > 0 ? unformed(snaps, graph) : ['pages not joined yet'];
      if (problems.length > 0 && Date.now() > end) {
        error = `not formed after ${FORM_TIMEOUT_MS / 1000} s: ${problems.slice(0, 4).join('; ')}${problems.length > 4 ? ` (+${problems.length - 4})` : ''}`;
        if (!bare && ids.length === 0) ids = snaps.map((s) => s.self);
        if (!bare && graph.size === 0) graph = shownGraph(snaps);
        break;
      }
      if (problems.length > 0) await new Promise((r) => setTimeout(r, POLL_MS));
    }
    records = await Promise.all(pages.map(readRecord));
  } finally {
    // Leave explicitly, so the cells drop these peers at once and the next run starts clean.
    const bye = system === 'wisp-app' ? 'window.wisp?.model?.leave()' : system === 'wisp-lib' ? 'window.__mesh?.leave()' : 'undefined';
    await Promise.all(pages.map((p) => p.evaluate(bye).catch(() => undefined)));
    await context.close();
    await new Promise((r) => setTimeout(r, SETTLE_MS));
  }
  const fullAt = fullMeshAt(records, graph);
  return {
    system, n: at.length, ...(error ? { error } : {}), ids, graph, edges: edgeCount(graph),
    fullMs: error ? NaN : fullAt - t0, frames: frameTotals(records), transient: transientLinks(records, graph),
    longTaskMs: records.reduce((t, r) => t + (r.longTasks?.ms ?? 0), 0) / Math.max(1, records.length), socket, t0, records,
  };
}

/** Runs every size `reps` times: the Wisp app first (its graph feeds the bare relay), then the others. */
export async function runMeshBench(opts: MeshBenchOptions): Promise<MeshBenchResult> {
  const systems = opts.systems ?? MESH_SYSTEMS;
  const say = opts.log ?? (() => undefined);
  const started = performance.now();
  const runs: MeshRun[] = [];
  const servers: Server[] = [];
  let browser: Browser | undefined;
  try {
    const [wisp, relay] = await Promise.all([startWisp({ assetsDir: opts.assetsDir }), startNodeServer(BARE_RELAY.pathname)]);
    servers.push(wisp, relay);
    say(`wrangler dev ${wisp.origin}, bare relay ${relay.origin}`);
    browser = await launchChromium();
    const rig: Rig = { browser, wisp, relay };
    for (const n of opts.sizes) {
      const at = places(n);
      for (let rep = 0; rep < opts.reps; rep++) {
        const app = await meshRun(rig, 'wisp-app', at);
        if (systems.includes('wisp-app')) runs.push(app);
        say(`n=${n} rep ${rep + 1}: wisp-app ${app.error ?? `${app.fullMs} ms, ${app.edges} edges`}`);
        // The others alternate order between reps, so neither always runs right after the app.
        const rest = systems.filter((s) => s !== 'wisp-app');
        for (const system of rep % 2 === 0 ? rest : [...rest].reverse()) {
          const ids = app.ids.every((id) => id !== '') && new Set(app.ids).size === n ? app.ids : at.map((_, i) => `p${String(i).padStart(2, '0')}`);
          const graph = ids === app.ids ? app.graph : expectedGraph(ids, at);
          const r = await meshRun(rig, system, at, system === 'bare' ? { ids, graph } : undefined);
          runs.push(r);
          say(`n=${n} rep ${rep + 1}: ${system} ${r.error ?? `${r.fullMs} ms, ${r.edges} edges`}`);
        }
      }
    }
  } finally {
    await browser?.close().catch(() => undefined);
    await Promise.all(servers.map((s) => s.stop()));
  }
  return { runs, wallMs: performance.now() - started };
}
