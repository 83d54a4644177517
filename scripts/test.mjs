#!/usr/bin/env node
// `npm test`: every vitest project, inside a private network namespace so that servers bind only
// loopback and Chromium's mDNS/DNS chatter never leaves the machine. Root uses `unshare -n`;
// others `unshare -rn`. If neither works the run fails: end-to-end tests are never skipped.
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const vitest = ['node_modules/.bin/vitest', 'run', ...args];

/**
 * With no arguments the projects run in stages, not all at once: the browser, TURN and benchmark
 * smoke tests each start servers and Chromium, and on 2 cores they would starve one another.
 */
const STAGES = [['core', 'client', 'workers'], ['e2e'], ['bench-smoke']];

if (process.env.WISP_NETNS === '1') {
  const runs = args.length > 0 ? [args] : STAGES.map((names) => names.flatMap((n) => ['--project', n]));
  for (const run of runs) {
    const r = spawnSync(vitest[0], ['run', ...run], { stdio: 'inherit' });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
  process.exit(0);
}

const quoted = vitest.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
const inner = `ip link set lo up && WISP_NETNS=1 exec ${quoted}`;
const flags = process.getuid?.() === 0 ? ['-n'] : ['-rn'];
const r = spawnSync('unshare', [...flags, 'sh', '-c', inner], {
  stdio: 'inherit',
  env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
});
if (r.error || r.status === null) {
  console.error(`npm test: could not enter a private network namespace (${r.error?.message ?? r.signal}).`);
  console.error('Run as root, or enable unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1).');
  process.exit(1);
}
process.exit(r.status);
