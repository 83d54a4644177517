/**
 * What keeping neighbour sets current costs a cell, as the cell does it since b9924d6
 * (durable-objects/incremental.ts, recompute.ts). After one full recompute the cell keeps what it
 * read in memory and applies each join or leave it hears of (its own, or one pushed by a watched
 * cell) with core localChange around the peer concerned. It recomputes in full instead when
 *
 *  - it reads more than MAX_MODEL_SITES peers: it keeps no model, every event is a full recompute;
 *  - the local read would leave its read cap (reach = cap radius − distance from the cell centre
 *    − jitter margin): events near the edge of the cap, and events whose local read must widen far
 *    (sparse and coastal peers);
 *  - more than MAX_EVENTS events are pending at once: when the events heard during one full
 *    recompute exceed that, the next pass is full again, and so on; the cell never gets back to
 *    the local path ("backlog");
 *  - the directory's index version changes: every non-empty cell recomputes in full once per
 *    version (Cell.indexChanged schedules it), i.e. flips/s × non-empty cells in all. Reported
 *    apart, since it does not depend on the cell's own traffic at all.
 *
 * Since 9ce2d61 an event whose peer lies beyond the certified cap (reach < 0: outside the cap less
 * the jitter margin, typically in a watched cell that only reaches into it) is only recorded in the
 * cell's spatial index (incremental.ts `beyondCertified`): it cannot touch a triangle at the cell's
 * peers or their neighbours, so it neither re-triangulates nor falls back. It is charged nothing
 * here (an index insert or delete, microseconds next to localChange's milliseconds).
 *
 * Wake-ups (no model) and the model's periodic rebuild (`worn`, about once per read set of joins:
 * once per ~30 min) are left out: rare next to index changes.
 */
import { angle, cellOf, JITTER_MAX_RAD } from '../core/geo';
import { MAX_EVENTS, MAX_MODEL_SITES } from '../durable-objects/incremental';
import type { CellInfo, CellModel } from './simulate-cells';
import type { LocalTiming } from './simulate-events';

/** incremental.ts's numerical margin on the read-cap test (EPS there, not exported). */
const REACH_EPS = 1e-9;

export type UpkeepPath = 'local' | 'no model' | 'backlog';
/** One heard event on the local path: localChange, only recorded (beyond the certified cap), or a full recompute. */
export type EventKind = 'local' | 'beyond' | 'fallback';

export interface CpuParams {
  /** Full recompute wall time, ms = a + b · peers read (fitted on the exactness sample). */
  full: { a: number; b: number };
  sessionS: number;
  /** Directory index versions per second (cells turning empty or non-empty). */
  flipsPerS: number;
}

export interface CellCpu {
  path: UpkeepPath;
  /** Joins and leaves per second the cell hears: its own and every read cell's. */
  heardPerS: number;
  fullMs: number;
  /** Timed joins inside what the cell hears (the estimate below rests on them). */
  sampled: number;
  /**
   * Share of heard events inside the certified cap whose local read could still not stay inside the
   * read cap: each costs a full recompute (path 'local').
   */
  fallback: number;
  /**
   * Share of heard events whose peer lies beyond the certified cap (mostly in a watched cell that
   * only reaches into it): recorded in the spatial index only, charged nothing (path 'local').
   */
  beyond: number;
  /** Mean ms per heard event: localChange, or a full recompute where it falls back. */
  msPerEvent: number;
  /** CPU demanded per second of wall time by the events heard. */
  events: number;
  /** CPU demanded per second by the full recomputes every index version forces. */
  index: number;
}

export const fullMs = (fit: CpuParams['full'], readSize: number): number => fit.a + fit.b * readSize;

/** Timed joins by the cell of `grid` they fall in. */
export function timingsByCell(model: CellModel, timings: readonly LocalTiming[]): Map<string, LocalTiming[]> {
  const out = new Map<string, LocalTiming[]>();
  for (const t of timings) {
    const c = cellOf(model.grid, t.peer);
    let l = out.get(c);
    if (!l) out.set(c, (l = []));
    l.push(t);
  }
  return out;
}

/** How far around `t`'s peer the cell's local read may go and stay inside what the cell read (incremental.ts `reach`). */
function reach(model: CellModel, cell: CellInfo, t: LocalTiming): number {
  if (cell.radius === Infinity) return Infinity;
  return cell.radius - angle(model.hood.shape(cell.id).centre, t.peer.p) - JITTER_MAX_RAD - REACH_EPS;
}

/**
 * What a cell on the local path does with one event, given its `reach` and how far its local read
 * goes (incremental.ts `applyIncrementally`): beyond the certified cap (reach < 0, `beyondCertified`)
 * it only records it; inside, a read that would leave the cap makes it recompute in full.
 */
export function eventKind(reachRad: number, readRad: number): EventKind {
  if (reachRad < 0) return 'beyond';
  return readRad > reachRad ? 'fallback' : 'local';
}

export function cellCpu(model: CellModel, cell: CellInfo, byCell: ReadonlyMap<string, readonly LocalTiming[]>, p: CpuParams): CellCpu {
  let heardPerS = (2 * cell.own.length) / p.sessionS;
  for (const r of cell.reads) heardPerS += (2 * model.cells.get(r)!.own.length) / p.sessionS;
  const full = fullMs(p.full, cell.readSize);
  const index = (p.flipsPerS * full) / 1000;
  const heard = [cell.id, ...cell.reads].flatMap((c) => byCell.get(c) ?? []);
  const base = { heardPerS, fullMs: full, sampled: heard.length, index };
  // buildModel keeps none past MAX_MODEL_SITES; events pending after a full pass past MAX_EVENTS make the next one full.
  const path: UpkeepPath = cell.readSize > MAX_MODEL_SITES ? 'no model' : (heardPerS * full) / 1000 > MAX_EVENTS ? 'backlog' : 'local';
  // No timed join where the cell hears (remote cells hearing few events): charge the full recompute, as before b9924d6.
  if (path !== 'local' || heard.length === 0) {
    const none = path === 'local' ? NaN : 1;
    return { ...base, path, fallback: none, beyond: path === 'local' ? NaN : 0, msPerEvent: full, events: (heardPerS * full) / 1000 };
  }
  // A fallback's failed local attempt costs less than the local change itself; left out.
  let ms = 0, fellBack = 0, beyond = 0;
  for (const t of heard) {
    const kind = eventKind(reach(model, cell, t), t.radius);
    if (kind === 'beyond') beyond++;
    else if (kind === 'fallback') {
      fellBack++;
      ms += full;
    } else ms += t.ms;
  }
  const msPerEvent = ms / heard.length;
  return {
    ...base, path, fallback: fellBack / heard.length, beyond: beyond / heard.length, msPerEvent,
    events: (heardPerS * msPerEvent) / 1000,
  };
}
