/**
 * What a cell persists of its neighbourhood (durable-objects/neighbourhood.ts), against real
 * Durable Object storage: the names of the watched cells survive a wake, their snapshots do not
 * (they come back empty and stale, to be re-read), and nothing is written per snapshot update.
 * Pushed changes apply in sequence, at most once; a gap or a new epoch marks the list stale.
 */
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { expect, test } from 'vitest';
import { cellGrid } from '../../core/geo';
import type { Env } from '../../durable-objects/env';
import { Neighbourhood, type PeerRecord } from '../../durable-objects/neighbourhood';

const grid = cellGrid(4);
const peers = (n: number): PeerRecord[] => Array.from({ length: n }, (_, i) => ({ id: `p${String(i).padStart(21, '0')}`, lat: 0, lng: i / 100 }));

test('watched cells are remembered across a wake, their peer lists are not; old stored snapshots are migrated', async () => {
  const ns = (env as unknown as Env).CELL;
  const stub = ns.get(ns.idFromName('r99c99-neighbourhood-test'));
  await runInDurableObject(stub, async (_instance, state) => {
    await state.storage.deleteAll();
    const hood = new Neighbourhood(state.storage, grid);
    await hood.load();
    // a snapshot far past the 2 MB a stored value may hold: kept in memory only
    await hood.setSnapshot('r1c1', peers(40_000));
    await hood.setSnapshot('r1c2', peers(3));
    await hood.setSnapshot('r1c2', peers(4));
    await hood.dropSnapshot('r1c1');
    expect([...(await state.storage.list()).keys()].sort()).toEqual(['watching']);
    expect(await state.storage.get('watching')).toEqual(['r1c2']);

    // an object stored by an earlier version: whole snapshots under snap:{cell}
    await state.storage.put('snap:r5c5', peers(2));
    const woken = new Neighbourhood(state.storage, grid);
    await woken.load();
    expect([...woken.snapshots.keys()].sort()).toEqual(['r1c2', 'r5c5']);
    expect([...woken.snapshots.values()].every((s) => s.length === 0)).toBe(true);
    expect([...woken.stale].sort()).toEqual(['r1c2', 'r5c5']);
    expect(await state.storage.get('snap:r5c5')).toBeUndefined();
    expect(((await state.storage.get<string[]>('watching')) ?? []).sort()).toEqual(['r1c2', 'r5c5']);
    await state.storage.deleteAll();
  });
});

test('applyDelta(): in order, each at most once; a gap, a new epoch or an unread list makes it stale', async () => {
  const ns = (env as unknown as Env).CELL;
  const stub = ns.get(ns.idFromName('r98c98-neighbourhood-test'));
  await runInDurableObject(stub, async (_instance, state) => {
    const hood = new Neighbourhood(state.storage, grid);
    const [a, b, c] = peers(3) as [PeerRecord, PeerRecord, PeerRecord];
    const ids = (): string[] => hood.snapshots.get('r1c1')!.map((r) => r.id).sort();
    await hood.setSnapshot('r1c1', [a], { epoch: 'e1', seq: 4 });
    expect(hood.applyDelta('r1c1', { epoch: 'e1', seq: 4, add: [b], remove: [] })).toBe('old');
    expect(ids()).toEqual([a.id]);
    const before = hood.snapshots.get('r1c1');
    expect(hood.applyDelta('r1c1', { epoch: 'e1', seq: 5, add: [b, { ...a, lat: 1 }], remove: [] })).toBe('applied');
    expect(hood.snapshots.get('r1c1')).not.toBe(before); // replaced, not mutated
    expect(ids()).toEqual([a.id, b.id]);
    expect(hood.snapshots.get('r1c1')!.find((r) => r.id === a.id)!.lat).toBe(1);
    expect(hood.applyDelta('r1c1', { epoch: 'e1', seq: 6, add: [c], remove: [b.id] })).toBe('applied');
    expect(ids()).toEqual([a.id, c.id]);
    expect(hood.applyDelta('r1c1', { epoch: 'e1', seq: 6, add: [c], remove: [b.id] })).toBe('old');
    expect(hood.stale.has('r1c1')).toBe(false);
    expect(hood.applyDelta('r1c1', { epoch: 'e1', seq: 8, add: [], remove: [c.id] })).toBe('stale'); // 7 went missing
    expect(hood.stale.has('r1c1')).toBe(true);
    expect(hood.applyDelta('r1c1', { epoch: 'e1', seq: 7, add: [], remove: [] })).toBe('stale'); // awaiting a re-read
    await hood.setSnapshot('r1c1', [a], { epoch: 'e1', seq: 8 });
    expect(hood.applyDelta('r1c1', { epoch: 'e2', seq: 1, add: [], remove: [] })).toBe('stale'); // the cell woke again
    await hood.setSnapshot('r1c2', [a]); // no version: the next push cannot be placed
    expect(hood.applyDelta('r1c2', { epoch: 'e1', seq: 1, add: [], remove: [] })).toBe('stale');
    await state.storage.deleteAll();
  });
});
