/**
 * The servers the browser benches start, each in a process group of its own so `stop()` reaches
 * every child (wrangler's workerd too, TOOLCHAIN.md): a `wrangler dev` over a snapshot of the
 * Worker and of the client build, and PeerServer (the `peer` package) as the PeerJS baseline.
 * Everything binds 127.0.0.1.
 *
 * The snapshot matters because other people edit the repository while a bench runs: wrangler dev
 * reloads the Worker (and drops every cell socket) when a source file changes, and `vite build`
 * empties dist/client. The bench bundles the Worker once and builds the client into its own
 * temp dir, so nothing anyone saves mid-run can disturb it.
 */
import type { ChildProcess } from 'node:child_process';
import { freePort, launch, stopper } from '../lib/process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: wrangler.toml and node_modules/.bin live there. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const READY_TIMEOUT_MS = 45_000;
/**
 * Where the bench's ICE servers point: a loopback port nobody answers on. `STUN_URLS` cannot be
 * empty (the Worker falls back to public STUN), and public STUN hostnames would mean DNS look-ups;
 * this keeps every candidate a loopback host candidate, like the baselines' `iceServers: []`.
 */
export const BENCH_STUN_URL = 'stun:127.0.0.1:9';

export interface Server {
  origin: string;
  port: number;
  /** The last lines the server printed, for error messages. */
  log(): string;
  stop(): Promise<void>;
}

function quietEnv(): NodeJS.ProcessEnv {
  return { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', CI: '1' };
}


function exited(proc: ChildProcess): Promise<number | null> {
  return proc.exitCode !== null ? Promise.resolve(proc.exitCode) : new Promise((r) => proc.once('exit', r));
}

async function waitReady(url: string, proc: ChildProcess, what: string, log: () => string): Promise<void> {
  const end = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < end) {
    if (proc.exitCode !== null) throw new Error(`${what} exited with ${proc.exitCode}:\n${log()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} not ready after ${READY_TIMEOUT_MS} ms:\n${log()}`);
}

/** The built client (page, assets, /wisp-mesh.js) in dist/client, as `npm run build` leaves it. */
export const DIST_CLIENT = join(ROOT, 'dist/client');

/**
 * Builds the client with `vite build` into `outDir` (default: a fresh temp dir, so a concurrent
 * build of dist/client cannot empty it under the bench). Returns the directory.
 */
export async function buildClient(outDir = mkdtempSync(join(tmpdir(), 'wisp-bench-client-'))): Promise<string> {
  const { proc, log } = launch(join(ROOT, 'node_modules/.bin/vite'), ['build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], quietEnv());
  const code = await exited(proc);
  if (code !== 0) throw new Error(`vite build failed (${code}):\n${log()}`);
  return outDir;
}

/** dist/client when it holds the library, else a build into it (what the smoke tests use). */
export async function clientOrBuild(): Promise<string> {
  if (existsSync(join(DIST_CLIENT, 'wisp-mesh.js')) && existsSync(join(DIST_CLIENT, 'index.html'))) return DIST_CLIENT;
  return buildClient(DIST_CLIENT);
}

/** The project's wrangler.toml with `main` and the assets directory replaced. */
export function snapshotConfig(toml: string, main: string, assetsDir: string): string {
  const out = toml
    .replace(/^main\s*=.*$/m, `main = ${JSON.stringify(main)}`)
    .replace(/^directory\s*=.*$/m, `directory = ${JSON.stringify(assetsDir)}`);
  if (!out.includes(`main = ${JSON.stringify(main)}`)) throw new Error('wrangler.toml has no `main = …` line to replace');
  if (!out.includes(`directory = ${JSON.stringify(assetsDir)}`)) throw new Error('wrangler.toml has no assets `directory = …` line to replace');
  return out;
}

export interface WispServerOptions {
  /** The built client to serve (see buildClient / clientOrBuild). */
  assetsDir: string;
  /** Extra `--var`s; STUN_URLS defaults to BENCH_STUN_URL. */
  vars?: Record<string, string>;
  port?: number;
}

/**
 * `wrangler dev` (page + API at one origin) over a bundled snapshot of the Worker, with state in
 * a fresh temp dir removed on stop. Resolves once `/api/health` answers.
 */
export async function startWisp(opts: WispServerOptions): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), 'wisp-bench-dev-'));
  const cleanup = (): void => rmSync(dir, { recursive: true, force: true });
  const toml = readFileSync(join(ROOT, 'wrangler.toml'), 'utf8');
  const build = join(dir, 'build.toml');
  writeFileSync(build, snapshotConfig(toml, join(ROOT, 'worker/index.ts'), opts.assetsDir));
  const bundle = launch(join(ROOT, 'node_modules/.bin/wrangler'), ['deploy', '--dry-run', '--outdir', join(dir, 'out'), '--config', build], quietEnv());
  const code = await exited(bundle.proc);
  if (code !== 0) {
    cleanup();
    throw new Error(`wrangler deploy --dry-run failed (${code}):\n${bundle.log()}`);
  }
  const config = join(dir, 'wrangler.toml');
  writeFileSync(config, snapshotConfig(toml, join(dir, 'out/index.js'), opts.assetsDir));
  const port = opts.port ?? (await freePort());
  const args = ['dev', '--config', config, '--no-bundle', '--ip', '127.0.0.1', '--port', String(port), '--persist-to', join(dir, 'state'),
    '--show-interactive-dev-session=false', '--log-level', 'warn'];
  for (const [k, v] of Object.entries({ STUN_URLS: BENCH_STUN_URL, ...opts.vars })) args.push('--var', `${k}:${v}`);
  // The binary itself, not npx: killing an npx wrapper would orphan workerd (TOOLCHAIN.md).
  const { proc, log } = launch(join(ROOT, 'node_modules/.bin/wrangler'), args, quietEnv());
  const origin = `http://127.0.0.1:${port}`;
  const stop = stopper(proc, cleanup);
  try {
    await waitReady(`${origin}/api/health`, proc, 'wrangler dev', log);
  } catch (err) {
    await stop();
    throw err;
  }
  return { origin, port, log, stop };
}

