/** Starting helper processes for the benches. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

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
