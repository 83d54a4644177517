/**
 * Smoke test of bench/relay (`npm run bench:relay`): the pure pieces, then the whole comparison
 * with tiny sizes — 6 bots, one 1 s step plus the half-rate step, on a real `wrangler dev` (the
 * cell, then the bare-DO floor) and a real PeerServer; about 20 s. It checks that the bench
 * measures (every message accounted for, sane latencies, a table), not how fast any server is.
 */
import { describe, expect, it } from 'vitest';
import { runRelayBench } from '../../bench/relay/bench';
import { indexGraph, latticePositions } from '../../bench/relay/graph';
import { comparisonTable, fullReport, verdicts } from '../../bench/relay/report';
import { quantile, saturation, summarise, type StepRecord } from '../../bench/relay/stats';
import { dueCount, makeCandidates, makeSdp, makeSignal, parseStamp, stampText, utf8Bytes } from '../../bench/relay/traffic';

const stamp = { step: 3, sender: 17, seq: 12_345, t: 98_765.432 };

function record(offered: number, delivered: number, latency: number): StepRecord {
  const n = Math.round((delivered * 4_000) / 1_000);
  return {
    label: String(offered), offered, durationMs: 4_000, bots: 10, sent: Math.round((offered * 4_000) / 1_000), sendSpanMs: 4_000,
    delivered: n, deliverSpanMs: 4_000, latencies: new Float64Array(n).fill(latency), arrivals: new Float64Array(n),
    errors: {}, misrouted: 0, duplicates: 0, serverCpu: 0, clientCpu: 0, otherCpu: 0,
  };
}

describe('bench/relay pieces', () => {
  it('makeSdp() is offer-sized and carries its stamp', () => {
    const sdp = makeSdp('offer', stamp);
    expect(utf8Bytes(sdp)).toBeGreaterThan(500);
    expect(utf8Bytes(sdp)).toBeLessThan(750);
    expect(parseStamp(sdp)).toEqual(stamp);
  });

  it('makeCandidates() stamps the first of 1..4 candidates', () => {
    const c = makeCandidates(4, stamp);
    expect(c).toHaveLength(4);
    expect(parseStamp(stampText({ candidates: c }))).toEqual(stamp);
    expect(parseStamp(c[1]!.candidate)).toBeNull();
  });

  it('makeSignal() offers from the smaller id and answers from the larger', () => {
    expect(makeSignal(0, 'A', 'B', stamp).description?.type).toBe('offer');
    expect(makeSignal(0, 'B', 'A', stamp).description?.type).toBe('answer');
    expect(makeSignal(1, 'A', 'B', stamp).candidates?.length).toBeGreaterThan(0);
  });

  it('dueCount() paces a step and stops at its total', () => {
    expect(dueCount(0, 1_000, 10)).toBe(1);
    expect(dueCount(4.5, 1_000, 10)).toBe(5);
    expect(dueCount(1_000, 1_000, 10)).toBe(10);
  });

  it('latticePositions() gives distinct coarse positions', () => {
    const p = latticePositions(300);
    expect(new Set(p.map((x) => `${x.lat},${x.lng}`)).size).toBe(300);
  });

  it('indexGraph() counts asymmetric and foreign neighbours', () => {
    const g = indexGraph(['a', 'b', 'c'], [['b', 'x'], ['a', 'c'], []]);
    expect(g.neighbours).toEqual([[1], [0, 2], []]);
    expect(g.foreign).toBe(1);
    expect(g.asymmetric).toBe(1);
  });

  it('quantile() is nearest-rank', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(quantile([1, 2, 3, 4], 0.99)).toBe(4);
    expect(quantile([], 0.5)).toBeNaN();
  });

  it('saturation() stops where steps stop tracking for good', () => {
    const steps = [record(100, 100, 1), record(200, 200, 2), record(400, 300, 3), record(800, 500, 1)].map(summarise);
    expect(saturation(steps)).toMatchObject({ saturated: true, lastGood: 200, firstBad: 400, rate: 300, ceiling: 500 });
    expect(saturation(steps.slice(0, 2))).toMatchObject({ saturated: false, rate: 200 });
    expect(saturation([summarise(record(100, 100, 80))]).firstBad).toBe(100); // p99 blew up on the last step
  });

  it('saturation() ignores a lone bad step between good ones', () => {
    const steps = [record(100, 100, 1), record(200, 200, 90), record(400, 400, 2)].map(summarise);
    expect(saturation(steps)).toMatchObject({ saturated: false, lastGood: 400, rate: 400 });
  });
});

describe('runRelayBench()', () => {
  it('with 6 bots and one short step on Wisp, the floor and PeerServer', async () => {
    const r = await runRelayBench({ bots: 6, rates: [60], stepMs: 1_000, drainMs: 5_000, warmupMs: 0, halfStep: true, floor: true, quietBudgetMs: 0 });
    expect(r.graph.asymmetric).toBe(0);
    expect(r.graph.foreign).toBe(0);
    expect(r.graph.minDegree).toBeGreaterThan(0);
    expect(r.halfRate).toBe(30);
    for (const run of [r.wisp, r.floor!, r.peerserver]) {
      expect(run.steps).toHaveLength(1);
      expect(run.half).not.toBeNull();
      expect(run.closedSockets).toBe(0);
      for (const s of [...run.steps, run.half!]) {
        expect(s.sentPerS).toBeGreaterThan(0.5 * s.offered); // loose: npm test runs other projects beside it
        expect(s.deliveredPerS).toBeGreaterThan(0);
        expect(s.lost).toBe(0);
        expect(s.errorCount).toBe(0);
        expect(s.misrouted).toBe(0);
        expect(s.p50).toBeGreaterThan(0);
        expect(s.p99).toBeGreaterThanOrEqual(s.p50);
        expect(s.max).toBeLessThan(5_000);
      }
    }
    const table = comparisonTable(r);
    expect(table).toContain('| 60 |');
    expect(table).toContain('½ sat 30');
    expect(fullReport(r, 'test')).toContain('Target');
    expect(typeof verdicts(r).throughput.met).toBe('boolean');
  }, 90_000);
});
