/** Tables for bench/topology. */
import { fmt, type Table } from './lib/table';
import { PHASES } from './topology-profile';
import type { TopologyResult } from './topology-model';

/** The target: a join in a 10k-peer cell costs at most this (p99). */
export const JOIN_TARGET_MS = 5;
const TARGET_SIZE = 10_000;

export function topologyTables(results: readonly TopologyResult[], cellDeg: number): Table[] {
  const cost: Table = {
    title: `Join and leave in a dense metro cell (CELL_DEG ${cellDeg}, ${results[0]?.cell ?? '?'}): ms per event, cell recompute vs from scratch`,
    headers: ['own peers', 'peers in scenario', 'peers the cell reads', 'read radius (passes)', 'event', 'n', 'cell p50', 'cell p99', 'scratch p50', 'cell ÷ scratch (p50)', 'of which diff p50', 'restricted p50 (n)', 'restricted max', 'local p50', 'local p99', 'local ÷ cell (p50)'],
    rows: results.flatMap((r) =>
      (['join', 'leave'] as const).map((k) => {
        const e = r[k];
        return [
          r.size, r.total, r.peersRead, `${fmt(r.radiusDeg)}° (${r.passes})`, k, e.cell.n, e.cell.p50, e.cell.p99, r.scratch.p50, e.cell.p50 / r.scratch.p50,
          e.diff.p50, `${fmt(e.restricted.p50)} (${e.restricted.n})`, e.restricted.max, e.local.p50, e.local.p99, e.local.p50 / e.cell.p50,
        ];
      }),
    ),
    notes: [
      'cell: the full recompute as a cell does it on waking, or when an event cannot be applied locally (read the first ring of cells, `assignNeighbours` for own peers, widen until certified) plus the old-vs-new diff.',
      'scratch: `globalNeighbours` over every peer of the scenario (peerPoint included, as in the cell). ' +
        'restricted (prototype): `assignNeighbours` over only the peers within the cell + the thinnest margin that certifies. ' +
        'local: re-triangulate only the peers around the event (core/local-change.ts): what a cell runs for every join and leave since it keeps its read set in memory (durable-objects/incremental.ts).',
      `Prototypes agree with the cell's result on every event: local ${results.every((r) => r.localAgrees) ? 'yes' : 'NO'}, restricted ${results.every((r) => r.restrictedAgrees) ? 'yes' : 'NO'} ` +
        `(largest certifying margin ${fmt(Math.max(...results.map((r) => r.restrictedMarginDeg)))}°).`,
    ],
  };
  const phases: Table = {
    title: 'Where a cell recompute spends its time (mean ms per recompute, share of the total)',
    headers: ['own peers', 'peers read', ...PHASES, 'total'],
    rows: results.map((r) => {
      const total = PHASES.reduce((t, p) => t + r.phases[p], 0);
      return [r.size, r.peersRead, ...PHASES.map((p) => `${fmt(r.phases[p])} (${fmt((100 * r.phases[p]) / total, 2)} %)`), total];
    }),
    notes: [`Profiled copy of assignNeighbours equals core on every event: ${results.every((r) => r.profileAgrees) ? 'yes' : 'NO'}.`],
  };
  const t = results.find((r) => r.size === TARGET_SIZE) ?? results[results.length - 1];
  const target: Table = {
    title: 'Target',
    headers: ['target', 'value', 'met'],
    rows: t
      ? [
          [`join in a ${t.size.toLocaleString('en-US')}-peer cell ≤ ${JOIN_TARGET_MS} ms p99 (as the cell does it)`, `${fmt(t.join.cell.p99)} ms`, t.join.cell.p99 <= JOIN_TARGET_MS],
          [`  same, restricted read (prototype, max of ${t.join.restricted.n})`, `${fmt(t.join.restricted.max)} ms`, t.join.restricted.max <= JOIN_TARGET_MS],
          [`  same, local re-triangulation around the event (prototype)`, `${fmt(t.join.local.p99)} ms`, t.join.local.p99 <= JOIN_TARGET_MS],
        ]
      : [],
  };
  return [cost, phases, target];
}
