/** The tables bench/join prints (and docs/benchmarks.md holds). Pure. */
import { formatTable, median, ms, percentile, ratio, type Table } from '../browser/report';
import { PEERJS_MILESTONES, WISP_MILESTONES } from './breakdown';
import { SYSTEMS, type JoinBenchResult, type JoinSample, type JoinSystem } from './bench';

/** Issue targets: Wisp's p50 within 1.5× of the floor, and below PeerJS + PeerServer. */
export const TARGET_VS_FLOOR = 1.5;

const LABEL: Record<JoinSystem, string> = {
  wisp: 'Wisp `joinMesh()` (defaults)',
  'wisp-no-ice-fetch': 'Wisp, no ICE-servers fetch',
  'wisp-batch-0': 'Wisp, joiner sends candidates unbatched',
  peerjs: 'PeerJS + PeerServer',
  floor: 'floor (2 RTCPeerConnections, 1 page)',
};

export interface JoinSummary {
  n: number;
  failed: number;
  p50: number;
  p95: number;
  min: number;
  max: number;
}

export function summarise(samples: readonly JoinSample[], failed = 0): JoinSummary {
  const v = samples.map((s) => s.ms);
  return { n: v.length, failed, p50: median(v), p95: percentile(v, 0.95), min: Math.min(...v), max: Math.max(...v) };
}

export interface Verdict {
  target: string;
  value: string;
  met: boolean;
}

export function verdicts(r: JoinBenchResult): Verdict[] {
  const wisp = summarise(r.samples.wisp), floor = summarise(r.samples.floor), peerjs = summarise(r.samples.peerjs);
  const out: Verdict[] = [];
  if (wisp.n && floor.n) out.push({ target: `Wisp p50 ≤ ${TARGET_VS_FLOOR}× floor p50`, value: ratio(wisp.p50, floor.p50), met: wisp.p50 <= TARGET_VS_FLOOR * floor.p50 });
  if (wisp.n && peerjs.n) out.push({ target: 'Wisp p50 < PeerJS + PeerServer p50', value: `${ms(wisp.p50)} vs ${ms(peerjs.p50)} ms (${ratio(wisp.p50, peerjs.p50)})`, met: wisp.p50 < peerjs.p50 });
  return out;
}

export function summaryTable(r: JoinBenchResult): Table {
  const floor = summarise(r.samples.floor), peerjs = summarise(r.samples.peerjs);
  const rows = SYSTEMS.filter((s) => r.samples[s].length + r.failures[s].length > 0).map((s) => {
    const x = summarise(r.samples[s], r.failures[s].length);
    return [LABEL[s], String(x.n), String(x.failed), ms(x.p50), ms(x.p95), ms(x.min), ms(x.max), ratio(x.p50, floor.p50), ratio(x.p50, peerjs.p50)];
  });
  return {
    title: `Join → first open data channel (${r.joins} joins per system, ms)`,
    headers: ['system', 'n', 'failed', 'p50', 'p95', 'min', 'max', 'p50 / floor', 'p50 / PeerJS'],
    rows,
    notes: verdicts(r).map((v) => `- target ${v.target}: **${v.met ? 'met' : 'not met'}** (${v.value})`),
  };
}

/** Per-phase p50/p95 of one system's joins; phases add up to the total join by join. */
export function phaseTable(title: string, samples: readonly JoinSample[], milestones: readonly { phase: string; what: string }[], notes: string[] = []): Table {
  const total = median(samples.map((s) => s.ms));
  const rows = milestones.map((m) => {
    const v = samples.map((s) => s.breakdown.phases[m.phase]).filter((x): x is number => x !== undefined);
    const p50 = median(v);
    return [m.phase, m.what, ms(p50), ms(percentile(v, 0.95)), Number.isFinite(p50) && total > 0 ? `${Math.round((100 * p50) / total)} %` : '–', String(v.length)];
  });
  return { title, headers: ['phase', 'what', 'p50', 'p95', 'p50 / total p50', 'n'], rows, notes };
}

/** p50/p95 of the overlapping detail intervals of one system's joins. */
export function detailTable(title: string, samples: readonly JoinSample[], notes: string[] = []): Table {
  const names = [...new Set(samples.flatMap((s) => Object.keys(s.breakdown.details)))];
  const rows = names.map((name) => {
    const v = samples.map((s) => s.breakdown.details[name]).filter((x): x is number => x !== undefined);
    return [name, ms(median(v)), ms(percentile(v, 0.95)), String(v.length)];
  });
  return { title, headers: ['interval', 'p50', 'p95', 'n'], rows, notes };
}

export function wispPhaseTables(r: JoinBenchResult): Table[] {
  const out: Table[] = [];
  for (const s of ['wisp', 'wisp-no-ice-fetch', 'wisp-batch-0'] as const) {
    const samples = r.samples[s];
    if (samples.length === 0) continue;
    const offered = samples.filter((x) => x.breakdown.offered === true);
    const answered = samples.filter((x) => x.breakdown.offered === false);
    const p50 = (xs: readonly JoinSample[]): string => ms(median(xs.map((x) => x.ms)));
    out.push(phaseTable(`Where ${LABEL[s]} spends a join (ms)`, samples, WISP_MILESTONES, [
      `The joining page offered in ${offered.length} of ${samples.length} joins (the smaller id offers): p50 ${p50(offered)} ms when it offered, ${p50(answered)} ms when the neighbour did. Medians of phases do not add up to the median total exactly.`,
    ]));
  }
  if (r.samples.peerjs.length) out.push(phaseTable(`Where ${LABEL.peerjs} spends a join (ms)`, r.samples.peerjs, PEERJS_MILESTONES));
  const ice = (['wisp', 'wisp-no-ice-fetch', 'wisp-batch-0', 'peerjs'] as const).filter((s) => r.samples[s].length > 0);
  for (const s of ice) {
    out.push(detailTable(`ICE in detail: ${LABEL[s]} (ms, on the joining page; intervals overlap the phases)`, r.samples[s], s === 'wisp-batch-0'
      ? ['A negative last interval: ICE connected on the neighbour\'s connectivity checks (a peer-reflexive candidate) before its own candidates arrived.']
      : []));
  }
  return out;
}

export function fullReport(r: JoinBenchResult): string {
  const failures = Object.entries(r.failures).flatMap(([s, errs]) => errs.slice(0, 3).map((e) => `- ${s}: ${e}`));
  return [summaryTable(r), ...wispPhaseTables(r)].map(formatTable).join('\n') + (failures.length ? `\nFailures:\n${failures.join('\n')}\n` : '');
}
