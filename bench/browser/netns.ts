/**
 * The browser benches run inside a private network namespace (TOOLCHAIN.md): servers bind
 * 127.0.0.1 and Chromium's mDNS/DNS chatter never leaves the machine. `npm run bench:*` may be
 * started either way; outside one, the CLI re-executes itself under `unshare`, as `npm test` does.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * True when the only network interface is loopback. Read from /proc/self/net/dev, which follows
 * the process's namespace (/sys/class/net follows the namespace sysfs was mounted in).
 */
export function isolated(): boolean {
  try {
    const names = readFileSync('/proc/self/net/dev', 'utf8').split('\n').slice(2).map((l) => l.split(':')[0]!.trim()).filter(Boolean);
    return names.every((n) => n === 'lo');
  } catch {
    return false;
  }
}

/**
 * Returns normally when already isolated; otherwise runs this same process again inside
 * `unshare -n` (root) or `unshare -rn` and exits with its status.
 */
export function ensureIsolated(): void {
  if (isolated()) return;
  if (process.env.WISP_BENCH_NETNS === '1') throw new Error('still not in a private network namespace after unshare');
  const argv = [process.execPath, ...process.execArgv, ...process.argv.slice(1)];
  const quoted = argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const flags = process.getuid?.() === 0 ? ['-n'] : ['-rn'];
  console.error(`(not in a private network namespace: re-running under unshare ${flags.join(' ')})`);
  const r = spawnSync('unshare', [...flags, 'sh', '-c', `ip link set lo up && exec ${quoted}`], {
    stdio: 'inherit',
    env: { ...process.env, WISP_BENCH_NETNS: '1' },
  });
  if (r.error || r.status === null) {
    console.error(`could not enter a private network namespace (${r.error?.message ?? r.signal}); run as root or enable user namespaces`);
    process.exit(1);
  }
  process.exit(r.status);
}
