/**
 * Smoke test of bench/join (`npm run bench:join`): the pure pieces, then the whole comparison with
 * 2 joins per system on a real `wrangler dev`, PeerServer and headless Chromium (~30 s). It checks
 * that the bench measures (every join timed, every phase found, a table), not how fast anything is.
 * Needs a private network namespace, as `npm test` provides.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { PageEvent } from '../../bench/browser/inpage';
import { isolated } from '../../bench/browser/netns';
import { percentile } from '../../bench/browser/report';
import { clientOrBuild } from '../../bench/browser/servers';
import { rng, runJoinBench, shuffled, SYSTEMS, type JoinBenchResult } from '../../bench/join/bench';
import { wispBreakdown, WISP_MILESTONES } from '../../bench/join/breakdown';
import { fullReport, verdicts } from '../../bench/join/report';

/** A Wisp join as the recorder logs it, the joining page offering. */
function wispLog(): PageEvent[] {
  const e = (t: number, kind: string, more: Record<string, unknown> = {}): PageEvent => ({ t, kind, ...more });
  return [
    e(0, 'mark', { name: 't0' }), e(10, 'fetch-start', { path: '/api/discover' }), e(15, 'fetch-end', { path: '/api/discover' }),
    e(16, 'ws-create', { socket: 'cell' }), e(20, 'ws-open', { socket: 'cell' }), e(21, 'ws-in', { socket: 'cell', k: 'challenge' }),
    e(22, 'ws-out', { socket: 'cell', k: 'join' }), e(25, 'ws-in', { socket: 'cell', k: 'welcome' }),
    e(26, 'fetch-start', { path: '/api/ice-servers' }), e(30, 'fetch-end', { path: '/api/ice-servers' }),
    e(31, 'pc-create', { pc: 1 }), e(31, 'dc-create', { pc: 1, label: 'wisp' }), e(32, 'pc-create', { pc: 2 }), e(32, 'dc-create', { pc: 2, label: 'nat-probe' }),
    e(35, 'ws-out', { socket: 'cell', k: 'signal:offer' }), e(36, 'pc-cand', { pc: 1, end: false }), e(86, 'ws-out', { socket: 'cell', k: 'signal:candidates' }),
    e(40, 'ws-in', { socket: 'cell', k: 'signal:answer' }), e(90, 'ws-in', { socket: 'cell', k: 'signal:candidates' }),
    e(94, 'pc-ice', { pc: 1, state: 'connected' }), e(99, 'dc-open', { pc: 1, label: 'wisp' }), e(100, 'mark', { name: 'open' }),
  ].sort((a, b) => a.t - b.t);
}

describe('bench/join pieces', () => {
  it('wispBreakdown() splits a join into phases that add up to it', () => {
    const b = wispBreakdown(wispLog());
    expect(Object.keys(b.phases)).toEqual(WISP_MILESTONES.map((m) => m.phase));
    expect(Object.values(b.phases).reduce((t, x) => t + x, 0)).toBeCloseTo(100);
    expect(b.phases['ice servers']).toBe(6);
    expect(b.offered).toBe(true);
    expect(b.details['first local candidate → sent to the cell']).toBe(50);
    expect(b.details['GET /api/ice-servers']).toBe(4);
  });

  it('wispBreakdown() of a join that never opened stops at the last milestone reached', () => {
    const b = wispBreakdown(wispLog().filter((e) => e.kind !== 'dc-open' && !(e.kind === 'mark' && e.name === 'open')));
    expect(b.phases.ICE).toBe(54);
    expect(b.phases['DTLS+SCTP']).toBeUndefined();
  });

  it('shuffled() with one seed repeats, and keeps every item', () => {
    const a = shuffled(SYSTEMS, rng(7)), b = shuffled(SYSTEMS, rng(7));
    expect(a).toEqual(b);
    expect([...a].sort()).toEqual([...SYSTEMS].sort());
  });

  it('percentile() is nearest-rank', () => {
    expect(percentile([5, 1, 3, 2, 4], 0.5)).toBe(3);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95)).toBe(10);
    expect(percentile([], 0.5)).toBeNaN();
  });
});

describe('runJoinBench() with 2 joins per system', () => {
  let result: JoinBenchResult;

  beforeAll(async () => {
    if (!isolated()) throw new Error('run inside a private network namespace (npm test does): Chromium would talk to the network');
    result = await runJoinBench({ joins: 2, assetsDir: await clientOrBuild() });
  }, 90_000);

  it('times every join of every system', () => {
    for (const s of SYSTEMS) {
      expect(result.failures[s], s).toEqual([]);
      expect(result.samples[s], s).toHaveLength(2);
      for (const x of result.samples[s]) expect(x.ms, s).toBeGreaterThan(0);
      for (const x of result.samples[s]) expect(x.ms, s).toBeLessThan(15_000);
    }
  });

  it('finds every phase of a Wisp join, and they add up to its time', () => {
    for (const x of result.samples.wisp) {
      expect(Object.keys(x.breakdown.phases)).toEqual(WISP_MILESTONES.map((m) => m.phase));
      const sum = Object.values(x.breakdown.phases).reduce((t, v) => t + v, 0);
      expect(Math.abs(sum - x.ms)).toBeLessThan(5); // t0 and the open mark sit just inside the timed span
    }
  });

  it('prints the tables and a verdict per target', () => {
    const text = fullReport(result);
    expect(text).toContain('| system | n | failed | p50 | p95 |');
    expect(text).toContain('Where Wisp');
    expect(verdicts(result)).toHaveLength(2);
  });
});
