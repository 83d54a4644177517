/**
 * The neighbour table. Each row carries the DOM test contract: `data-peer-id`, `data-state`
 * (connecting|open|failed), `data-path` (host|srflx|prflx|relay, or '' while unknown; relay when
 * either end of the selected pair is a TURN relay) and `data-reason` (why a relayed row is
 * relayed: forced-relay|no-direct-route, '' otherwise). A row re-renders on its own
 * state/path change; RTT is a signal bound straight to a text node.
 */
import { useComputed } from '@preact/signals';
import type { LatLng } from '../../core/geo';
import type { NatType } from '../mesh/api';
import type { NeighbourModel } from '../models/neighbours';
import type { MeshModelInstance } from '../models/mesh-model';
import { edgeKind, formatKm, formatRtt, PATH_TEXT, relayReasonText, shortId, STATE_TEXT } from './format';
import { distanceKm } from './geometry';

function NeighbourRow({ n, km, nat }: { n: NeighbourModel; km: number | null; nat: NatType | null }) {
  const state = n.state.value;
  const path = n.path.value;
  const reason = path === 'relay' ? n.relayReason.value : null;
  const rtt = useComputed(() => formatRtt(n.rttMs.value));
  return (
    <tr data-peer-id={n.id} data-state={state} data-path={path ?? ''} data-reason={reason ?? ''}>
      <th scope="row">
        <span class="mono" title={n.id}>
          {shortId(n.id)}
        </span>
        {km !== null && <span class="sub">{formatKm(km)}</span>}
      </th>
      <td>
        <span class={`badge badge--${edgeKind(state, path)}`}>{STATE_TEXT[state]}</span>
      </td>
      <td title={path ?? undefined}>
        {path ? PATH_TEXT[path] : <span class="muted">—</span>}
        {reason && <span class="sub reason">{relayReasonText(reason, nat)}</span>}
      </td>
      <td class="num">{rtt}</td>
    </tr>
  );
}

function sortedByDistance(list: readonly NeighbourModel[], self: LatLng | null): { n: NeighbourModel; km: number | null }[] {
  const rows = list.map((n) => ({ n, km: self ? distanceKm(self, n) : null }));
  return rows.sort((a, b) => (a.km ?? 0) - (b.km ?? 0) || (a.n.id < b.n.id ? -1 : 1));
}

export function NeighbourTable({ model }: { model: MeshModelInstance }) {
  const rows = sortedByDistance(model.neighbours.value, model.position.value);
  const phase = model.phase.value;
  const nat = model.network.nat.value?.type ?? null;
  const waiting = phase === 'idle' || phase === 'locating' || phase === 'joining';
  return (
    <section class="section" aria-labelledby="neighbours-title">
      <h2 id="neighbours-title" class="section__title">
        Neighbours <span class="count">{model.openCount} open / {model.assignedCount}</span>
      </h2>
      {rows.length === 0 ? (
        <p class="empty">
          {waiting
            ? 'Waiting for the server to assign your neighbours…'
            : phase === 'retrying' || phase === 'left'
              ? 'Not connected.'
              : 'No one else is online near you yet. Open this page in another tab or on another device to see a link form.'}
        </p>
      ) : (
        <div class="table-wrap">
          <table class="neighbours">
            <thead>
              <tr>
                <th scope="col">Peer</th>
                <th scope="col">State</th>
                <th scope="col">Path</th>
                <th scope="col" class="num">
                  RTT
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map(({ n, km }) => (
                <NeighbourRow key={n.id} n={n} km={km} nat={nat} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
