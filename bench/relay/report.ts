/**
 * The bench's verdicts and its tables (Markdown, for the terminal and docs/benchmarks.md). Pure.
 */
import type { RelayBenchResult, ServerRun } from './bench';
import { P99_BLOWUP_MS, TRACKING_SHARE, type StepSummary } from './stats';

/** Target: p99 relay latency at half of Wisp's saturation rate. */
export const TARGET_P99_MS = 10;
/** "At least as many msgs/s": equal within this share counts (two unsaturated runs differ by noise). */
export const THROUGHPUT_TOLERANCE = 0.02;

export interface Verdict {
  met: boolean;
  detail: string;
}

export interface Verdicts {
  throughput: Verdict;
  latency: Verdict;
}

const int = (x: number): string => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–');
const ms = (x: number): string => (Number.isFinite(x) ? (x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0)) : '–');
const ratio = (a: number, b: number): string => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : '–');

function errors(s: StepSummary): string {
  const parts = Object.entries(s.errors).map(([code, n]) => `${code} ${n}`);
  return parts.length ? parts.join(', ') : '0';
}

function delivered(s: StepSummary): string {
  return `${int(s.deliveredPerS)}${s.tracking ? '' : ' ✗'}`;
}

function satText(run: ServerRun): string {
  const s = run.saturation;
  if (!s.saturated) return `did not saturate: every step tracked, up to ${int(s.rate)} msgs/s`;
  const from = s.lastGood === null ? 'at the first step' : `between ${int(s.lastGood)} and ${int(s.firstBad!)} msgs/s offered`;
  return `saturates ${from} (saturation rate ${int(s.rate)} msgs/s); most delivered on any step ${int(s.ceiling)} msgs/s`;
}

/** Pairs Wisp's steps with PeerServer's (same labels, same order), the ½-saturation step last. */
function pairs(r: RelayBenchResult): [StepSummary, StepSummary | undefined][] {
  const out: [StepSummary, StepSummary | undefined][] = r.wisp.steps.map((w, i) => [w, r.peerserver.steps[i]]);
  if (r.wisp.half) out.push([r.wisp.half, r.peerserver.half ?? undefined]);
  return out;
}

export function verdicts(r: RelayBenchResult): Verdicts {
  let worst: { ratio: number; label: string } = { ratio: Infinity, label: '' };
  for (const [w, p] of pairs(r)) {
    if (!p || p.deliveredPerS <= 0) continue;
    const x = w.deliveredPerS / p.deliveredPerS;
    if (x < worst.ratio) worst = { ratio: x, label: w.label };
  }
  const wc = r.wisp.saturation.ceiling;
  const pc = r.peerserver.saturation.ceiling;
  const throughput: Verdict = {
    met: worst.ratio >= 1 - THROUGHPUT_TOLERANCE && wc >= (1 - THROUGHPUT_TOLERANCE) * pc,
    detail: `lowest delivered ratio W/P ${worst.ratio.toFixed(2)}× (step ${worst.label}); most delivered Wisp ${int(wc)} vs PeerServer ${int(pc)} msgs/s` +
      (r.peerserver.saturation.saturated ? '' : ' (PeerServer never saturated: its ceiling is higher than the ladder)'),
  };
  const half = r.wisp.half;
  const latency: Verdict = half
    ? {
        met: half.p99 < TARGET_P99_MS && half.tracking,
        detail: `p99 ${ms(half.p99)} ms at ${int(half.offered)} msgs/s` +
          (r.halfRateIsLowerBound ? ' (Wisp did not saturate: half of the top step)' : ` (half of Wisp's saturation rate ${int(r.wisp.saturation.rate)})`),
      }
    : { met: false, detail: 'the half-saturation step was not run' };
  return { throughput, latency };
}

/** The side-by-side table: one row per step, Wisp | PeerServer | Wisp/PeerServer. */
export function comparisonTable(r: RelayBenchResult): string {
  const head = [
    '| step (offered msgs/s) | Wisp delivered/s | Wisp p50 ms | Wisp p99 ms | Wisp errors | Wisp lost | PeerServer delivered/s | PeerServer p50 ms | PeerServer p99 ms | PeerServer errors | PeerServer lost | delivered W/P | p99 W/P |',
    '|---|--:|--:|--:|---|--:|--:|--:|--:|---|--:|--:|--:|',
  ];
  const rows: string[] = [];
  for (const [w, p] of pairs(r)) {
    const pc = p ? [delivered(p), ms(p.p50), ms(p.p99), errors(p), String(p.lost)] : ['–', '–', '–', '–', '–'];
    rows.push(`| ${w.label} | ${delivered(w)} | ${ms(w.p50)} | ${ms(w.p99)} | ${errors(w)} | ${w.lost} | ${pc.join(' | ')} | ${p ? ratio(w.deliveredPerS, p.deliveredPerS) : '–'} | ${p ? ratio(w.p99, p.p99) : '–'} |`);
  }
  return [...head, ...rows].join('\n');
}

/**
 * Where the time went, per step: each server's CPU (% of one core, all its processes; the machine
 * has `nproc` × 100), the floor's latency, what the bench itself used, and "other" — every process
 * but the server and the bench; high means a noisy run.
 */
