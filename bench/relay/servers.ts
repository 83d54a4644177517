/**
 * The two servers under test, each in processes of its own so the load generator never shares an
 * event loop with them: a real `wrangler dev` (workerd runs the Worker and the cell) and
 * PeerServer (`peer`) in a child Node process. Both bind 127.0.0.1 only. Also: free ports and the
 * CPU time of a process group, read from /proc.
 */
import type { ChildProcess } from 'node:child_process';
import { launch, stopper } from '../lib/process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
/** The repository root: wrangler.toml and node_modules/.bin live there. */
export const ROOT = resolve(HERE, '../..');
const READY_TIMEOUT_MS = 45_000;
/** Linux USER_HZ: /proc/<pid>/stat counts CPU time in these ticks. */
const CLOCK_TICKS_PER_S = 100;

export interface ServerProcess {
  /** Process-group id: the group holds every process of the server (wrangler + workerd). */
  pgid: number;
  /** CPU seconds used so far by each kind of process in the group (see `roleOf`). */
  cpuByRole(): Record<string, number>;
  stop(): Promise<void>;
  /** The last lines the server printed, for error messages. */
  log(): string;
  /** Whether the server's main process is still running. */
  alive(): boolean;
}

export interface WranglerServer extends ServerProcess {
  origin: string;
}

async function waitFor(check: () => Promise<boolean>, proc: ChildProcess, what: string, log: () => string): Promise<void> {
  const end = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < end) {
    if (proc.exitCode !== null) throw new Error(`${what} exited with ${proc.exitCode}:\n${log()}`);
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} not ready after ${READY_TIMEOUT_MS} ms:\n${log()}`);
}

/**
 * The project's wrangler.toml with `main` and the assets directory replaced: the bench runs a
 * snapshot of the Worker, in a temp dir, so concurrent edits to the source cannot make wrangler
 * reload it (and drop every cell socket) mid-run, and it needs no built client.
 */
export function snapshotConfig(toml: string, main: string, assetsDir: string): string {
  const out = toml.replace(/^main\s*=.*$/m, `main = ${JSON.stringify(main)}`).replace(/^directory\s*=.*$/m, `directory = ${JSON.stringify(assetsDir)}`);
  if (!out.includes(JSON.stringify(main))) throw new Error('wrangler.toml has no `main = …` line to replace');
  return out;
}

function wranglerEnv(): NodeJS.ProcessEnv {
  return { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', CI: '1' };
}

/** Bundles the Worker as it is now (`wrangler deploy --dry-run`) into `dir`; returns the config to run it. */
async function bundleSnapshot(dir: string): Promise<string> {
  const toml = readFileSync(join(ROOT, 'wrangler.toml'), 'utf8');
  const assets = join(dir, 'assets');
  mkdirSync(assets);
  const buildConfig = join(dir, 'build.toml');
  writeFileSync(buildConfig, snapshotConfig(toml, join(ROOT, 'worker/index.ts'), assets));
  const { proc, log } = launch(join(ROOT, 'node_modules/.bin/wrangler'), ['deploy', '--dry-run', '--outdir', join(dir, 'out'), '--config', buildConfig], wranglerEnv());
  const code = await new Promise<number | null>((r) => proc.once('exit', r));
  if (code !== 0) throw new Error(`wrangler deploy --dry-run failed (${code}):\n${log()}`);
  const devConfig = join(dir, 'wrangler.toml');
  writeFileSync(devConfig, snapshotConfig(toml, join(dir, 'out/index.js'), assets));
  return devConfig;
}

/**
 * Starts `wrangler dev` on 127.0.0.1:`port` over a bundled snapshot of the Worker, with state in
 * a fresh temp dir (all removed on stop); resolves once `/api/health` answers.
 */
export async function startWrangler(port: number): Promise<WranglerServer> {
  const dir = mkdtempSync(join(tmpdir(), 'wisp-bench-relay-'));
  const cleanup = (): void => rmSync(dir, { recursive: true, force: true });
  let config: string;
  try {
    config = await bundleSnapshot(dir);
  } catch (err) {
    cleanup();
    throw err;
  }
  const args = ['dev', '--config', config, '--no-bundle', '--ip', '127.0.0.1', '--port', String(port), '--persist-to', join(dir, 'state'), '--show-interactive-dev-session=false', '--log-level', 'warn'];
  // The binary itself, not npx: killing an npx wrapper would orphan workerd.
  const { proc, log } = launch(join(ROOT, 'node_modules/.bin/wrangler'), args, wranglerEnv());
  const origin = `http://127.0.0.1:${port}`;
  const stop = stopper(proc, cleanup);
  try {
    await waitFor(async () => (await fetch(`${origin}/api/health`)).ok, proc, 'wrangler dev', log);
  } catch (err) {
    await stop();
    throw err;
  }
  return { origin, pgid: proc.pid!, stop, log, alive: () => proc.exitCode === null && proc.signalCode === null, cpuByRole: () => groupCpuByRole(proc.pid!, port) };
}

/**
 * Starts `wrangler dev` over bench/relay/floor-worker.js (a bare hibernating relay Durable Object,
 * same compatibility date as the project) on 127.0.0.1:`port`.
 */
