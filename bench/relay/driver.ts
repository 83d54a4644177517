/**
 * The load generator: runs steps of a given aggregate rate over a BotNet and records, per step,
 * what was sent, what arrived (latency from the stamp in the text), errors and CPU. Message j of a
 * step leaves at start + j/rate from bot j mod N to that bot's next neighbour (round robin), so
 * every bot sends rate/N msgs/s and every directed edge sees the same mix of descriptions and
 * candidate batches.
 */
import type { BotNet } from './net';
import type { StepRecord } from './stats';
import { dueCount, makeSignal, parseStamp, stepTotal } from './traffic';

/** Timer period of the pacing loop. Node's floor is ~1 ms; finer would spin a core. */
const TICK_MS = 1;
const DRAIN_POLL_MS = 20;

export interface StepPlan {
  label: string;
  rate: number;
  durationMs: number;
}

export interface DriverOptions {
  /** After the send window, wait at most this long for stragglers before counting losses. */
  drainMs: number;
  /** CPU seconds used so far by the server's processes. */
  serverCpuSeconds: () => number;
  /** CPU seconds used so far by the whole machine (to see load from anything else). */
  machineCpuSeconds?: () => number;
  /** Pause between steps, so one step's tail does not load the next. */
  gapMs?: number;
}

/**
 * Step ids and sequence numbers are unique in the process, across runSteps calls: a straggler of
 * an earlier call (the warm-up, say) can never be counted in a later step.
 */
let nextStepId = 0;
let nextSeq = 0;

interface Live {
  record: StepRecord;
  /** Set after the drain: later arrivals are not counted (they are losses of that step). */
  closed: boolean;
  /** performance.now() when the step started. */
  first: number;
  count: number;
  lastArrival: number;
}

/** Runs `plans` one after another on `net` and returns one record per plan. */
export async function runSteps(net: BotNet, plans: readonly StepPlan[], opts: DriverOptions): Promise<StepRecord[]> {
  const senders = net.neighbours.map((list, i) => (list.length > 0 ? i : -1)).filter((i) => i >= 0);
  if (senders.length === 0) throw new Error('no bot has a neighbour: nothing to send');
  const nextNeighbour = new Uint32Array(net.ids.length);
  const edgeCounter = net.neighbours.map((list) => new Uint32Array(list.length));
  const seen = net.ids.map(() => new Set<number>());
  const lives = new Map<number, Live>();
  let current: Live | null = null;

  net.handlers = {
    signal(to, fromId, text, at) {
      const s = parseStamp(text);
      const live = s ? lives.get(s.step) : undefined;
      if (!s) return void (current && current.record.misrouted++);
      // A straggler of an earlier call or of a drained step: already counted as lost there.
      if (!live || live.closed) return;
      const r = live.record;
      if (net.ids[s.sender] !== fromId || !net.neighbours[s.sender]!.includes(to)) r.misrouted++;
      if (seen[s.sender]!.has(s.seq)) return void r.duplicates++;
      seen[s.sender]!.add(s.seq);
      r.arrivals[live.count] = at - live.first;
      r.latencies[live.count++] = at - s.t;
      r.delivered++;
      live.lastArrival = at;
    },
    error(_at, code) {
      if (current) current.record.errors[code] = (current.record.errors[code] ?? 0) + 1;
    },
  };

  const sendOne = (step: number, j: number): void => {
    const from = senders[j % senders.length]!;
    const list = net.neighbours[from]!;
    const k = nextNeighbour[from]!++ % list.length;
    const to = list[k]!;
    const t = performance.now();
    const signal = makeSignal(edgeCounter[from]![k]!++, net.ids[from]!, net.ids[to]!, { step, sender: from, seq: nextSeq++, t });
    net.send(from, to, signal);
  };

  const out: StepRecord[] = [];
  for (const plan of plans) {
    const step = nextStepId++;
    const total = stepTotal(plan.rate, plan.durationMs);
    const record: StepRecord = {
      label: plan.label, offered: plan.rate, durationMs: plan.durationMs, bots: net.ids.length,
      sent: 0, sendSpanMs: 0, delivered: 0, deliverSpanMs: 0, latencies: new Float64Array(total), arrivals: new Float64Array(total),
      errors: {}, misrouted: 0, duplicates: 0, serverCpu: 0, clientCpu: 0, otherCpu: 0,
    };
    const live: Live = { record, closed: false, first: 0, count: 0, lastArrival: 0 };
    lives.set(step, live);
    current = live;
    const cpu0 = opts.serverCpuSeconds();
    const machine0 = opts.machineCpuSeconds?.() ?? 0;
    const own0 = process.cpuUsage();
    const t0 = performance.now();
    live.first = t0;
    await new Promise<void>((resolve) => {
      const tick = (): void => {
        const due = dueCount(performance.now() - t0, plan.rate, total);
        while (record.sent < due) sendOne(step, record.sent++);
        if (record.sent >= total) return resolve();
        setTimeout(tick, TICK_MS);
      };
      tick();
    });
    record.sendSpanMs = performance.now() - t0;
    const drainEnd = performance.now() + opts.drainMs;
    const errorsNow = (): number => Object.values(record.errors).reduce((a, b) => a + b, 0);
    while (record.delivered + errorsNow() < record.sent && performance.now() < drainEnd) {
      await new Promise((r) => setTimeout(r, DRAIN_POLL_MS));
    }
    const wall = (performance.now() - t0) / 1_000;
    const own = process.cpuUsage(own0);
    record.serverCpu = (100 * (opts.serverCpuSeconds() - cpu0)) / wall;
    record.clientCpu = (100 * (own.user + own.system)) / 1e6 / wall;
    const machine = ((opts.machineCpuSeconds?.() ?? 0) - machine0) / wall;
    record.otherCpu = opts.machineCpuSeconds ? Math.max(0, 100 * machine - record.serverCpu - record.clientCpu) : 0;
    record.deliverSpanMs = live.lastArrival > 0 ? live.lastArrival - t0 : 0;
    record.latencies = record.latencies.subarray(0, live.count);
    record.arrivals = record.arrivals.subarray(0, live.count);
    live.closed = true;
    out.push(record);
    if (opts.gapMs) await new Promise((r) => setTimeout(r, opts.gapMs));
  }
  current = null;
  return out;
}
