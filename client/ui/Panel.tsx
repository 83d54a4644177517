/**
 * The side panel (a bottom sheet on phones): join progress, problems, who you are, your network,
 * and your neighbours. Reads model signals and calls model actions; nothing else. The root carries
 * the test contract's `data-self-id`, `data-cell`, `data-server-state`, `data-nat`
 * (no-nat|cone|symmetric|udp-blocked|unknown, '' until known) and `data-relay` (true|false, ''
 * until known), bound to signals directly.
 */
import { useComputed, useSignal } from '@preact/signals';
import type { Ref } from 'preact';
import { useEffect } from 'preact/hooks';
import type { MeshModelInstance } from '../models/mesh-model';
import { relayAttribute } from '../models/network';
import { formatLatLng, natText, phaseText, relayText, SERVER_TEXT, SOURCE_TEXT } from './format';
import { NeighbourTable } from './NeighbourTable';

/** How long the "Copied" confirmation stays on the copy button. */
const COPIED_MS = 1_500;
/** Must match the bottom-sheet breakpoint in styles.css. */
export const SHEET_QUERY = '(max-width: 720px)';

type Props = { model: MeshModelInstance };

function Status({ model }: Props) {
  const phase = model.phase.value;
  const open = model.openCount.value;
  const assigned = model.assignedCount.value;
  const busy = phase === 'idle' || phase === 'locating' || phase === 'joining';
  const ratio = phase === 'connecting' && assigned > 0 ? open / assigned : phase === 'connected' ? 1 : 0;
  return (
    <div class={`status status--${phase}`} role="status" aria-live="polite">
      <span class="status__dot" aria-hidden="true" />
      <span class="status__text">{phaseText(phase, open, assigned)}</span>
      {(busy || phase === 'connecting') && (
        <div class={`progress${busy ? ' progress--busy' : ''}`} aria-hidden="true">
          <div class="progress__bar" style={{ width: busy ? undefined : `${Math.round(ratio * 100)}%` }} />
        </div>
      )}
    </div>
  );
}

function Alerts({ model }: Props) {
  const error = model.error.value;
  const notice = model.notice.value;
  const phase = model.phase.value;
  // Joined but reconnecting: the data channels stay up, so say so rather than alarm.
  const linkLost = phase === 'connecting' || phase === 'connected';
  const title = phase === 'unsupported' ? 'Cannot run here.' : linkLost ? 'Server link lost.' : 'Not connected.';
  return (
    <>
      {error && (
        <div class={`alert ${linkLost ? 'alert--warn' : 'alert--error'}`} role="alert">
          <p>
            <strong>{title}</strong> {error}
            {linkLost && ' Your neighbour links stay up meanwhile.'}
          </p>
          {model.retryInS.value !== null && (
            <p class="alert__row">
              <span>
                Retrying in {model.retryInS} s
              </span>
              {phase === 'retrying' && (
                <button type="button" class="button button--small" onClick={() => model.retryNow()}>
                  Retry now
                </button>
              )}
            </p>
          )}
        </div>
      )}
      {notice && (
        <div class="alert alert--notice" role="status">
          <p>{notice}</p>
          <button type="button" class="icon-button" aria-label="Dismiss message" onClick={() => model.dismissNotice()}>
            ×
          </button>
        </div>
      )}
      {!model.identityPersistent.value && model.identityMessage.value && (
        <div class="alert alert--warn">
          <p>
            <strong>Temporary identity.</strong> {model.identityMessage}
          </p>
        </div>
      )}
    </>
  );
}

function CopyId({ id }: { id: string }) {
  const label = useSignal('Copy');
  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(id);
      label.value = 'Copied';
    } catch {
      label.value = 'Copy failed';
    }
    setTimeout(() => (label.value = 'Copy'), COPIED_MS);
  };
  return (
    <span class="copy">
      <code class="mono id" title={id}>
        {id}
      </code>
      <button type="button" class="button button--small" onClick={copy} aria-label="Copy your peer id">
        {label}
      </button>
    </span>
  );
}

