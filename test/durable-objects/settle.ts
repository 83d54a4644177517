/**
 * Bots' assigned neighbour sets against the brute-force spherical Delaunay of their positions.
 */
import { expect } from 'vitest';
import { coarsen, peerPoint } from '../../core/geo';
import { bruteDelaunay } from '../support/oracle';
import { until, type Bot } from './bot';

/** The oracle's neighbour set of every bot. */
export function expected(bots: readonly Bot[]): Map<string, Set<string>> {
  const adj = bruteDelaunay(bots.map((b) => peerPoint(b.id, coarsen(b.discover.position))));
  return new Map(bots.map((b, i) => [b.id, new Set([...adj[i]!].map((j) => bots[j]!.id))]));
}

/** Bots whose set differs from `want`, readably. */
export function mismatches(bots: readonly Bot[], want: Map<string, Set<string>>): string[] {
  const out: string[] = [];
  for (const b of bots) {
    const w = [...want.get(b.id)!].sort().join(',');
    const got = [...b.neighbours].sort().join(',');
    if (w !== got) out.push(`${b.id}@${b.cell}: want [${w}] got [${got}]`);
  }
  return out;
}

/** Waits until every set equals `want`; fails with the differences if they do not within 20 s. */
export async function settle(bots: readonly Bot[], want: Map<string, Set<string>>): Promise<void> {
  try {
    await until('neighbour sets to match the oracle', () => mismatches(bots, want).length === 0, 20_000);
  } catch {
    expect(mismatches(bots, want)).toEqual([]);
  }
}
