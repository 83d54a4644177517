/** Starting helper processes for the benches. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** After SIGTERM, how long a server group gets before SIGKILL. */
const STOP_GRACE_MS = 5_000;

/** The repository root (benches run their tools from there). */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Spawns `cmd` detached — a process group of its own, so stopping it reaches workerd too
 * (TOOLCHAIN.md) — keeping the tail of its output for error messages.
 */
export function launch(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): { proc: ChildProcess; log: () => string } {
  let output = '';
  const proc = spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const keep = (d: Buffer): void => {
    output = (output + d.toString()).slice(-8_000);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  return { proc, log: () => output.slice(-4_000) };
}

/** A port nobody listens on right now (127.0.0.1). */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => res(port));
    });
  });
}

/** Sends `signal` to a whole process group (launch() makes one per server). */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is gone
  }
}

/**
 * A stop function for a launched server: SIGTERM to the whole group, then SIGKILL (workerd may
 * outlive its parent by a moment), then `cleanup`. Calling it again waits for the same stop.
 */
export function stopper(proc: ChildProcess, cleanup: () => void = () => {}): () => Promise<void> {
  let stopped: Promise<void> | null = null;
  return () =>
    (stopped ??= (async () => {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        signalGroup(proc.pid!, 'SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, STOP_GRACE_MS))]);
      }
      signalGroup(proc.pid!, 'SIGKILL');
      cleanup();
    })());
}