function SelfDetails({ model }: Props) {
  const id = model.selfId.value;
  const position = model.position.value;
  const source = model.positionSource.value;
  const server = model.serverState.value;
  return (
    <section class="section" aria-labelledby="you-title">
      <h2 id="you-title" class="section__title">
        You
      </h2>
      <dl class="details">
        <dt>Peer id</dt>
        <dd>{id ? <CopyId id={id} /> : <span class="muted">assigned on joining</span>}</dd>
        <dt>Cell</dt>
        <dd class="mono">{model.cell.value ?? <span class="muted">—</span>}</dd>
        <dt>Position</dt>
        <dd>
          {position ? formatLatLng(position) : <span class="muted">{source === 'server' ? 'waiting for the server' : '—'}</span>}
          {source && <span class="sub">{SOURCE_TEXT[source]}</span>}
        </dd>
        <dt>Server</dt>
        <dd>
          <span class={`link-state link-state--${server ?? 'none'}`}>{server ? SERVER_TEXT[server] : 'Not connected'}</span>
        </dd>
      </dl>
    </section>
  );
}

/** What the network means for links, in plain words: NAT verdict and relay configuration. */
function NetworkDetails({ model }: Props) {
  const nat = model.network.nat.value;
  const ice = model.network.iceServers.value;
  const phase = model.phase.value;
  if (phase === 'unsupported' || (nat === null && ice === null)) return null;
  return (
    <section class="section" aria-labelledby="network-title">
      <h2 id="network-title" class="section__title">
        Network
      </h2>
      <p class="network-line" data-testid="nat-text">
        {nat ? natText(nat, ice) : <span class="muted">Checking your network (NAT type)…</span>}
      </p>
      <p class="network-line" data-testid="relay-text">
        {relayText(ice)}
      </p>
    </section>
  );
}

function Actions({ model }: Props) {
  const phase = model.phase.value;
  if (phase === 'unsupported') return null;
  return (
    <div class="actions">
      {phase === 'left' ? (
        <button type="button" class="button button--primary" onClick={() => void model.start()}>
          Rejoin the mesh
        </button>
      ) : (
        <button type="button" class="button" onClick={() => void model.leave()} disabled={phase === 'idle'}>
          Leave the mesh
        </button>
      )}
      {model.positionSource.value === 'server' && (
        <button type="button" class="button" onClick={() => void model.useDeviceLocation()}>
          Use my location
        </button>
      )}
    </div>
  );
}

export interface PanelProps extends Props {
  panelRef: Ref<HTMLElement>;
}

export function Panel({ model, panelRef }: PanelProps) {
  const expanded = useSignal(true);
  // Only the bottom sheet collapses: widening the window must not leave a collapsed, inert panel.
  useEffect(() => {
    const query = matchMedia(SHEET_QUERY);
    const onChange = (): void => {
      if (!query.matches) expanded.value = true;
    };
    query.addEventListener('change', onChange);
    return () => query.removeEventListener('change', onChange);
  }, [expanded]);
  const selfId = useComputed(() => model.selfId.value ?? '');
  const cell = useComputed(() => model.cell.value ?? '');
  const server = useComputed(() => model.serverState.value ?? '');
  const nat = useComputed(() => model.network.nat.value?.type ?? '');
  const relay = useComputed(() => relayAttribute(model.network.iceServers.value));
  return (
    <aside
      ref={panelRef}
      class={`panel${expanded.value ? '' : ' panel--collapsed'}`}
      aria-label="Mesh status"
      data-self-id={selfId}
      data-cell={cell}
      data-server-state={server}
      data-nat={nat}
      data-relay={relay}
    >
      <header class="panel__head">
        <h1 class="brand">
          <svg class="brand__mark" viewBox="0 0 24 24" width="22" height="22" aria-hidden="true">
            <path d="M4 17 L12 5 L20 15 Z M12 5 L12 19 M4 17 L12 19 L20 15" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linejoin="round" />
          </svg>
          Wisp
        </h1>
        <button
          type="button"
          class="icon-button sheet-toggle"
          aria-expanded={expanded.value}
          aria-controls="panel-body"
          aria-label={expanded.value ? 'Collapse the panel' : 'Expand the panel'}
          onClick={() => (expanded.value = !expanded.value)}
        >
          <span aria-hidden="true">{expanded.value ? '▾' : '▴'}</span>
        </button>
      </header>
      <Status model={model} />
      {/* inert, not display:none, when collapsed: out of the tab order, still in the DOM for tests. */}
      <div id="panel-body" class="panel__body" inert={!expanded.value}>
        <Alerts model={model} />
        <SelfDetails model={model} />
        <NetworkDetails model={model} />
        <NeighbourTable model={model} />
        <Actions model={model} />
      </div>
    </aside>
  );
}
