/**
 * The app's state: where we are in joining, who we are, and our neighbours, as signals; and the
 * actions the UI may call. The mesh library (`joinMesh`) is injected, so this file holds no WebRTC
 * and tests can drive it with a fake mesh.
 */
import { batch, computed, createModel, signal } from '@preact/signals';
import type { LatLng } from '../../core/geo';
import type { JoinOptions, Mesh, MeshEvents, ServerLinkState } from '../mesh/api';
import { createEcho, type EchoService } from './echo';
import { removeNeighbour, upsertNeighbour, type NeighbourModel } from './neighbours';
import { requestGeolocation, resolvePosition, type PositionSource } from './position';

/** Join retries back off 2, 4, 8 … seconds up to this. */
export const RETRY_MAX_S = 30;
/** A mesh error notice disappears after this long. */
export const NOTICE_MS = 8_000;

export type JoinFn = (options: JoinOptions) => Promise<Mesh>;

/**
 * `connecting`: joined, some assigned neighbours' channels are not open yet.
 * `connected`: joined, every assigned neighbour's channel is open (or none is assigned).
 * `retrying`: the last join failed or the server link closed; another attempt is scheduled.
 */
export type JoinPhase = 'idle' | 'locating' | 'joining' | 'connecting' | 'connected' | 'retrying' | 'left';
type Stage = 'idle' | 'locating' | 'joining' | 'joined' | 'retrying' | 'left';

