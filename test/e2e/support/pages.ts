/**
 * Reading a Wisp page through its test contract: the panel root carries `data-self-id`,
 * `data-cell`, `data-server-state`; each neighbour row carries `data-peer-id`, `data-state` and
 * `data-path`; `window.wisp` exposes the mesh and `echo(peerId, text)`.
 */
import type { Page } from 'playwright-core';
import { coarsen, peerPoint } from '../../../core/geo';
import { bruteDelaunay } from '../../support/oracle';

export interface PageView {
  id: string;
  cell: string;
  server: string;
  rows: { id: string; state: string; path: string }[];
}

export async function view(page: Page): Promise<PageView> {
  return page.evaluate(() => {
    const root = document.querySelector('[data-self-id]');
    const rows = [...document.querySelectorAll('[data-peer-id]')].map((el) => ({
      id: el.getAttribute('data-peer-id') ?? '',
      state: el.getAttribute('data-state') ?? '',
      path: el.getAttribute('data-path') ?? '',
    }));
    return {
      id: root?.getAttribute('data-self-id') ?? '',
      cell: root?.getAttribute('data-cell') ?? '',
      server: root?.getAttribute('data-server-state') ?? '',
      rows,
    };
  });
}

export interface Placed {
  page: Page;
  lat: number;
  lng: number;
  id: string;
}

/** The oracle's neighbour sets for placed pages (ids from their panels). */
export function oracle(placed: Placed[]): Map<string, Set<string>> {
  const adj = bruteDelaunay(placed.map((p) => peerPoint(p.id, coarsen({ lat: p.lat, lng: p.lng }))));
  return new Map(placed.map((p, i) => [p.id, new Set([...adj[i]!].map((j) => placed[j]!.id))]));
}

/** Pages whose rows differ from `want` or are not all open; empty when the mesh is formed. */
export async function unformed(placed: Placed[], want: Map<string, Set<string>>): Promise<string[]> {
  const out: string[] = [];
  for (const p of placed) {
    const v = await view(p.page);
    const got = v.rows.map((r) => r.id).sort().join(',');
    const w = [...want.get(p.id)!].sort().join(',');
    const notOpen = v.rows.filter((r) => r.state !== 'open').map((r) => `${r.id}:${r.state}`);
    if (got !== w || notOpen.length > 0) out.push(`${p.id} (${p.lat},${p.lng}) want [${w}] got [${got}] not open [${notOpen.join(' ')}]`);
  }
  return out;
}

export async function waitFor<T>(what: string, probe: () => Promise<T>, done: (t: T) => boolean, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last = await probe();
  while (!done(last)) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${JSON.stringify(last, null, 1).slice(0, 3000)}`);
    await new Promise((r) => setTimeout(r, 100));
    last = await probe();
  }
  return last;
}
