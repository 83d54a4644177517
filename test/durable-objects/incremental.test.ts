/**
 * Incremental recomputes (durable-objects/incremental.ts) in real workerd: a crowded cell and its
 * neighbours take joins and leaves one at a time, and after every one each bot's set equals the
 * brute-force oracle, while the cells took the incremental path rather than recomputing in full.
 */
import { env } from 'cloudflare:workers';
import { afterAll, describe, expect, test } from 'vitest';
import { cellStub, type Env } from '../../durable-objects/env';
import { Bot, quiet } from './bot';
import { expected, settle } from './settle';

/** A crowd around Nairobi, spilling into neighbouring cells, placed deterministically. */
function place(k: number): [number, number] {
  const a = k * 2.399963; // golden angle: no two peers line up
  const r = 0.6 * Math.sqrt(k + 1);
  const round = (x: number): number => Math.round(x * 1e4) / 1e4;
  return [round(-1.3 + r * Math.sin(a)), round(36.8 + r * Math.cos(a))];
}

async function counts(cells: Iterable<string>): Promise<{ full: number; incremental: number; beyond: number }> {
  let full = 0, incremental = 0, beyond = 0;
  for (const c of cells) {
    const n = await cellStub(env as unknown as Env, c).recomputeCounts();
    full += n.full;
    incremental += n.incremental;
    beyond += n.beyond;
  }
  return { full, incremental, beyond };
}

/** Peers on a ring `deg` degrees around (lat, lng), so the crowd's cells certify within a finite cap. */
function ring(lat: number, lng: number, deg: number, n: number): [number, number][] {
  const round = (x: number): number => Math.round(x * 1e4) / 1e4;
  return Array.from({ length: n }, (_, k) => {
    const a = (2 * Math.PI * k) / n + 0.1;
    return [round(lat + deg * Math.sin(a)), round(lng + deg * Math.cos(a))];
  });
}

describe('incremental neighbour sets', () => {
  let bots: Bot[] = [];

  afterAll(async () => {
    for (const b of bots) b.leave();
    await quiet();
  });

  test('one join or leave at a time in a crowded cell: exact after every event, incrementally', async () => {
    for (let k = 0; k < 24; k++) {
      bots.push(await Bot.join(...place(k)));
      await settle(bots, expected(bots));
    }
    const cells = new Set(bots.map((b) => b.cell));
    expect(cells.size).toBeGreaterThan(1);
    const before = await counts(cells);
    // leaves from the middle and the edge of the crowd, then new joins among the rest
    for (const k of [0, 5, 11, 17, 23]) {
      const leaving = bots.find((b) => b.id === bots[k % bots.length]!.id)!;
      leaving.leave();
      bots = bots.filter((b) => b !== leaving);
      await settle(bots, expected(bots));
    }
    for (let k = 24; k < 30; k++) {
      bots.push(await Bot.join(...place(k)));
      await settle(bots, expected(bots));
    }
    const after = await counts(new Set([...cells, ...bots.map((b) => b.cell)]));
    const incremental = after.incremental - before.incremental;
    const full = after.full - before.full;
    // 11 events, each heard by its own cell and by the cells watching it
    console.log(`recomputes during the 11 events: ${incremental} incremental, ${full} full`);
    expect(incremental).toBeGreaterThanOrEqual(11);
    expect(full).toBeLessThan(incremental);
  });

  test('events beyond what a cell certified are recorded without re-triangulating, and the sets stay exact', async () => {
    // A fence around a second crowd (Lagos), so its cells certify within a finite cap; two peers
    // at every fence post, so one can come and go without its cell turning empty (an index change
    // makes every cell recompute in full).
    const posts = [...ring(6.5, 3.4, 9, 12), ...ring(6.5, 3.4, 18, 12)];
    const fence: Bot[] = [];
    const twins: Bot[] = [];
    for (const [lat, lng] of posts) {
      fence.push(await Bot.join(lat, lng));
      twins.push(await Bot.join(Math.round((lat + 0.1) * 1e4) / 1e4, lng));
    }
    const crowd: Bot[] = [];
    const shift = (v: number, i: number): number => Math.round((v + (i === 0 ? 7.8 : -33.4)) * 1e4) / 1e4;
    for (let k = 0; k < 12; k++) crowd.push(await Bot.join(...(place(k).map(shift) as [number, number])));
    bots.push(...fence, ...twins, ...crowd);
    await settle(bots, expected(bots));
    const cells = new Set(bots.map((b) => b.cell));
    const before = await counts(cells);
    // outer fence twins leave and come back, one at a time
    for (const leaving of twins.slice(12, 18)) {
      leaving.leave();
      bots = bots.filter((b) => b !== leaving);
      await settle(bots, expected(bots));
    }
    for (const [lat, lng] of posts.slice(12, 18)) {
      bots.push(await Bot.join(Math.round((lat + 0.1) * 1e4) / 1e4, lng));
      await settle(bots, expected(bots));
    }
    const after = await counts(new Set([...cells, ...bots.map((b) => b.cell)]));
    console.log(`during 12 fence events: ${after.incremental - before.incremental} incremental, ${after.full - before.full} full, ${after.beyond - before.beyond} events beyond a certified cap`);
    expect(after.beyond - before.beyond).toBeGreaterThan(0);
  });
});
