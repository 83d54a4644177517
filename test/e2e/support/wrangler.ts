/**
 * Starts and stops a real `wrangler dev` (page + API at one origin) for end-to-end tests. Binds
 * 127.0.0.1 only; state persists in a directory of the test's own, so a restart keeps it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const READY_TIMEOUT_MS = 30_000;

export interface DevServer {
  origin: string;
  port: number;
  persistDir: string;
  stop(): Promise<void>;
  restart(): Promise<void>;
}

async function waitHealthy(origin: string, timeoutMs: number, proc: ChildProcess, log: () => string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (proc.exitCode !== null) throw new Error(`wrangler dev exited with ${proc.exitCode}:\n${log()}`);
    try {
      const res = await fetch(`${origin}/api/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`wrangler dev not healthy after ${timeoutMs} ms:\n${log()}`);
}

export interface DevOptions {
  /** Address to bind (default 127.0.0.1). */
  ip?: string;
  /** Command prefix, e.g. `ip netns exec NAME`, to run wrangler in another namespace. */
  wrap?: string[];
  persistDir?: string;
}

/** Starts `wrangler dev` on `port` with extra `--var`s; resolves when /api/health answers. */
export async function startDev(port: number, vars: Record<string, string> = {}, opts: DevOptions = {}): Promise<DevServer> {
  const ip = opts.ip ?? '127.0.0.1';
  const persistDir = opts.persistDir ?? mkdtempSync(join(tmpdir(), 'wisp-e2e-'));
  const origin = `http://${ip}:${port}`;
  let proc: ChildProcess;
  let output = '';
  const launch = async (): Promise<void> => {
    output = '';
    const args = ['dev', '--ip', ip, '--port', String(port), '--persist-to', persistDir, '--show-interactive-dev-session=false'];
    for (const [k, v] of Object.entries(vars)) args.push('--var', `${k}:${v}`);
    // exec the binary directly: killing an npx wrapper would orphan workerd (TOOLCHAIN.md)
    const cmd = [...(opts.wrap ?? []), 'node_modules/.bin/wrangler', ...args];
    proc = spawn(cmd[0]!, cmd.slice(1), {
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', CI: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    proc.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    await waitHealthy(origin, READY_TIMEOUT_MS, proc, () => output.slice(-4000));
  };
  const stop = async (): Promise<void> => {
    if (proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    try {
      process.kill(-proc.pid!, 'SIGTERM'); // the whole group: wrangler and its workerd
    } catch {
      proc.kill('SIGTERM');
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    if (proc.exitCode === null) {
      try {
        process.kill(-proc.pid!, 'SIGKILL');
      } catch {
        // gone
      }
    }
  };
  await launch();
  return { origin, port, persistDir, stop, restart: async () => { await stop(); await launch(); } };
}
