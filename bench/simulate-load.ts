/**
 * The message model: who sends what to whom per join and per leave, turned into per-cell rates.
 *
 * Per join in cell X: upgrade (fetch) + `challenge` + `join` + `welcome`; the cell pushes the
 * change (`cellChanged` RPC: a delta of one record, or of one id for a leave) to every cell
 * watching X, which keeps it in memory (no storage write); every peer whose set changed gets one
 * `neighbours` frame (from its own cell, after that cell's recompute); every new edge costs an
 * offer, an answer and `candidateBatches` candidate batches from each end, each relayed by the
 * sender's cell (`deliver` RPC to the receiver's cell when the ends live in different cells).
 * Per leave: the same minus the handshake, plus a `leave` frame. A cell turning empty or
 * non-empty calls the directory, which pushes the whole index to every non-empty cell (each one
 * then recomputes). Token renewals: one `token` round trip + one ice-servers call per renewal.
 * Joins and leaves per cell are N_cell / mean session each (steady state); the effects of an
 * event are averaged over sampled events (simulate-events.ts). Whole peer lists travel only in
 * `watch()` answers, when a cell starts watching or re-reads after a gap or a wake: not steady
 * state, so not counted; their size is reported per cell. CPU: each event heard costs what the
 * cell now runs for it (simulate-cpu.ts: localChange, or a full recompute where it cannot), and
 * every index version a full recompute in every non-empty cell.
 */
import { cellOf } from '../core/geo';
import type { Change } from '../core/local-change';
import type { Peer } from './lib/population';
import type { CellModel } from './simulate-cells';
import { cellCpu, timingsByCell, type CellCpu, type UpkeepPath } from './simulate-cpu';
import type { EventSample } from './simulate-events';
import type { MessageSizes } from './simulate-messages';

export interface LoadParams {
  sessionS: number;
  /** Candidate batches each end sends per new edge (trickle ICE, ~50 ms batches). */
  candidateBatches: number;
  /** Token + ice-servers renewals per session. */
  renewalsPerSession: number;
  /** Wall time a cell spends on one incoming message besides recomputes (ms). */
  handlerMs: number;
  /**
   * Full recompute wall time, ms = a + b · peers read (fitted on the exactness sample). Events a
   * cell applies locally cost their timed localChange instead (simulate-cpu.ts).
   */
  recompute: { a: number; b: number };
  /** Offers/answers of edges whose ends share a neighbour travel over the mesh (DESIGN's plan; not built). */
  meshSignalling: boolean;
}

export interface CellLoad {
  id: string;
  peers: number;
  /** Frames and calls into the cell per second: WebSocket frames, RPC calls, upgrades. */
  inPerS: number;
  /** Frames and calls out of the cell per second. */
  outPerS: number;
  totalPerS: number;
  /** Requests as Cloudflare bills them: WebSocket frames at 1/20, RPC calls and fetches at 1. */
  billedPerS: number;
  /** Neighbour-set CPU demanded per second of wall time (> 1: the cell cannot keep up): events + index changes. */
  cpu: number;
  /** Of `cpu`, the full recomputes forced by directory index changes. */
  cpuIndex: number;
  path: UpkeepPath;
  /** Share of heard events that fall back to a full recompute (read cap); NaN when none was sampled. */
  fallback: number;
  /** Share of heard events beyond the certified cap, only recorded (simulate-cpu.ts); NaN when none was sampled. */
  beyond: number;
  /** Timed joins the two shares rest on. */
  sampled: number;
  /** Fraction of wall time running (billed duration). */
  active: number;
  /** Bytes per second into and out of the cell: frame text and RPC arguments (upgrades left out). */
  bytesInPerS: number;
  bytesOutPerS: number;
  watchers: number;
  readSize: number;
  /** What this cell's `watch()` returns (its whole peer list): bounded by the RPC value limit. */
  watchAnswerBytes: number;
}

export interface PerEvent {
  msgs: number;
  clientMsgs: number;
  rpcMsgs: number;
  clientBytes: number;
  rpcBytes: number;
  diffs: number;
  newEdges: number;
  crossCellEdges: number;
}

