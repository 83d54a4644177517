/**
 * `npm run bench:mesh [-- --sizes 8,16,32] [-- --reps 3] [-- --dist]`: N Chromium pages join one
 * `wrangler dev` at places over the continents; time to full mesh and signalling messages, against
 * the same pairs over a forward-only relay. Prints markdown tables.
 * `--dist` serves dist/client as it is instead of building the current client into a temp dir.
 */
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ensureIsolated } from '../browser/netns';
import { machineLine } from '../browser/report';
import { buildClient, clientOrBuild } from '../browser/servers';
import { runMeshBench } from './bench';
import { MAX_PLACES } from './places';
import { fullReport } from './report';

ensureIsolated();
const { values } = parseArgs({ options: { sizes: { type: 'string', default: '8,16,32' }, reps: { type: 'string', default: '3' }, dist: { type: 'boolean', default: false } } });
const sizes = values.sizes.split(',').map(Number);
const reps = Number(values.reps);
if (sizes.some((n) => !Number.isInteger(n) || n < 2 || n > MAX_PLACES)) throw new Error(`--sizes: integers in 2…${MAX_PLACES}, got ${values.sizes}`);
if (!Number.isInteger(reps) || reps < 1) throw new Error(`--reps must be a positive integer, got ${values.reps}`);

const assetsDir = values.dist ? await clientOrBuild() : await buildClient();
try {
  const result = await runMeshBench({ sizes, reps, assetsDir, log: (line) => console.error(line) });
  const args = [values.sizes === '8,16,32' ? '' : ` --sizes ${values.sizes}`, values.reps === '3' ? '' : ` --reps ${values.reps}`].join('');
  console.log(`## bench/mesh\n\n\`npm run bench:mesh${args ? ` --${args}` : ''}\` — ${machineLine()}; ${(result.wallMs / 1000).toFixed(0)} s\n`);
  console.log(fullReport(result));
} finally {
  if (!values.dist) rmSync(assetsDir, { recursive: true, force: true });
}