export async function startFloor(port: number): Promise<WranglerServer> {
  const dir = mkdtempSync(join(tmpdir(), 'wisp-bench-floor-'));
  const date = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(readFileSync(join(ROOT, 'wrangler.toml'), 'utf8'))?.[1] ?? '2026-04-26';
  copyFileSync(join(HERE, 'floor-worker.js'), join(dir, 'worker.js'));
  writeFileSync(
    join(dir, 'wrangler.toml'),
    ['name = "wisp-bench-floor"', 'main = "worker.js"', `compatibility_date = "${date}"`, '[[durable_objects.bindings]]', 'name = "FLOOR"', 'class_name = "Floor"', '[[migrations]]', 'tag = "v1"', 'new_sqlite_classes = ["Floor"]', ''].join('\n'),
  );
  // --no-bundle: no esbuild watcher. With one, a bench run with 1 000 bots saw esbuild rebuild
  // and wrangler reload the floor mid-run, closing every socket (state lived beside worker.js).
  const state = mkdtempSync(join(tmpdir(), 'wisp-bench-floor-state-'));
  const args = ['dev', '--config', join(dir, 'wrangler.toml'), '--no-bundle', '--ip', '127.0.0.1', '--port', String(port), '--persist-to', state, '--show-interactive-dev-session=false', '--log-level', 'warn'];
  const { proc, log } = launch(join(ROOT, 'node_modules/.bin/wrangler'), args, wranglerEnv());
  const origin = `http://127.0.0.1:${port}`;
  const stop = stopper(proc, () => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(state, { recursive: true, force: true });
  });
  try {
    await waitFor(async () => (await fetch(`${origin}/health`)).ok, proc, 'wrangler dev (floor)', log);
  } catch (err) {
    await stop();
    throw err;
  }
  return { origin, pgid: proc.pid!, stop, log, alive: () => proc.exitCode === null && proc.signalCode === null, cpuByRole: () => groupCpuByRole(proc.pid!, port) };
}

/** Starts PeerServer (`PeerServer({port, path})`) in a child Node process on 127.0.0.1:`port`. */
export async function startPeerServer(port: number, path: string): Promise<ServerProcess & { port: number }> {
  const { proc, log } = launch(process.execPath, [join(HERE, 'peer-server.mjs'), String(port), path], process.env);
  const stop = stopper(proc);
  try {
    await waitFor(async () => log().includes('peer-server ready'), proc, 'PeerServer', log);
  } catch (err) {
    await stop();
    throw err;
  }
  return { pgid: proc.pid!, port, stop, log, alive: () => proc.exitCode === null && proc.signalCode === null, cpuByRole: () => groupCpuByRole(proc.pid!, port) };
}

/** Pids whose process group is `pgid` (from /proc; empty off Linux). */
export function groupPids(pgid: number): number[] {
  const out: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const stat = readStat(Number(e));
    if (stat && stat.pgrp === pgid) out.push(Number(e));
  }
  return out;
}

function readStat(pid: number): { pgrp: number; cpuS: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)": state ppid pgrp … utime(14) stime(15); comm may hold spaces.
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { pgrp: Number(f[2]), cpuS: (Number(f[11]) + Number(f[12])) / CLOCK_TICKS_PER_S };
  } catch {
    return null;
  }
}

/**
 * What a process of a server group is: `wrangler dev` runs two workerd — the dev proxy that owns
 * the public port and forwards every request and WebSocket frame, and the runtime with the Worker
 * and its Durable Objects — under a Node wrangler process. Production has no dev proxy.
 */
export function roleOf(cmdline: string, port: number): string {
  if (cmdline.includes('workerd')) return cmdline.includes(`entry=127.0.0.1:${port} `) || cmdline.endsWith(`entry=127.0.0.1:${port}`) ? 'workerd dev proxy' : 'workerd runtime';
  if (cmdline.includes('peer-server.mjs')) return 'peerserver';
  if (cmdline.includes('esbuild')) return 'esbuild (wrangler watch)';
  if (cmdline.includes('wrangler')) return 'wrangler (node)';
  return 'other';
}

function groupCpuByRole(pgid: number, port: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const pid of groupPids(pgid)) {
    let cmd = '';
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
    } catch {
      continue;
    }
    const role = roleOf(cmd, port);
    out[role] = (out[role] ?? 0) + (readStat(pid)?.cpuS ?? 0);
  }
  return out;
}

/** CPU seconds (user + system) used so far by every live process of a group. */
export function groupCpuSeconds(pgid: number): number {
  let total = 0;
  for (const pid of groupPids(pgid)) total += readStat(pid)?.cpuS ?? 0;
  return total;
}

/** CPU seconds (all cores, everything but idle and iowait) the machine has spent since boot. */
export function machineCpuSeconds(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    // cpu user nice system idle iowait irq softirq steal guest guest_nice (guest is inside user)
    const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const busy = f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + f[7]!;
    return busy / CLOCK_TICKS_PER_S;
  } catch {
    return 0;
  }
}
