/**
 * The relay bench's core, importable (the CLI in main.ts and the smoke test call it): start a
 * real `wrangler dev` and join N bots to one cell; give the same ids and neighbour pairs to the
 * floor (a bare DO relay in the same runtime) and to PeerServer; run the rate ladder on all three,
 * interleaved, then one step at half of Wisp's saturation rate on each.
 */
import { availableParallelism, cpus } from 'node:os';
import { RATE_PER_SECOND } from '../../core/protocol';
import { runSteps, type StepPlan } from './driver';
import { latticePositions } from './graph';
import type { BotNet } from './net';
import { connectPeerServer } from './peer-net';
import { connectFloor } from './floor-net';
import { freePort } from '../lib/process';
import { groupCpuSeconds, machineCpuSeconds, startFloor, startPeerServer, startWrangler, type ServerProcess } from './servers';
import { roundRate, saturation, summarise, type Saturation, type StepSummary } from './stats';
import { joinWisp } from './wisp-net';

export const PEER_PATH = '/bench';

export interface RelayBenchOptions {
  bots: number;
  /** The ladder of aggregate rates (msgs/s), rising. */
  rates: number[];
  stepMs: number;
  drainMs: number;
  /** A short unreported step first (JIT, socket buffers); 0 to skip. */
  warmupMs: number;
  /** Run the extra step at half of Wisp's saturation rate. */
  halfStep: boolean;
  /** Also load the floor: a bare hibernating DO relay in the same wrangler dev (floor-worker.js). */
  floor: boolean;
  /** Most time to spend waiting for a quiet machine before steps, and on re-running disturbed steps. */
  quietBudgetMs: number;
  log: (line: string) => void;
}

export const DEFAULT_OPTIONS: RelayBenchOptions = {
  // 1 000 bots keep the top step at 32 msgs/s per socket, under the cell's 40/s limit. On a quiet
  // 2-core machine none of the three saturates below 20 000 msgs/s; past that the machine (bench
  // included) runs out of CPU.
  bots: 1_000,
  rates: [250, 1_000, 2_000, 4_000, 8_000, 12_000, 16_000, 20_000, 24_000, 28_000, 32_000],
  stepMs: 4_000,
  drainMs: 3_000,
  warmupMs: 1_500,
  halfStep: true,
  floor: true,
  quietBudgetMs: 180_000,
  log: () => {},
};

export interface ServerRun {
  server: 'wisp' | 'floor' | 'peerserver';
  steps: StepSummary[];
  /** The step at `halfRate`, when run. */
  half: StepSummary | null;
  saturation: Saturation;
  /** Bot sockets the server closed during the run (should be 0). */
  closedSockets: number;
  /** ms to join/connect all bots. */
  joinMs: number;
  /** CPU seconds each kind of server process used over the ladder (servers.ts `roleOf`). */
  cpuByRole: Record<string, number>;
  /** Whether the server's main process was still running at the end. */
  alive: boolean;
}

export interface RelayBenchResult {
  date: string;
  /** `quietWaitMs`: time spent waiting for other processes to calm down; `reruns`: steps repeated for them. */
  machine: { nproc: number; node: string; cpu: string; otherLoadAtStart: number; quietWaitMs: number; reruns: number };
  options: Omit<RelayBenchOptions, 'log'>;
  cell: string;
  /** Directed neighbour edges, and checks on the graph the cell assigned. */
  graph: { edges: number; foreign: number; asymmetric: number; minDegree: number; maxDegree: number; topologyChanges: number };
  /** Highest per-bot send rate of the ladder; over RATE_PER_SECOND the cell's limiter drops messages. */
  maxPerBotRate: number;
  /** Half of Wisp's saturation rate; when Wisp never saturated, half of the top rate (a lower bound). */
  halfRate: number | null;
  halfRateIsLowerBound: boolean;
  wisp: ServerRun;
  /** The bare DO relay, when run (`floor` option). */
  floor: ServerRun | null;
  peerserver: ServerRun;
}

function plansFor(o: RelayBenchOptions): { warmup: StepPlan[]; ladder: StepPlan[] } {
  return {
    warmup: o.warmupMs > 0 ? [{ label: 'warm-up', rate: Math.min(o.rates[0] ?? 100, 200), durationMs: o.warmupMs }] : [],
    ladder: o.rates.map((rate) => ({ label: String(rate), rate, durationMs: o.stepMs })),
  };
}

