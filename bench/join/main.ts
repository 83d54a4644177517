/**
 * `npm run bench:join [-- --joins 30] [-- --dist]`: join → first open data channel for Wisp,
 * PeerJS + PeerServer and the in-page floor, in headless Chromium; prints markdown tables.
 * `--dist` serves dist/client as it is instead of building the current client into a temp dir.
 */
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ensureIsolated } from '../browser/netns';
import { machineLine } from '../browser/report';
import { buildClient, clientOrBuild } from '../browser/servers';
import { runJoinBench } from './bench';
import { fullReport } from './report';

ensureIsolated();
const { values } = parseArgs({ options: { joins: { type: 'string', default: '30' }, dist: { type: 'boolean', default: false } } });
const joins = Number(values.joins);
if (!Number.isInteger(joins) || joins < 1) throw new Error(`--joins must be a positive integer, got ${values.joins}`);

const assetsDir = values.dist ? await clientOrBuild() : await buildClient();
try {
  const result = await runJoinBench({ joins, assetsDir, log: (line) => console.error(line) });
  console.log(`## bench/join\n\n\`npm run bench:join${joins === 30 ? '' : ` -- --joins ${joins}`}\` — ${machineLine()}; ${(result.wallMs / 1000).toFixed(0)} s\n`);
  console.log(fullReport(result));
} finally {
  if (!values.dist) rmSync(assetsDir, { recursive: true, force: true });
}
