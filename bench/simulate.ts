/**
 * `npm run bench:simulate [-- --peers 100000,1000000 --cell-deg 1,2,4,8 --events 3000 --local-timings 1000 --routes 2000 --seed 1]`
 *
 * The whole world in one process with the same core/ code the cells run: prints markdown tables
 * (docs/benchmarks.md holds the latest) and exits 0.
 */
import { cpus } from 'node:os';
import { DEFAULT_CELL_DEG } from '../core/config';
import { loadCities } from './lib/population';
import { formatTable } from './lib/table';
import { simulateTables, simulateTargets } from './simulate-report';
import { DEFAULTS, runSimulation, type RunResult } from './simulate-run';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const nums = (s: string | undefined, d: number[]): number[] => (s ? s.split(',').map(Number) : d);

const sizes = nums(arg('peers'), [100_000, 1_000_000]);
const cellDegs = nums(arg('cell-deg'), DEFAULTS.cellDegs);
const t0 = performance.now();
console.log(`# bench/simulate — ${new Date().toISOString().slice(0, 10)}, node ${process.version}, ${cpus().length} cpus (${cpus()[0]?.model ?? '?'})\n`);
const cities = loadCities();
const runs: RunResult[] = [];
for (const peers of sizes) {
  runs.push(
    runSimulation(cities, {
      ...DEFAULTS, peers, cellDegs,
      events: Number(arg('events') ?? DEFAULTS.events),
      localTimings: Number(arg('local-timings') ?? DEFAULTS.localTimings),
      routes: Number(arg('routes') ?? DEFAULTS.routes),
      seed: Number(arg('seed') ?? DEFAULTS.seed),
    }, (s) => console.error(`[${((performance.now() - t0) / 1000).toFixed(0)} s] ${s}`)),
  );
}
for (const t of simulateTables(runs)) console.log(formatTable(t));
console.log(formatTable(simulateTargets(runs, DEFAULT_CELL_DEG)));
console.log(`total ${((performance.now() - t0) / 1000).toFixed(0)} s`);