async function runOn(net: BotNet, plans: StepPlan[], o: RelayBenchOptions, pgid: number): Promise<StepSummary[]> {
  const records = await runSteps(net, plans, { drainMs: o.drainMs, serverCpuSeconds: () => groupCpuSeconds(pgid), machineCpuSeconds, gapMs: 250 });
  return records.map(summarise);
}

function logStep(o: RelayBenchOptions, server: string, s: StepSummary): void {
  o.log(`  ${server} ${s.label.padStart(8)}: sent ${s.sentPerS.toFixed(0)}/s delivered ${s.deliveredPerS.toFixed(0)}/s p50 ${s.p50.toFixed(2)} ms p99 ${s.p99.toFixed(2)} ms errors ${s.errorCount} lost ${s.lost} server CPU ${s.serverCpu.toFixed(0)}% bench CPU ${s.clientCpu.toFixed(0)}% other CPU ${s.otherCpu.toFixed(0)}%${s.tracking ? '' : '  (does not track)'}`);
}

/** One server under load: its processes, its bots, and what it measured so far. */
interface Target {
  server: ServerProcess;
  net: BotNet;
  joinMs: number;
  steps: StepSummary[];
  half: StepSummary | null;
  cpuByRole: Record<string, number>;
}

/**
 * Runs one step on one target (ladder steps add to the target's CPU split). On a shared machine
 * it first waits for other processes to calm down, and repeats a step they disturbed once — both
 * out of a bounded budget (`quietBudgetMs`), so the bench stays bounded in time.
 */
async function stepOn(t: Target, plan: StepPlan, o: RelayBenchOptions, gate: QuietGate, ladder: boolean): Promise<StepSummary> {
  let s: StepSummary | null = null;
  for (let attempt = 0; attempt < 2; attempt++) {
    await gate.wait();
    const before = t.server.cpuByRole();
    s = (await runOn(t.net, [plan], o, t.server.pgid))[0]!;
    if (ladder) for (const [role, sec] of Object.entries(t.server.cpuByRole())) t.cpuByRole[role] = (t.cpuByRole[role] ?? 0) + sec - (before[role] ?? 0);
    logStep(o, t.net.server, s);
    if (s.delivered === 0) o.log(`    ${t.net.server} delivered nothing: ${t.net.closed()} bot sockets closed, server ${t.server.alive() ? 'running' : 'exited'}; its last output:\n${t.server.log()}`);
    if (s.otherCpu <= NOISY_OTHER_CPU || gate.left() <= 0) break;
    gate.retries++;
    gate.waitedMs += o.stepMs; // a re-run spends the same budget
    o.log(`    (other processes used ${s.otherCpu.toFixed(0)}% of a core during that step: once more)`);
  }
  return s!;
}

/** A step during which other processes used more than this (% of one core) is run once more. */
const NOISY_OTHER_CPU = 40;
/** Before a step, wait until other processes use less than this (% of one core)… */
const QUIET_OTHER_CPU = 25;
/** …measured over this long. */
const QUIET_SAMPLE_MS = 500;

interface QuietGate {
  wait(): Promise<void>;
  left(): number;
  waitedMs: number;
  retries: number;
}

function quietGate(budgetMs: number): QuietGate {
  const gate: QuietGate = {
    waitedMs: 0,
    retries: 0,
    left: () => budgetMs - gate.waitedMs,
    async wait(): Promise<void> {
      while (gate.left() > 0) {
        const t0 = performance.now();
        const busy = await otherLoad(QUIET_SAMPLE_MS);
        if (busy < QUIET_OTHER_CPU) return;
        gate.waitedMs += performance.now() - t0;
      }
    },
  };
  return gate;
}

/** Each rate on every server before the next rate, starting with a different server each time. */
async function interleave(targets: Target[], index: number, run: (t: Target) => Promise<void>): Promise<void> {
  for (let k = 0; k < targets.length; k++) await run(targets[(index + k) % targets.length]!);
}

function toRun(t: Target): ServerRun {
  return { server: t.net.server, steps: t.steps, half: t.half, saturation: saturation(t.steps), closedSockets: t.net.closed(), joinMs: t.joinMs, cpuByRole: t.cpuByRole, alive: t.server.alive() };
}

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const v = await f();
  return [v, performance.now() - t0];
}

/**
 * Runs the whole comparison. All servers are up together (idle ones cost nothing) and the steps
 * are interleaved — rate by rate, server by server — so load from anything else on the machine
 * falls on all of them alike. Always stops every server it started, also on failure.
 */
