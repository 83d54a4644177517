import { describe, expect, it } from 'vitest';
import { loadCities } from '../../bench/lib/population';
import { mulberry32 } from '../../bench/lib/rng';
import { formatTable } from '../../bench/lib/table';
import { buildScenario, measureCell, metroCell } from '../../bench/topology-model';
import { topologyTables } from '../../bench/topology-report';

describe('bench/topology', () => {
  const cities = loadCities();
  const rng = mulberry32(3);
  const cell = metroCell(cities, 4);
  const result = measureCell(buildScenario(cities, 4, cell, 200, rng, 300), 3, 1, 16, rng);

  it('measureCell() at 200 peers: prototypes and profile agree with the cell', () => {
    expect(result.size).toBe(200);
    expect(result.localAgrees).toBe(true);
    expect(result.restrictedAgrees).toBe(true);
    expect(result.profileAgrees).toBe(true);
    for (const e of [result.join, result.leave]) {
      expect(e.cell.n).toBe(3);
      expect(Number.isFinite(e.cell.p99 / result.scratch.p50)).toBe(true);
      expect(e.local.p50).toBeGreaterThan(0);
    }
  });

  it('topologyTables() print rows', () => {
    for (const t of topologyTables([result], 4)) {
      expect(t.rows.length).toBeGreaterThan(0);
      expect(formatTable(t)).toContain('|');
    }
  });
});
