/**
 * Cells that lose their sockets without close events (a restart, an evicted machine) must not
 * leave ghost peers behind: the next peers to join get neighbour sets of live peers only.
 */
import { abortAllDurableObjects } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { directoryStub, type Env } from '../../durable-objects/env';
import { afterAll, expect, test } from 'vitest';
import { Bot, api, quiet, until } from './bot';

afterAll(quiet);

test('after every cell is reset with peers connected, new joins see only live peers', async () => {
  const before = await Promise.all([[51.5, -0.1], [48.9, 2.4], [40.7, -74.0], [-33.9, 151.2]].map(([lat, lng]) => Bot.join(lat!, lng!)));
  await until('the first mesh', () => before.every((b) => b.neighbours.size === 3));
  await abortAllDurableObjects();
  // Two fresh peers far from each other; the four above are gone with the reset.
  const a = await Bot.join(35.7, 139.7);
  const b = await Bot.join(-23.5, -46.6);
  await until('a and b to see only each other', () =>
    a.neighbours.size === 1 && a.neighbours.has(b.id) && b.neighbours.size === 1 && b.neighbours.has(a.id), 10_000);
  const stats = (await (await api('/api/stats')).json()) as { peers: number };
  expect(stats.peers).toBe(2);
  // the dead cells, woken by the new peers' reads, delist themselves from the directory
  let listed: string[] = [];
  for (let i = 0; i < 100; i++) {
    listed = (await directoryStub(env as unknown as Env).list()).cells;
    if (listed.length === 2) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  expect(listed.sort()).toEqual([a.cell, b.cell].sort());
  a.leave();
  b.leave();
});
