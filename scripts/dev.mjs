#!/usr/bin/env node
// `npm run dev`: build the client into dist/client, then serve page + API at one origin with
// `wrangler dev` on 127.0.0.1:8787, offline (no metrics, no cf.json fetch).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';

const PORT = process.env.PORT ?? '8787';
const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' };

if (!process.argv.includes('--no-build') && existsSync('vite.config.ts')) {
  const build = spawnSync('node_modules/.bin/vite', ['build', '--logLevel', 'warn'], { stdio: 'inherit', env });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
mkdirSync('dist/client', { recursive: true });

const extra = process.argv.slice(2).filter((a) => a !== '--no-build');
const child = spawn('node_modules/.bin/wrangler', ['dev', '--ip', '127.0.0.1', '--port', PORT, '--show-interactive-dev-session=false', ...extra], {
  stdio: 'inherit',
  env,
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
