/**
 * Smoke test of bench/mesh (`npm run bench:mesh`): the pure pieces, then one run of each system
 * with 4 pages on a real `wrangler dev`, the bare relay and headless Chromium (~30–60 s). It checks
 * that the bench measures (every mesh formed, edges agree, frames counted, a table), not how fast
 * anything is. Needs a private network namespace, as `npm test` provides.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { PageRecord } from '../../bench/browser/inpage';
import { isolated } from '../../bench/browser/netns';
import { clientOrBuild } from '../../bench/browser/servers';
import { byKind, directionTotal, edgeCount, expectedGraph, fullMeshAt, transientLinks, unformed } from '../../bench/mesh/analyse';
import { runMeshBench, type MeshBenchResult } from '../../bench/mesh/bench';
import { places } from '../../bench/mesh/places';
import { fullReport } from '../../bench/mesh/report';

const rec = (self: string, rows: PageRecord['rows'], frames: PageRecord['frames'] = {}): PageRecord => ({ self, rows, frames, log: [] });

describe('bench/mesh pieces', () => {
  it('expectedGraph() is symmetric and connects every page', () => {
    const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
    const g = expectedGraph(ids, places(6));
    for (const [p, ns] of g) for (const q of ns) expect(g.get(q)).toContain(p);
    for (const id of ids) expect(g.get(id)!.length).toBeGreaterThan(0);
    expect(edgeCount(g)).toBeGreaterThanOrEqual(ids.length);
  });

  it('unformed() names pages with a missing, extra or unopened row', () => {
    const want = new Map([['a', ['b']], ['b', ['a']]]);
    expect(unformed([{ self: 'a', rows: { b: 'open' } }, { self: 'b', rows: { a: 'open' } }], want)).toEqual([]);
    expect(unformed([{ self: 'a', rows: { b: 'connecting' } }, { self: 'b', rows: { a: 'open', c: 'open' } }], want)).toHaveLength(2);
  });

  it('fullMeshAt() takes the last opening of each wanted row; transientLinks() counts the others once per pair', () => {
    const want = new Map([['a', ['b']], ['b', ['a']]]);
    const records = [
      rec('a', { b: [{ state: 'connecting', at: 1 }, { state: 'open', at: 5 }, { state: 'connecting', at: 6 }, { state: 'open', at: 9 }], c: [{ state: 'open', at: 2 }] }),
      rec('b', { a: [{ state: 'open', at: 7 }] }),
    ];
    expect(fullMeshAt(records, want)).toBe(9);
    expect(transientLinks(records, want)).toBe(0.5);
    expect(fullMeshAt([rec('a', {}), rec('b', {})], want)).toBeNaN();
  });

  it('directionTotal() leaves keep-alives out; byKind() splits each way', () => {
    const frames = { 'out cell join': { n: 1, bytes: 300 }, 'out cell ping': { n: 4, bytes: 16 }, 'in cell welcome': { n: 1, bytes: 400 } };
    expect(directionTotal(frames, 'out', 'cell')).toEqual({ n: 1, bytes: 300 });
    expect(byKind(frames, 'cell').get('welcome')).toEqual({ out: { n: 0, bytes: 0 }, in: { n: 1, bytes: 400 } });
  });
});

describe('runMeshBench() with 4 pages', () => {
  let result: MeshBenchResult;

  beforeAll(async () => {
    if (!isolated()) throw new Error('run inside a private network namespace (npm test does): Chromium would talk to the network');
    result = await runMeshBench({ sizes: [4], reps: 1, assetsDir: await clientOrBuild() });
  }, 150_000);

  it('forms the mesh with every system, over the same edges', () => {
    expect(result.runs.map((r) => r.system).sort()).toEqual(['bare', 'wisp-app', 'wisp-lib']);
    for (const r of result.runs) {
      expect(r.error, r.system).toBeUndefined();
      expect(r.fullMs, r.system).toBeGreaterThan(0);
      expect(r.edges, r.system).toBe(result.runs[0]!.edges);
    }
    const app = result.runs.find((r) => r.system === 'wisp-app')!;
    const bare = result.runs.find((r) => r.system === 'bare')!;
    expect([...bare.graph.entries()].sort()).toEqual([...app.graph.entries()].sort());
  });

  it('counts the signalling frames by kind', () => {
    const app = result.runs.find((r) => r.system === 'wisp-app')!;
    const kinds = byKind(app.frames, 'cell');
    expect(kinds.get('join')?.out.n).toBe(4);
    expect(kinds.get('welcome')?.in.n).toBe(4);
    expect(kinds.get('signal:offer')?.out.n).toBeGreaterThanOrEqual(app.edges);
    const bare = result.runs.find((r) => r.system === 'bare')!;
    expect(byKind(bare.frames, 'relay').get('offer')?.out.n).toBe(bare.edges);
  });

  it('prints the tables', () => {
    const text = fullReport(result);
    expect(text).toContain('Time to full mesh');
    expect(text).toContain('Signalling by kind, 4 pages');
  });
});
