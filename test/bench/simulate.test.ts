import { describe, expect, it } from 'vitest';
import { loadCities } from '../../bench/lib/population';
import { formatTable } from '../../bench/lib/table';
import { eventKind } from '../../bench/simulate-cpu';
import { simulateTables, simulateTargets } from '../../bench/simulate-report';
import { DEFAULTS, renewalsPerSession, runSimulation } from '../../bench/simulate-run';

describe('bench/simulate', () => {
  const run = runSimulation(loadCities(), {
    ...DEFAULTS, peers: 300, cellDegs: [4, 8], events: 100, routes: 100, exactCells: { busiest: 2, sparse: 1, random: 3 },
  });

  it('runSimulation() at 300 peers: exact sets, modelled radii, sane rates', () => {
    for (const d of run.perDeg) {
      expect(d.exact.peersChecked).toBeGreaterThan(0);
      expect(d.exact.mismatched).toBe(0);
      expect(d.exact.radiusAsPredicted).toBe(d.exact.samples.length);
      const busiest = d.load.cells[0]!;
      expect(busiest.totalPerS).toBeGreaterThan(0);
      expect(Number.isFinite(busiest.totalPerS)).toBe(true);
      expect(d.load.perJoin.msgs).toBeGreaterThan(3);
      expect(d.load.perJoin.diffs).toBeGreaterThan(0);
      expect(Number.isFinite(d.cost.total)).toBe(true);
      expect(d.cost.total).toBeGreaterThan(0);
    }
    expect(run.events.differed).toBe(0);
    expect(run.routingDelaunay.delivered).toBe(run.routingDelaunay.pairs);
    expect(run.degree.capped.mean).toBeGreaterThan(4);
    expect(run.degree.capped.mean).toBeLessThan(6.1);
  });

  it('simulateTables() and simulateTargets() print rows', () => {
    const tables = [...simulateTables([run]), simulateTargets([run], 4)];
    for (const t of tables) {
      expect(t.rows.length).toBeGreaterThan(0);
      for (const row of t.rows) expect(row.length).toBe(t.headers.length);
      expect(formatTable(t)).toContain('|');
    }
  });

  it('eventKind(): beyond the certified cap only recorded, inside it a read past the cap falls back', () => {
    expect(eventKind(-1e-6, 0)).toBe('beyond');
    expect(eventKind(-1e-6, 1)).toBe('beyond');
    expect(eventKind(0.1, 0.2)).toBe('fallback');
    expect(eventKind(0.1, 0.05)).toBe('local');
    expect(eventKind(Infinity, 3)).toBe('local');
    for (const d of run.perDeg) {
      const u = d.load.upkeep;
      expect(u.recordedPerS + u.fallbackPerS).toBeLessThanOrEqual(u.heardPerS * (1 + 1e-12));
      expect(u.recordedPerS).toBeGreaterThanOrEqual(0);
    }
  });

  it('renewalsPerSession() for 30-minute sessions and 1-hour credentials', () => {
    expect(renewalsPerSession(1_800)).toBeCloseTo(0.198, 2);
  });
});