/** PeerServer's own script, run by a child Node process: `node -e … PORT`. */
const PEER_SERVER_SCRIPT = `
const { PeerServer } = require('peer');
const port = Number(process.argv[1]);
const server = PeerServer({ port, path: '/', host: '127.0.0.1' }, () => console.log('peer-server ready'));
server.on('error', (err) => console.error('peer-server error', err));
process.on('SIGTERM', () => process.exit(0));
`;

/**
 * PeerServer with its defaults (key `peerjs`, path `/`) in a Node process of its own, so it never
 * shares an event loop with the bench. Resolves once `GET /` answers.
 */
export async function startPeerServer(port?: number): Promise<Server> {
  const p = port ?? (await freePort());
  const { proc, log } = launch(process.execPath, ['-e', PEER_SERVER_SCRIPT, String(p)], quietEnv());
  const origin = `http://127.0.0.1:${p}`;
  const stop = stopper(proc);
  try {
    await waitReady(`${origin}/`, proc, 'PeerServer', log);
  } catch (err) {
    await stop();
    throw err;
  }
  return { origin, port: p, log, stop };
}

/**
 * A plain-JavaScript Node server of the bench's own (e.g. bench/mesh/bare-relay.mjs) in a process
 * of its own: `node FILE PORT`. Resolves once `readyPath` answers 200.
 */
export async function startNodeServer(file: string, readyPath = '/', port?: number): Promise<Server> {
  const p = port ?? (await freePort());
  const { proc, log } = launch(process.execPath, [file, String(p)], quietEnv());
  const origin = `http://127.0.0.1:${p}`;
  const stop = stopper(proc);
  try {
    await waitReady(`${origin}${readyPath}`, proc, file, log);
  } catch (err) {
    await stop();
    throw err;
  }
  return { origin, port: p, log, stop };
}
