/**
 * `npm run bench:topology [-- --sizes 1000,10000,100000 --cell-deg 4 --seed 1]`
 *
 * Cost of a join and of a leave in a dense cell, as the cell computes it, against recomputing
 * the whole graph from scratch. Prints markdown tables (docs/benchmarks.md) and exits 0.
 */
import { cpus } from 'node:os';
import { DEFAULT_CELL_DEG } from '../core/config';
import { DEFAULT_MAX_DEGREE } from '../core/topology';
import { loadCities } from './lib/population';
import { mulberry32 } from './lib/rng';
import { formatTable } from './lib/table';
import { cellGrid, cellOf } from '../core/geo';
import { buildScenario, measureCell, type TopologyResult } from './topology-model';
import { topologyTables } from './topology-report';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const DELHI = { lat: 28.61, lng: 77.21 };
const sizes = (arg('sizes') ?? '1000,10000,100000').split(',').map(Number);
const cellDeg = Number(arg('cell-deg') ?? DEFAULT_CELL_DEG);
const rng = mulberry32(Number(arg('seed') ?? 1));
/** Joins per size (each followed by a leave): a handful at 100k, where one recompute reads ~3·10⁵ peers in 4 passes. */
const events = (n: number): number => (n <= 1_000 ? 50 : n <= 10_000 ? 20 : 4);
const scratchRuns = (n: number): number => (n <= 1_000 ? 10 : n <= 10_000 ? 5 : 3);

const t0 = performance.now();
console.log(`# bench/topology — ${new Date().toISOString().slice(0, 10)}, node ${process.version}, ${cpus().length} cpus (${cpus()[0]?.model ?? '?'})\n`);
const cities = loadCities();
// Default: the cell of Delhi, a dense inland metro. The densest cell of all (metroCell: Tokyo–Osaka at
// CELL_DEG 4) is coastal, and its empty-ocean caps make every recompute widen to 55°+: `--cell r31c64`.
const cell = arg('cell') ?? cellOf(cellGrid(cellDeg), DELHI);
const results: TopologyResult[] = [];
for (const size of sizes) {
  const s = buildScenario(cities, cellDeg, cell, size, rng);
  console.error(`[${((performance.now() - t0) / 1000).toFixed(0)} s] ${size} peers in ${cell}, ${s.total} in the scenario`);
  results.push(measureCell(s, events(size), scratchRuns(size), DEFAULT_MAX_DEGREE, rng));
}
for (const t of topologyTables(results, cellDeg)) console.log(formatTable(t));
console.log(`total ${((performance.now() - t0) / 1000).toFixed(0)} s`);
