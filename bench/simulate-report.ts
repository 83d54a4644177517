/** Tables for bench/simulate: one row per world size (and per CELL_DEG where the grid matters). */
import { MAX_EVENTS, MAX_MODEL_SITES } from '../durable-objects/incremental';
import { PRICES } from './simulate-cost';
import { messageSizes, RPC_MAX_VALUE_BYTES } from './simulate-messages';
import type { CellLoad } from './simulate-load';
import type { RunResult } from './simulate-run';
import { fmt, type Table } from './lib/table';

const DO_SOFT_LIMIT = 1_000;
const TARGET_BUSIEST = 500;
const TARGET_COST = 1;
const pct = (x: number): string => `${fmt(100 * x)} %`;
const n = (r: RunResult): string => r.options.peers.toLocaleString('en-US');
/** A cell's heard events beyond its certified cap and its read-cap fallbacks, and the timed joins they rest on ('—' when it heard none). */
const fallbackText = (c: CellLoad): string =>
  c.path !== 'local' ? `all fall back (${c.path})` : Number.isNaN(c.fallback) ? '—' : `${pct(c.beyond)} / ${pct(c.fallback)} of ${c.sampled}`;

export function simulateTables(runs: readonly RunResult[]): Table[] {
  const world: Table = {
    title: 'World: global graph and degree',
    headers: ['peers', 'place ms', 'sphericalDelaunay ms', 'capDegree ms', 'mean degree', 'max degree', 'max Delaunay degree', 'peers over cap', 'events sampled', 'peers read per event p50 / p99', 'ms per event', 'events re-checked with localStars: differed', 'localChange ms per join mean / p50 / p99 (timed)', 'peers it re-triangulates p50 / p99'],
    rows: runs.map((r) => [
      n(r), r.ms.place, r.ms.delaunay, r.ms.cap, r.degree.capped.mean, r.degree.capped.max, r.degree.delaunay.max,
      r.degree.delaunay.over16, `${r.events.joins} + ${r.events.leaves}`,
      `${fmt(r.events.sitesPerEvent.p50)} / ${fmt(r.events.sitesPerEvent.p99)}`, r.events.msPerEvent,
      `${r.events.differed} of ${r.events.checked}`,
      `${fmt(r.events.localMs.mean)} / ${fmt(r.events.localMs.p50)} / ${fmt(r.events.localMs.p99)} (${r.events.localMs.n})`,
      `${fmt(r.events.localSites.p50)} / ${fmt(r.events.localSites.p99)}`,
    ]),
    notes: [
      '"ms per event": the sampler\'s Bowyer–Watson cavity on the global triangulation (not what a cell runs). ' +
        '"localChange ms per join": core localChange on the whole world for the first sampled joins, what a cell runs per event it applies locally (a leave costs its mirrored join).',
    ],
  };
  const routing: Table = {
    title: 'Greedy geographic routing (random pairs)',
    headers: ['peers', 'graph', 'pairs', 'delivered', 'stuck only because of the cap', 'stretch p50', 'stretch p99', 'stretch mean', 'hops p50', 'hops p99'],
    rows: runs.flatMap((r) =>
      ([['capped (final)', r.routing], ['Delaunay (no cap)', r.routingDelaunay]] as const).map(([g, x]) => [
        n(r), g, x.pairs, pct(x.delivered / x.pairs), g === 'Delaunay (no cap)' ? '—' : x.stuckOnlyHere, x.stretch.p50, x.stretch.p99, x.stretch.mean, x.hops.p50, x.hops.p99,
      ]),
    ),
  };
  const exact: Table = {
    title: 'Exactness: cell-local recompute (as the cell does it) vs the global graph',
    headers: ['peers', 'CELL_DEG', 'cells checked', 'peers checked', 'mismatched peers', 'radius as modelled', 'recompute ms p50', 'recompute ms max', 'peers read max'],
    rows: runs.flatMap((r) =>
      r.perDeg.map((d) => {
        const ms = d.exact.samples.map((s) => s.ms).sort((a, b) => a - b);
        return [
          n(r), d.cellDeg, d.exact.samples.length, d.exact.peersChecked, d.exact.mismatched,
          `${d.exact.radiusAsPredicted}/${d.exact.samples.length}`, ms[Math.floor((ms.length - 1) / 2)] ?? NaN, ms[ms.length - 1] ?? NaN,
          Math.max(...d.exact.samples.map((s) => s.readSize)),
        ];
      }),
    ),
    notes: runs.map((r) => `Recompute time fit at ${n(r)} peers: ${fmt(r.recomputeFit.a)} ms + ${fmt(r.recomputeFit.b * 1000)} µs × peers read.`),
  };
  const events: Table = {
    title: 'Messages and bytes per join and per leave',
    headers: ['peers', 'CELL_DEG', 'event', 'msgs', 'client frames', 'DO↔DO calls', 'client bytes', 'DO↔DO bytes', 'diffs sent', 'new edges', 'cross-cell edges'],
    rows: runs.flatMap((r) =>
      r.perDeg.flatMap((d) =>
        ([['join', d.load.perJoin], ['leave', d.load.perLeave]] as const).map(([k, e]) => [
          n(r), d.cellDeg, k, e.msgs, e.clientMsgs, e.rpcMsgs, e.clientBytes, e.rpcBytes, e.diffs, e.newEdges, e.crossCellEdges,
        ]),
      ),
    ),
  };
  // Only a watch() answer carries a whole peer list (pushes are deltas, snapshots are not stored).
  const sizes = messageSizes();
  const peersPerRpcLimit = (RPC_MAX_VALUE_BYTES - sizes.watchAnswer(0)) / (sizes.watchAnswer(1) - sizes.watchAnswer(0));
  const cells: Table = {
    title: `Cells: the busiest cell (most messages in + out) vs the Durable Object soft limit (~${DO_SOFT_LIMIT} req/s)`,
    headers: ['peers', 'CELL_DEG', 'non-empty cells', 'busiest cell', 'its peers', 'msgs/s in', 'msgs/s out', 'msgs/s total', 'total, mesh-signalled', 'bytes/s in / out', 'billed req/s', 'recompute CPU demand', 'of it: index changes', 'upkeep path', 'heard events beyond the cap: recorded only / falling back, of timed', 'watchers', 'peers read', 'cells ≥ 1000 in/s', 'largest cell', 'its watch() answer', 'directory flips/s', 'directory calls out/s'],
    rows: runs.flatMap((r) =>
      r.perDeg.map((d) => {
        const b = d.load.cells[0]!;
        const mesh = d.loadMesh.cells.find((c) => c.id === b.id)!;
        const largest = d.load.cells.reduce((x, c) => (c.peers > x.peers ? c : x));
        return [
          n(r), d.cellDeg, d.cells, b.id, b.peers, b.inPerS, b.outPerS, b.totalPerS, mesh.totalPerS, `${fmt(b.bytesInPerS)} / ${fmt(b.bytesOutPerS)}`,
          b.billedPerS, pct(b.cpu), pct(b.cpuIndex), b.path, fallbackText(b), b.watchers, b.readSize, d.load.cells.filter((c) => c.inPerS >= DO_SOFT_LIMIT).length, largest.peers,
          `${fmt(largest.watchAnswerBytes / 1e6)} MB`, d.load.flipsPerS, d.load.directoryOutPerS,
        ];
      }),
    ),
    notes: [
      `Bytes: frame text and RPC arguments (V8 serialisation), upgrades left out; a watcher push is a delta of one record (join, ${sizes.cellChanged(1, 0)} B) or one id (leave, ${sizes.cellChanged(0, 1)} B). ` +
        `"its watch() answer": the whole peer list a cell returns when another starts watching it or re-reads it, the only message that grows with the cell; ` +
        `workerd limits a serialised RPC value to 32 MiB (≈ ${fmt(peersPerRpcLimit)} peers). Snapshots are no longer stored, so the 2 MB storage value limit does not apply.`,
    ],
  };
  const upkeep: Table = {
    title: 'Neighbour-set CPU over the world (CPU-seconds per second, summed over non-empty cells)',
    headers: ['peers', 'CELL_DEG', 'cells local / no model / backlog', 'cells > 100 % (their peers)', 'largest demand', 'events applied locally', 'events recomputed in full', 'heard events/s: recorded only (beyond the cap) / falling back', 'index-change full recomputes/s', 'their CPU', 'index share', 'local-path cells: events / index', 'total', 'as a full recompute per trigger', 'busiest cell: demand (of it index)'],
    rows: runs.flatMap((r) =>
      r.perDeg.map((d) => {
        const u = d.load.upkeep;
        const total = u.local + u.fullEvents + u.index;
        const b = d.load.cells[0]!;
        return [
          n(r), d.cellDeg, `${u.cells.local} / ${u.cells['no model']} / ${u.cells.backlog}`, `${u.overloaded} (${fmt(u.overloadedPeers)})`, pct(u.maxCpu),
          u.local, u.fullEvents, `${fmt(u.heardPerS)}: ${pct(u.recordedPerS / u.heardPerS)} / ${pct(u.fallbackPerS / u.heardPerS)}`, u.indexRecomputesPerS, u.index, pct(u.index / total), `${fmt(u.localPath.events)} / ${fmt(u.localPath.index)}`,
          total, u.allFull, `${pct(b.cpu)} (${pct(b.cpuIndex)})`,
        ];
      }),
    ),
    notes: [
      `What a cell runs (durable-objects/incremental.ts): each join or leave it hears (its own and its read cells') costs a timed localChange, ` +
        `or a full recompute (fit above) when it reads > ${MAX_MODEL_SITES.toLocaleString('en-US')} peers ("no model"), when the events it hears during one full recompute exceed ${MAX_EVENTS} ("backlog": the next pass is full again), ` +
        `or when the event's local read would leave its read cap (per cell, from the timed joins it hears: "falling back"); ` +
        `an event whose peer lies beyond the cell's certified cap (cap radius less the jitter margin) is only recorded in its spatial index and charged nothing ("recorded only", since 9ce2d61); ` +
        `and every directory index version makes every non-empty cell recompute in full (flips/s × non-empty cells recomputes/s). ` +
        `Cells that hear no timed join are charged a full recompute per event: ` +
        runs.map((r) => `at ${n(r)} peers ${r.perDeg.map((d) => `${d.load.upkeep.unsampledCells} cells (${fmt(d.load.upkeep.unsampled)} CPU-s/s) at CELL_DEG ${d.cellDeg}`).join(', ')}`).join('; ') + '.',
    ],
  };
  const cost: Table = {
    title: 'Cost per million peer-hours (Cloudflare Workers Paid list prices, free allowances left out)',
    headers: ['peers', 'CELL_DEG', ...(runs[0]?.perDeg[0]?.cost.lines.map((l) => l.item) ?? []), 'total', `TURN egress (separate)`],
    rows: runs.flatMap((r) =>
      r.perDeg.map((d) => [
        n(r), d.cellDeg, ...d.cost.lines.map((l) => `$${fmt(l.perMillionPeerHours)}`), `$${fmt(d.cost.total)}`,
        `$${fmt(d.cost.turn.perMillionPeerHours)} (${fmt(d.cost.turn.gbPerMillionPeerHours)} GB)`,
      ]),
    ),
    notes: [
      `Prices: DO requests $${PRICES.doRequestsPerMillion}/M (incoming WebSocket frames billed ${PRICES.wsMessagesPerRequest}:1, every RPC call and upgrade 1:1, one sweep alarm per non-empty cell per 30 s); ` +
        `DO duration $${PRICES.doGbSecondsPerMillion}/M GB-s at 128 MB, only while running (hibernation: idle cells bill nothing); Workers requests $${PRICES.workersRequestsPerMillion}/M; ` +
        `SQLite DO rows written $${PRICES.rowsWrittenPerMillion}/M; TURN egress $${PRICES.turnEgressPerGb}/GB (first 1 000 GB a month free, not deducted).`,
      ...(runs[0] ? [
        `Assumptions: mean session ${runs[0].options.sessionS / 60} min (exponential), Poisson arrivals; ${runs[0].options.candidateBatches} candidate batches per end per new edge; ` +
          `${runs[0].options.handlerMs} ms of wall time per incoming message plus the neighbour-set CPU above; WebSocket pings are auto-responses (not counted); ` +
          `TURN: ${pct(runs[0].options.turn.relayedShare)} of links relayed, ${fmt(runs[0].options.turn.linkBytesPerHour / 1e6)} MB per link-hour (both directions).`,
      ] : []),
    ],
  };
  return [world, exact, routing, events, cells, upkeep, cost];
}