export interface LoadResult {
  cells: CellLoad[];
  /** Totals per second over the world. */
  wsIn: number;
  wsOut: number;
  rpc: number;
  fetches: number;
  alarms: number;
  workerRequests: number;
  rowsWritten: number;
  gbS: number;
  /** Directory: flips per second, expected non-empty cells, its RPC fan-out per second. */
  flipsPerS: number;
  nonEmpty: number;
  directoryOutPerS: number;
  perJoin: PerEvent;
  perLeave: PerEvent;
  /** Neighbour-set CPU over the world, in CPU-seconds per second (summed over cells). */
  upkeep: Upkeep;
}

export interface Upkeep {
  /** Non-empty cells on each path (simulate-cpu.ts). */
  cells: Record<UpkeepPath, number>;
  /** Events applied with localChange, and events recomputed in full (no model, backlog, read-cap fallback). */
  local: number;
  fullEvents: number;
  /**
   * Events per second heard by all cells; of them, those beyond a local-path cell's certified cap
   * (only recorded, no CPU) and those still falling back to a full recompute (read cap).
   */
  heardPerS: number;
  recordedPerS: number;
  fallbackPerS: number;
  /** Full recomputes forced by index changes: flips/s × non-empty cells of them per second, and their CPU. */
  indexRecomputesPerS: number;
  index: number;
  /** Cells with no timed join where they hear events (charged a full recompute per event), and their CPU. */
  unsampledCells: number;
  unsampled: number;
  /** For comparison, what this model charged until it followed b9924d6: a full recompute per trigger. */
  allFull: number;
  /** Cells demanding more than one CPU (they cannot keep up), their peers, and the largest demand. */
  overloaded: number;
  overloadedPeers: number;
  maxCpu: number;
  /** Events and index-change CPU of the cells on the local path alone. */
  localPath: { events: number; index: number };
}

/** Sweep alarm period (Cell.ts SWEEP_MS): each non-empty cell runs one alarm per period. */
const SWEEP_S = 30;
/** Duration is billed at 128 MB per object (Cloudflare's examples use 0.128 GB). */
const GB_PER_OBJECT = 0.128;

interface Acc {
  in: number;
  out: number;
  billed: number;
  bytesIn: number;
  bytesOut: number;
}

const mean = (xs: readonly number[]): number => (xs.length ? xs.reduce((t, x) => t + x, 0) / xs.length : 0);

