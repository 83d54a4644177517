/** The tables bench/mesh prints (and docs/benchmarks.md holds). Pure. */
import { formatTable, median, ms, ratio, type Table } from '../browser/report';
import { byKind, directionTotal, KEEPALIVE } from './analyse';
import { MESH_SYSTEMS, type MeshBenchResult, type MeshRun, type MeshSystem } from './bench';

/** Issue targets: 32 pages meshed within 1.2× of the bare relay; ≤ 3 server messages per edge. */
export const TARGET_SIZE = 32;
export const TARGET_VS_BARE = 1.2;
export const TARGET_MESSAGES_PER_EDGE = 3;

const LABEL: Record<MeshSystem, string> = {
  'wisp-app': 'Wisp, app page',
  'wisp-lib': 'Wisp, `joinMesh` on a blank page',
  bare: 'bare relay (forward only)',
};

const sizesOf = (r: MeshBenchResult): number[] => [...new Set(r.runs.map((x) => x.n))].sort((a, b) => a - b);
const runsOf = (r: MeshBenchResult, n: number, s: MeshSystem): MeshRun[] => r.runs.filter((x) => x.n === n && x.system === s);
const ok = (runs: readonly MeshRun[]): MeshRun[] => runs.filter((x) => !x.error);
const fixed = (x: number, d = 1): string => (Number.isFinite(x) ? x.toFixed(d) : '–');

/** Median over runs of a per-run number. */
function med(runs: readonly MeshRun[], f: (x: MeshRun) => number): number {
  return median(runs.map(f).filter(Number.isFinite));
}

const toServer = (x: MeshRun): number => directionTotal(x.frames, 'out', x.socket).n;
const fromServer = (x: MeshRun): number => directionTotal(x.frames, 'in', x.socket).n;
const perEdge = (f: (x: MeshRun) => number) => (x: MeshRun): number => f(x) / x.edges;
const perJoin = (f: (x: MeshRun) => number) => (x: MeshRun): number => f(x) / x.n;

export interface Verdict {
  target: string;
  value: string;
  met: boolean;
}

export function verdicts(r: MeshBenchResult, size = TARGET_SIZE): Verdict[] {
  const app = ok(runsOf(r, size, 'wisp-app')), bare = ok(runsOf(r, size, 'bare'));
  const out: Verdict[] = [];
  if (app.length && bare.length) {
    const a = med(app, (x) => x.fullMs), b = med(bare, (x) => x.fullMs);
    out.push({ target: `${size} pages fully meshed within ${TARGET_VS_BARE}× the bare relay`, value: `${ms(a)} vs ${ms(b)} ms = ${ratio(a, b)}`, met: a <= TARGET_VS_BARE * b });
  }
  if (app.length) {
    const m = med(app, perEdge(toServer)), both = med(app, perEdge((x) => toServer(x) + fromServer(x)));
    out.push({ target: `≤ ${TARGET_MESSAGES_PER_EDGE} server messages per edge (frames the server receives)`, value: `${fixed(m)} received, ${fixed(both)} counting both directions`, met: m <= TARGET_MESSAGES_PER_EDGE });
  }
  return out;
}

export function timeTable(r: MeshBenchResult): Table {
  const rows: string[][] = [];
  for (const n of sizesOf(r)) {
    const bare = med(ok(runsOf(r, n, 'bare')), (x) => x.fullMs);
    for (const s of MESH_SYSTEMS) {
      const all = runsOf(r, n, s);
      if (all.length === 0) continue;
      const good = ok(all);
      const t = good.map((x) => x.fullMs);
      rows.push([String(n), LABEL[s], `${good.length}/${all.length}`, String(med(all, (x) => x.edges)), ms(median(t)), ms(Math.min(...t)), ms(Math.max(...t)),
        ratio(median(t), bare), fixed(med(good, (x) => x.transient), 0), ms(med(good, (x) => x.longTaskMs))]);
    }
  }
  return {
    title: 'Time to full mesh: every assigned edge open (ms from starting to navigate all pages)',
    headers: ['pages', 'system', 'formed', 'edges', 'p50', 'min', 'max', 'p50 / bare', 'transient links', 'long tasks / page'],
    rows,
    notes: [
      '`transient links`: links opened to a peer that was not in the final set (assigned while others were still joining), median per run. The bare relay is handed the final pairs, so it has none.',
      '`long tasks / page`: main-thread tasks over 50 ms (Long Tasks API), summed per page, mean over pages: the page\'s own CPU work, which on 2 cores delays every other page too.',
      ...verdicts(r).map((v) => `- target ${v.target}: **${v.met ? 'met' : 'not met'}** (${v.value})`),
    ],
  };
}

