/**
 * What the page knows about its network, as signals: the NAT test's verdict and whether a TURN
 * relay is configured (from `/api/ice-servers`). Both outlive one mesh: a re-join (new position,
 * server restart) keeps showing the last verdict until the new mesh reports its own.
 */
import { batch, signal, type Signal } from '@preact/signals';
import type { IceServersStatus, Mesh, NatReport } from '../mesh/api';

export interface NetworkModel {
  /** Null until the NAT test has run. */
  readonly nat: Signal<NatReport | null>;
  /** Null until the first mesh reports (before joining). */
  readonly iceServers: Signal<IceServersStatus | null>;
}

export function networkModel(): NetworkModel {
  return { nat: signal(null), iceServers: signal(null) };
}

/** Seeds from `mesh` and follows its `nat` and `ice-servers` events; returns the unsubscribers. */
export function watchNetwork(model: NetworkModel, mesh: Mesh): Array<() => void> {
  batch(() => {
    // Seed: the events may have fired before joinMesh resolved.
    const nat = mesh.nat();
    if (nat) model.nat.value = nat;
    model.iceServers.value = mesh.iceServersStatus();
  });
  return [mesh.on('nat', (r) => (model.nat.value = r)), mesh.on('ice-servers', (s) => (model.iceServers.value = s))];
}

/** The panel root's `data-relay`: `true|false`, or '' while unknown (DOM test contract). */
export function relayAttribute(s: IceServersStatus | null): '' | 'true' | 'false' {
  if (s === null || s.state === 'pending') return '';
  return s.relay && s.state !== 'off' ? 'true' : 'false';
}