export function cellLoads(model: CellModel, events: EventSample, sizes: MessageSizes, p: LoadParams): LoadResult {
  const acc = new Map<string, Acc>();
  const get = (c: string): Acc => {
    let a = acc.get(c);
    if (!a) acc.set(c, (a = { in: 0, out: 0, billed: 0, bytesIn: 0, bytesOut: 0 }));
    return a;
  };
  const cellOfPeer = (peer: Peer): string => cellOf(model.grid, peer);
  let N = 0;
  for (const c of model.cells.values()) N += c.own.length;
  const eventRate = N / p.sessionS; // joins per second = leaves per second
  const sigPerEnd = 1 + p.candidateBatches;
  // A cell pushes one delta per join and one per leave, at equal rates.
  const pushPair = sizes.cellChanged(1, 0) + sizes.cellChanged(0, 1);
  const welcome = sizes.welcome(mean(events.joins.map((ch) => ch.welcomeSize)));
  let wsIn = 0, wsOut = 0, rpc = 0, fetches = 0, rowsWritten = 0;

  // --- own handshakes, leaves, renewals, pushes: analytic from N_cell ---
  for (const c of model.cells.values()) {
    const rate = c.own.length / p.sessionS;
    const a = get(c.id);
    const frameIn = rate * (1 + 1 + p.renewalsPerSession); // join, leave, token
    const frameOut = rate * (2 + p.renewalsPerSession); // challenge, welcome, token
    a.in += frameIn + rate; // + upgrade fetch
    a.out += frameOut + 2 * rate * c.watchers; // cellChanged pushes on join and leave
    a.billed += frameIn / 20 + rate;
    a.bytesIn += rate * (sizes.join + sizes.leave + p.renewalsPerSession * sizes.tokenIn);
    a.bytesOut += rate * (sizes.challenge + welcome + p.renewalsPerSession * sizes.tokenOut + c.watchers * pushPair);
    wsIn += frameIn;
    wsOut += frameOut;
    fetches += rate;
    for (const r of c.reads) {
      const x = model.cells.get(r)!;
      const pushes = (2 * x.own.length) / p.sessionS;
      a.in += pushes;
      a.billed += pushes;
      a.bytesIn += (pushes / 2) * pushPair;
      rpc += pushes;
      // no storage write: watched snapshots live in memory only (dbaa790)
    }
  }

  // --- sampled effects: diffs and signalling ---
  const perEvent = (list: Change[], kind: 'join' | 'leave'): PerEvent => {
    const w = eventRate / list.length;
    const out: PerEvent = { msgs: 0, clientMsgs: 0, rpcMsgs: 0, clientBytes: 0, rpcBytes: 0, diffs: 0, newEdges: 0, crossCellEdges: 0 };
    for (const ch of list) {
      const home = cellOfPeer(ch.subject);
      const info = model.cells.get(home);
      const watchers = info?.watchers ?? 0;
      // handshake or leave frame, pushes
      if (kind === 'join') {
        out.clientMsgs += 3 + 2 * p.renewalsPerSession;
        out.clientBytes += sizes.challenge + sizes.join + sizes.welcome(ch.welcomeSize) + p.renewalsPerSession * (sizes.tokenIn + sizes.tokenOut);
      } else {
        out.clientMsgs += 1;
        out.clientBytes += sizes.leave;
      }
      // one delta per watcher, whatever the size of the cell (23d383d)
      out.rpcMsgs += watchers;
      out.rpcBytes += watchers * (kind === 'join' ? sizes.cellChanged(1, 0) : sizes.cellChanged(0, 1));
      for (const d of ch.diffs) {
        const a = get(cellOfPeer(d.peer));
        const bytes = sizes.neighbours(d.add, d.remove);
        a.out += w;
        a.bytesOut += w * bytes;
        wsOut += w;
        out.clientMsgs += 1;
        out.clientBytes += bytes;
        out.diffs += 1;
      }
      for (const e of ch.newEdges) {
        out.newEdges += 1;
        const ca = cellOfPeer(e.a), cb = cellOfPeer(e.b);
        if (ca !== cb) out.crossCellEdges += 1;
        if (p.meshSignalling && e.viaMesh) continue;
        for (const [from, to] of [[ca, cb], [cb, ca]] as const) {
          const f = get(from), t = get(to);
          f.in += sigPerEnd * w;
          f.billed += (sigPerEnd * w) / 20;
          f.bytesIn += sigPerEnd * w * sizes.signalIn;
          t.out += sigPerEnd * w;
          t.bytesOut += sigPerEnd * w * sizes.signalOut;
          wsIn += sigPerEnd * w;
          wsOut += sigPerEnd * w;
          out.clientMsgs += 2 * sigPerEnd;
          out.clientBytes += sigPerEnd * (sizes.signalIn + sizes.signalOut);
          if (from !== to) {
            f.out += sigPerEnd * w;
            t.in += sigPerEnd * w;
            t.billed += sigPerEnd * w;
            f.bytesOut += sigPerEnd * w * sizes.signalOut;
            t.bytesIn += sigPerEnd * w * sizes.signalOut;
            rpc += sigPerEnd * w;
            out.rpcMsgs += sigPerEnd;
            out.rpcBytes += sigPerEnd * sizes.signalOut;
          }
        }
      }
    }
    for (const k of Object.keys(out) as (keyof PerEvent)[]) out[k] /= list.length;
    out.msgs = out.clientMsgs + out.rpcMsgs;
    return out;
  };
  const perJoin = perEvent(events.joins, 'join');
  const perLeave = perEvent(events.leaves, 'leave');

  // --- directory: cells turning empty / non-empty (M/M/∞ occupancy: P(empty) = e^-m) ---
  let flipsPerS = 0, nonEmpty = 0;
  for (const m of model.expected.values()) {
    flipsPerS += ((2 * m) / p.sessionS) * Math.exp(-m);
    nonEmpty += 1 - Math.exp(-m);
  }
  const directoryOutPerS = flipsPerS * Math.max(0, nonEmpty - 1);
  rpc += flipsPerS + directoryOutPerS;
  rowsWritten += flipsPerS * 2 + directoryOutPerS; // directory put + cell 'listed' put; each cell's setIndex put
  const flipsPerJoin = flipsPerS / (2 * eventRate);
  perJoin.rpcMsgs += flipsPerJoin * (1 + nonEmpty);
  perJoin.rpcBytes += flipsPerJoin * nonEmpty * sizes.index(nonEmpty);
  perLeave.rpcMsgs += flipsPerJoin * (1 + nonEmpty);
  perLeave.rpcBytes += flipsPerJoin * nonEmpty * sizes.index(nonEmpty);
  perJoin.msgs = perJoin.clientMsgs + perJoin.rpcMsgs;
  perLeave.msgs = perLeave.clientMsgs + perLeave.rpcMsgs;

  // --- per cell: CPU, active time ---
  let gbS = 0;
  const cells: CellLoad[] = [];
  const byCell = timingsByCell(model, events.local);
  const upkeep: Upkeep = {
    cells: { local: 0, 'no model': 0, backlog: 0 }, local: 0, fullEvents: 0, heardPerS: 0, recordedPerS: 0, fallbackPerS: 0, indexRecomputesPerS: 0, index: 0,
    unsampledCells: 0, unsampled: 0, allFull: 0, overloaded: 0, overloadedPeers: 0, maxCpu: 0, localPath: { events: 0, index: 0 },
  };
  for (const c of model.cells.values()) {
    const a = get(c.id);
    a.in += flipsPerS; // indexChanged from the directory
    a.billed += flipsPerS;
    a.bytesIn += flipsPerS * sizes.index(nonEmpty);
    const u = cellCpu(model, c, byCell, { full: p.recompute, sessionS: p.sessionS, flipsPerS });
    const cpu = u.events + u.index;
    addUpkeep(upkeep, u, flipsPerS, c.own.length);
    const active = Math.min(1, cpu + (a.in * p.handlerMs) / 1000);
    gbS += active * GB_PER_OBJECT;
    cells.push({
      id: c.id, peers: c.own.length, inPerS: a.in, outPerS: a.out, totalPerS: a.in + a.out, billedPerS: a.billed + 1 / SWEEP_S,
      cpu, cpuIndex: u.index, path: u.path, fallback: u.fallback, beyond: u.beyond, sampled: u.sampled, active,
      bytesInPerS: a.bytesIn, bytesOutPerS: a.bytesOut, watchers: c.watchers, readSize: c.readSize,
      watchAnswerBytes: sizes.watchAnswer(c.own.length),
    });
  }
  cells.sort((x, y) => y.totalPerS - x.totalPerS);
  const alarms = model.cells.size / SWEEP_S;
  const workerRequests = eventRate * (3 + p.renewalsPerSession); // discover, upgrade, ice-servers (+ renewals)
  return {
    cells, wsIn, wsOut, rpc, fetches, alarms, workerRequests, rowsWritten, gbS, flipsPerS, nonEmpty, directoryOutPerS,
    perJoin, perLeave, upkeep,
  };
}

/** Adds one cell's neighbour-set CPU to the world's, split by what runs. */
function addUpkeep(w: Upkeep, u: CellCpu, flipsPerS: number, peers: number): void {
  w.cells[u.path]++;
  const cpu = u.events + u.index;
  if (cpu > 1) {
    w.overloaded++;
    w.overloadedPeers += peers;
  }
  w.maxCpu = Math.max(w.maxCpu, cpu);
  if (u.path === 'local') {
    w.localPath.events += u.events;
    w.localPath.index += u.index;
  }
  const full = (u.heardPerS * u.fullMs) / 1000;
  w.heardPerS += u.heardPerS;
  if (u.path !== 'local') w.fullEvents += u.events;
  else if (u.sampled === 0) {
    w.unsampledCells++;
    w.unsampled += u.events;
    w.fullEvents += u.events;
  } else {
    w.recordedPerS += u.heardPerS * u.beyond;
    w.fallbackPerS += u.heardPerS * u.fallback;
    w.fullEvents += full * u.fallback;
    w.local += u.events - full * u.fallback;
  }
  w.indexRecomputesPerS += flipsPerS;
  w.index += u.index;
  w.allFull += full + u.index;
}
