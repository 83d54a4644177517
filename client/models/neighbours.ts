/**
 * One neighbour as the UI sees it. Fields that change (state, path, RTT) are signals of their own,
 * so an RTT sample updates one text node and a state change one table row and the map's edges;
 * the list signal itself changes only when a neighbour is added or removed.
 */
import { batch, signal, type Signal } from '@preact/signals';
import type { LinkState, NeighbourStatus, PathType, RelayReason } from '../mesh/api';

export interface NeighbourModel {
  readonly id: string;
  readonly lat: number;
  readonly lng: number;
  readonly state: Signal<LinkState>;
  readonly path: Signal<PathType | null>;
  readonly relayReason: Signal<RelayReason | null>;
  readonly rttMs: Signal<number | null>;
}

export function neighbourModel(s: NeighbourStatus): NeighbourModel {
  return { id: s.id, lat: s.lat, lng: s.lng, state: signal(s.state), path: signal(s.path), relayReason: signal(s.relayReason), rttMs: signal(s.rttMs) };
}

/**
 * Applies one status report to the list. Returns the list to store: the same array when only a
 * row's own signals changed (so nothing subscribed to the list re-runs), a new one otherwise.
 */
export function upsertNeighbour(list: readonly NeighbourModel[], s: NeighbourStatus): readonly NeighbourModel[] {
  const i = list.findIndex((n) => n.id === s.id);
  const existing = list[i];
  // A neighbour that moved is a new row: its position is not a signal because it almost never changes.
  if (!existing || existing.lat !== s.lat || existing.lng !== s.lng) {
    const fresh = neighbourModel(s);
    return existing ? list.map((n, j) => (j === i ? fresh : n)) : [...list, fresh];
  }
  batch(() => {
    existing.state.value = s.state;
    existing.path.value = s.path;
    existing.relayReason.value = s.relayReason;
    existing.rttMs.value = s.rttMs;
  });
  return list;
}

export function removeNeighbour(list: readonly NeighbourModel[], id: string): readonly NeighbourModel[] {
  return list.some((n) => n.id === id) ? list.filter((n) => n.id !== id) : list;
}