export async function runRelayBench(options: Partial<RelayBenchOptions> = {}): Promise<RelayBenchResult> {
  const o: RelayBenchOptions = { ...DEFAULT_OPTIONS, ...options };
  const maxPerBotRate = Math.max(...o.rates) / o.bots;
  if (maxPerBotRate > RATE_PER_SECOND) o.log(`warning: ${maxPerBotRate.toFixed(1)} msgs/s per bot is over the cell's limit of ${RATE_PER_SECOND}/s: expect rate_limited`);
  const idle = await otherLoad();
  o.log(`machine: other processes use ${idle.toFixed(0)}% of a core before the start${idle > 20 ? ' — the numbers will be noisy' : ''}`);

  const servers: ServerProcess[] = [];
  const targets: Target[] = [];
  const start = async <S extends ServerProcess>(what: string, f: (port: number) => Promise<S>): Promise<S> => {
    const port = await freePort();
    o.log(`${what}: 127.0.0.1:${port}`);
    const s = await f(port);
    servers.push(s);
    return s;
  };
  const target = (server: ServerProcess, net: BotNet, joinMs: number): Target => {
    const t: Target = { server, net, joinMs, steps: [], half: null, cpuByRole: {} };
    targets.push(t);
    return t;
  };
  try {
    // Wisp first: the bots join through the real protocol and the cell assigns the pairs.
    const wrangler = await start('wisp (wrangler dev)', startWrangler);
    const [wispNet, wispJoin] = await timed(() => joinWisp(wrangler.origin, latticePositions(o.bots)));
    const wisp = target(wrangler, wispNet, wispJoin);
    const degrees = wispNet.neighbours.map((l) => l.length);
    o.log(`wisp: ${wispNet.ids.length} bots joined cell ${wispNet.cell} in ${(wispJoin / 1_000).toFixed(1)} s; ${wispNet.graph.edges} directed edges, degree ${Math.min(...degrees)}..${Math.max(...degrees)}`);
    const { ids, neighbours } = wispNet;
    // The same ids and pairs on the floor and on PeerServer.
    let floor: Target | null = null;
    if (o.floor) {
      const f = await start('floor (wrangler dev)', startFloor);
      floor = target(f, ...(await timed(() => connectFloor(f.origin, ids, neighbours))));
    }
    const peer = await start(`peerserver (${PEER_PATH})`, (port) => startPeerServer(port, PEER_PATH));
    const peerserver = target(peer, ...(await timed(() => connectPeerServer(peer.port, PEER_PATH, ids, neighbours))));

    const { warmup, ladder } = plansFor(o);
    const gate = quietGate(o.quietBudgetMs);
    for (const t of targets) await runOn(t.net, warmup, o, t.server.pgid);
    for (const [i, plan] of ladder.entries()) await interleave(targets, i, async (t) => void t.steps.push(await stepOn(t, plan, o, gate, true)));
    const sat = saturation(wisp.steps);
    const halfRate = o.halfStep ? roundRate(sat.rate / 2) : null;
    if (halfRate !== null) {
      const plan: StepPlan = { label: `½ sat ${halfRate}`, rate: halfRate, durationMs: o.stepMs };
      await interleave(targets, 0, async (t) => void (t.half = await stepOn(t, plan, o, gate, false)));
    }

    const { log: _log, ...rest } = o;
    return {
      date: new Date().toISOString(),
      machine: { nproc: availableParallelism(), node: process.version, cpu: cpus()[0]?.model ?? 'unknown', otherLoadAtStart: idle, quietWaitMs: gate.waitedMs, reruns: gate.retries },
      options: rest,
      cell: wispNet.cell,
      graph: { ...wispNet.graph, minDegree: Math.min(...degrees), maxDegree: Math.max(...degrees), topologyChanges: wispNet.topologyChanges() },
      maxPerBotRate,
      halfRate,
      halfRateIsLowerBound: halfRate !== null && !sat.saturated,
      wisp: toRun(wisp),
      floor: floor ? toRun(floor) : null,
      peerserver: toRun(peerserver),
    };
  } finally {
    for (const t of targets) await t.net.close();
    for (const s of servers.reverse()) await s.stop();
  }
}

/** % of one core that processes other than this one used over the next `ms`. */
async function otherLoad(ms = 1_000): Promise<number> {
  const m0 = machineCpuSeconds();
  const own0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  const own = process.cpuUsage(own0);
  const wall = (performance.now() - t0) / 1_000;
  return Math.max(0, (100 * (machineCpuSeconds() - m0 - (own.user + own.system) / 1e6)) / wall);
}