export function resourceTable(r: RelayBenchResult): string {
  const head = [
    '| step | per bot msgs/s | sent/s W / F / P | server CPU % Wisp | floor | PeerServer | floor delivered/s | floor p50 ms | floor p99 ms | bench CPU % W / F / P | other CPU % W / F / P |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  const floorSteps = r.floor ? [...r.floor.steps, ...(r.floor.half ? [r.floor.half] : [])] : [];
  const rows = pairs(r).map(([w, p], i) => {
    const f = floorSteps[i];
    const three = (g: (s: StepSummary) => number): string => [w, f, p].map((s) => (s ? int(g(s)) : '–')).join(' / ');
    return `| ${w.label} | ${(w.offered / r.options.bots).toFixed(1)} | ${three((s) => s.sentPerS)} | ${int(w.serverCpu)} | ${f ? int(f.serverCpu) : '–'} | ${p ? int(p.serverCpu) : '–'} | ${f ? delivered(f) : '–'} | ${f ? ms(f.p50) : '–'} | ${f ? ms(f.p99) : '–'} | ${three((s) => s.clientCpu)} | ${three((s) => s.otherCpu)} |`;
  });
  return [...head, ...rows].join('\n');
}

/** Everything the CLI prints and docs/benchmarks.md quotes. */
export function fullReport(r: RelayBenchResult, command: string): string {
  const v = verdicts(r);
  const mark = (x: Verdict): string => (x.met ? 'met' : 'NOT met');
  const g = r.graph;
  return [
    `Command: \`${command}\``,
    `Machine: ${r.machine.nproc} cores (${r.machine.cpu}), Node ${r.machine.node}; ${r.date}`,
    `Load: ${r.options.bots} bots in cell ${r.cell}, ${g.edges} directed neighbour edges (degree ${g.minDegree}–${g.maxDegree}), ` +
      `${r.options.stepMs / 1_000} s per step, drain ${r.options.drainMs / 1_000} s; 1 in 4 messages an offer/answer (~600 B SDP), the rest batches of 1–4 candidates.`,
    '',
    comparisonTable(r),
    '',
    resourceTable(r),
    '',
    'W = Wisp, F = floor (a bare hibernating Durable Object relay in the same `wrangler dev`: bench/relay/floor-worker.js), P = PeerServer. CPU in % of one core.',
    `✗ = does not track: delivered < ${TRACKING_SHARE * 100}% of sent/s, or p99 > ${P99_BLOWUP_MS} ms, or any error or loss. Lost = sent, neither delivered nor refused within the drain.`,
    `Wisp: ${satText(r.wisp)}.${r.floor ? ` Floor: ${satText(r.floor)}.` : ''} PeerServer: ${satText(r.peerserver)}.`,
    `Target "Wisp delivers at least as many msgs/s as PeerServer": ${mark(v.throughput)} — ${v.throughput.detail}.`,
    `Target "p99 < ${TARGET_P99_MS} ms at half of Wisp's saturation rate": ${mark(v.latency)} — ${v.latency.detail}.`,
    `Server CPU per relayed message over the ladder — Wisp ${cpuPerMessage(r.wisp)}${r.floor ? `; floor ${cpuPerMessage(r.floor)}` : ''}; PeerServer ${cpuPerMessage(r.peerserver)}.`,
    `Checks: graph asymmetric edges ${g.asymmetric}, foreign neighbours ${g.foreign}, topology changes during the run ${g.topologyChanges}, bot sockets closed by the server: Wisp ${r.wisp.closedSockets},${r.floor ? ` floor ${r.floor.closedSockets},` : ''} PeerServer ${r.peerserver.closedSockets}; servers running at the end: ${[r.wisp, ...(r.floor ? [r.floor] : []), r.peerserver].every((x) => x.alive) ? 'all' : 'NOT all'}; misrouted or duplicated: Wisp ${sum(r.wisp, (s) => s.misrouted)}, PeerServer ${sum(r.peerserver, (s) => s.misrouted)}; other processes before the start: ${int(r.machine.otherLoadAtStart)}% of a core; waited ${(r.machine.quietWaitMs / 1_000).toFixed(0)} s for a quiet machine, re-ran ${r.machine.reruns} disturbed steps.`,
  ].join('\n');
}

/**
 * Server CPU per relayed message over the ladder, split by process: "85 µs (workerd runtime 54,
 * workerd dev proxy 30, …)". CPU time is far less disturbed by other load than latency is.
 */
export function cpuPerMessage(run: ServerRun): string {
  const total = Object.values(run.cpuByRole).reduce((a, b) => a + b, 0);
  const messages = run.steps.reduce((n, s) => n + s.delivered, 0);
  if (total <= 0 || messages === 0) return 'n/a';
  const us = (sec: number): string => ((sec * 1e6) / messages).toFixed(0);
  const parts = Object.entries(run.cpuByRole).filter(([, s]) => s / total >= 0.02).sort((a, b) => b[1] - a[1]);
  return `${us(total)} µs (${parts.map(([role, s]) => `${role} ${us(s)}`).join(', ')})`;
}

function sum(run: ServerRun, f: (s: StepSummary) => number): number {
  return [...run.steps, ...(run.half ? [run.half] : [])].reduce((a, s) => a + f(s), 0);
}