export interface MeshModelOptions {
  join: JoinFn;
  /** `location.search`: `?lat=&lng=` picks the position; `?relay=1` forces TURN relays. */
  search: string;
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export const MeshModel = createModel(({ join, search }: MeshModelOptions) => {
  const stage = signal<Stage>('idle');
  const mesh = signal<Mesh | null>(null);
  const selfId = signal<string | null>(null);
  const cell = signal<string | null>(null);
  const position = signal<LatLng | null>(null);
  const positionSource = signal<PositionSource | null>(null);
  // Without IndexedDB the identity key cannot be stored: a new id on every visit.
  const identityPersistent = signal(typeof indexedDB !== 'undefined');
  const identityMessage = signal<string | null>(
    typeof indexedDB !== 'undefined' ? null : 'This browser cannot store your key, so you get a new id on every visit.',
  );
  const serverState = signal<ServerLinkState | null>(null);
  const neighbours = signal<readonly NeighbourModel[]>([]);
  /** Why the last join failed, while a retry is pending. */
  const error = signal<string | null>(null);
  const retryInS = signal<number | null>(null);
  /** The latest non-fatal problem reported by the mesh (e.g. a neighbour that failed to connect). */
  const notice = signal<string | null>(null);

  const assignedCount = computed(() => neighbours.value.length);
  const openCount = computed(() => neighbours.value.filter((n) => n.state.value === 'open').length);
  const phase = computed<JoinPhase>(() => {
    const s = stage.value;
    if (s !== 'joined') return s;
    return openCount.value < assignedCount.value ? 'connecting' : 'connected';
  });

  // Plain closure state: handles, not UI state, so not signals.
  let offs: (() => void)[] = [];
  let echo: EchoService | null = null;
  let attempts = 0;
  let retryTimer: ReturnType<typeof setInterval> | undefined;
  let noticeTimer: ReturnType<typeof setTimeout> | undefined;
  /** Set by useDeviceLocation: wins over the query and the server's estimate on later joins. */
  let positionOverride: LatLng | null = null;
  const relayOnly = new URLSearchParams(search).get('relay') === '1';

  function showNotice(text: string): void {
    notice.value = text;
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(() => (notice.value = null), NOTICE_MS);
  }

  function cancelRetry(): void {
    clearInterval(retryTimer);
    retryTimer = undefined;
    retryInS.value = null;
  }

  function scheduleRetry(reason: string): void {
    attempts += 1;
    const delayS = Math.min(RETRY_MAX_S, 2 ** attempts);
    batch(() => {
      stage.value = 'retrying';
      error.value = reason;
      retryInS.value = delayS;
    });
    clearInterval(retryTimer);
    // A one-second tick drives the visible countdown; the join starts when it reaches zero.
    retryTimer = setInterval(() => {
      const left = (retryInS.peek() ?? 1) - 1;
      if (left > 0) {
        retryInS.value = left;
        return;
      }
      cancelRetry();
      void start();
    }, 1_000);
  }

  function detach(): Mesh | null {
    for (const off of offs) off();
    offs = [];
    echo?.dispose();
    echo = null;
    const m = mesh.peek();
    batch(() => {
      mesh.value = null;
      neighbours.value = [];
      serverState.value = null;
    });
    return m;
  }

  function onServer({ state }: MeshEvents['server']): void {
    serverState.value = state;
    // `reconnecting` keeps data channels up and is the mesh's job; `closed` means it gave up.
    if (state === 'closed' && stage.peek() === 'joined') {
      void detach()?.leave().catch(() => undefined);
      scheduleRetry('Lost the connection to the server.');
    }
  }

  function onMeshError(e: MeshEvents['error']): void {
    if (e.code.startsWith('identity')) {
      batch(() => {
        identityPersistent.value = false;
        identityMessage.value = e.message;
      });
      return;
    }
    showNotice(e.message);
  }

  function attach(m: Mesh): void {
    batch(() => {
      mesh.value = m;
      selfId.value = m.id;
      cell.value = m.cell;
      position.value = m.position;
      serverState.value = m.serverState();
      // Seed from the snapshot: events fired before joinMesh resolved were not observed.
      neighbours.value = m.neighbours().reduce(upsertNeighbour, [] as readonly NeighbourModel[]);
      error.value = null;
      stage.value = 'joined';
    });
    attempts = 0;
    echo = createEcho(m);
    const upsert = (s: MeshEvents['neighbour-state']): void => {
      neighbours.value = upsertNeighbour(neighbours.peek(), s);
    };
    offs = [
      m.on('neighbour-added', upsert),
      m.on('neighbour-open', upsert),
      m.on('neighbour-state', upsert),
      m.on('neighbour-closed', ({ id }) => (neighbours.value = removeNeighbour(neighbours.peek(), id))),
      m.on('server', onServer),
      m.on('error', onMeshError),
    ];
  }

  /** Finds a position, then joins. No-op while a join is under way or done. */
  async function start(): Promise<void> {
    const s = stage.peek();
    if (s === 'locating' || s === 'joining' || s === 'joined') return;
    cancelRetry();
    stage.value = 'locating';
    try {
      const resolved = positionOverride
        ? { position: positionOverride, source: 'geolocation' as const }
        : await resolvePosition(search);
      if (stage.peek() !== 'locating') return; // left while locating
      if ('warning' in resolved && resolved.warning) showNotice(resolved.warning);
      batch(() => {
        positionSource.value = resolved.source;
        position.value = resolved.position ?? null;
        stage.value = 'joining';
      });
      const options: JoinOptions = {};
      if (resolved.position) options.position = resolved.position;
      if (relayOnly) options.rtcConfig = { iceTransportPolicy: 'relay' };
      const m = await join(options);
      if (stage.peek() !== 'joining') {
        void m.leave(); // left while joining
        return;
      }
      attach(m);
    } catch (e) {
      if (stage.peek() === 'locating' || stage.peek() === 'joining') scheduleRetry(errorText(e));
    }
  }

  /** Says goodbye and closes every connection. */
  async function leave(): Promise<void> {
    cancelRetry();
    batch(() => {
      stage.value = 'left';
      error.value = null;
    });
    await detach()?.leave();
  }

  return {
    phase,
    mesh,
    selfId,
    cell,
    position,
    positionSource,
    identityPersistent,
    identityMessage,
    serverState,
    neighbours,
    assignedCount,
    openCount,
    error,
    retryInS,
    notice,
    start,
    leave,
    /** Skips the rest of the retry countdown. */
    retryNow(): void {
      if (stage.peek() === 'retrying') void start();
    },
    /** Asks for the device's location (may prompt) and rejoins there. */
    async useDeviceLocation(): Promise<void> {
      try {
        positionOverride = await requestGeolocation();
      } catch (e) {
        showNotice(errorText(e));
        return;
      }
      await leave();
      await start();
    },
    /** The test echo (see echo.ts); rejects when not joined. */
    echo(peerId: string, text: string): Promise<string> {
      return echo ? echo.echo(peerId, text) : Promise.reject(new Error('not joined'));
    },
    dismissNotice(): void {
      notice.value = null;
    },
  };
});

export type MeshModelInstance = InstanceType<typeof MeshModel>;