export interface Target {
  target: string;
  value: string;
  met: boolean;
}

/** The issue's targets, judged at the largest world and the given CELL_DEG. */
export function simulateTargets(runs: readonly RunResult[], cellDeg: number): Table {
  const r = [...runs].sort((a, b) => b.options.peers - a.options.peers)[0]!;
  const d = r.perDeg.find((x) => x.cellDeg === cellDeg) ?? r.perDeg[0]!;
  const busiest = d.load.cells[0]!;
  const rows: Target[] = [
    { target: `busiest cell < ${TARGET_BUSIEST} msgs/s (in + out) at ${n(r)} peers, CELL_DEG ${d.cellDeg}`, value: `${fmt(busiest.totalPerS)} msgs/s (${fmt(busiest.inPerS)} in)`, met: busiest.totalPerS < TARGET_BUSIEST },
    { target: 'every neighbour set exact (all sampled cells, all CELL_DEG, all sizes)', value: runs.map((x) => `${x.perDeg.reduce((t, y) => t + y.exact.mismatched, 0)} mismatched of ${x.perDeg.reduce((t, y) => t + y.exact.peersChecked, 0)}`).join('; '), met: runs.every((x) => x.perDeg.every((y) => y.exact.mismatched === 0)) },
    { target: 'greedy routing delivers 100 %', value: runs.map((x) => pct(x.routing.delivered / x.routing.pairs)).join('; '), met: runs.every((x) => x.routing.delivered === x.routing.pairs) },
    { target: `cost ≤ $${TARGET_COST} per million peer-hours (CELL_DEG ${d.cellDeg}, ${n(r)} peers)`, value: `$${fmt(d.cost.total)}`, met: d.cost.total <= TARGET_COST },
  ];
  return { title: 'Targets', headers: ['target', 'value', 'met'], rows: rows.map((t) => [t.target, t.value, t.met]) };
}