export function messageTable(r: MeshBenchResult): Table {
  const rows: string[][] = [];
  for (const n of sizesOf(r)) {
    for (const s of MESH_SYSTEMS) {
      const good = ok(runsOf(r, n, s));
      if (good.length === 0) continue;
      const bytesTo = (x: MeshRun): number => directionTotal(x.frames, 'out', x.socket).bytes;
      const bytesFrom = (x: MeshRun): number => directionTotal(x.frames, 'in', x.socket).bytes;
      rows.push([String(n), LABEL[s], fixed(med(good, perEdge(toServer))), fixed(med(good, perEdge(fromServer))), fixed(med(good, perJoin(toServer))),
        fixed(med(good, perJoin(fromServer))), fixed(med(good, perJoin(bytesTo)) / 1024), fixed(med(good, perJoin(bytesFrom)) / 1024)]);
    }
  }
  return {
    title: 'Signalling messages per edge and per join (WebSocket frames, keep-alives excluded; medians over runs)',
    headers: ['pages', 'system', 'to server / edge', 'from server / edge', 'to server / join', 'from server / join', 'KiB to server / join', 'KiB from server / join'],
    rows,
    notes: ['Counted on the page side, every frame of the signalling socket by direction: one browser WebSocket message is one frame on the wire, so this is what the server receives and sends.'],
  };
}

/** Per kind for one size (default the largest): frames and bytes per join, each way, summed over runs / runs. */
export function kindTable(r: MeshBenchResult, n = Math.max(...sizesOf(r))): Table {
  const rows: string[][] = [];
  for (const s of MESH_SYSTEMS) {
    const good = ok(runsOf(r, n, s));
    if (good.length === 0) continue;
    const kinds = new Map<string, { to: number; from: number; bTo: number; bFrom: number }>();
    for (const run of good) {
      for (const [kind, c] of byKind(run.frames, run.socket)) {
        const k = kinds.get(kind) ?? { to: 0, from: 0, bTo: 0, bFrom: 0 };
        k.to += c.out.n / run.n / good.length;
        k.from += c.in.n / run.n / good.length;
        k.bTo += c.out.bytes / run.n / good.length;
        k.bFrom += c.in.bytes / run.n / good.length;
        kinds.set(kind, k);
      }
    }
    for (const [kind, k] of kinds) {
      rows.push([LABEL[s], KEEPALIVE.has(kind) ? `${kind} (keep-alive, not counted)` : kind, fixed(k.to, 2), fixed(k.bTo, 0), fixed(k.from, 2), fixed(k.bFrom, 0)]);
    }
  }
  return {
    title: `Signalling by kind, ${n} pages (per join, mean over runs)`,
    headers: ['system', 'kind', 'to server', 'bytes to server', 'from server', 'bytes from server'],
    rows,
    notes: ['Kinds are the JSON `type`, Wisp\'s `signal` split by `description.type` or `candidates` (a batch). The bare relay\'s page sends every candidate in a frame of its own.'],
  };
}

export function fullReport(r: MeshBenchResult): string {
  const errors = r.runs.filter((x) => x.error).map((x) => `- ${x.system}, ${x.n} pages: ${x.error}`);
  return [timeTable(r), messageTable(r), kindTable(r)].map(formatTable).join('\n') + (errors.length ? `\nRuns that did not form:\n${errors.join('\n')}\n` : '');
}
