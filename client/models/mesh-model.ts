/**
 * The app's state: where we are in joining, who we are, and our neighbours, as signals; and the
 * actions the UI may call. The mesh library (`joinMesh`) is injected, so this file holds no WebRTC
 * and tests can drive it with a fake mesh.
 */
import { batch, computed, createModel, signal } from '@preact/signals';
import type { LatLng } from '../../core/geo';
import type { Mesh, MeshEvents, ServerLinkState } from '../mesh/api';
import type { JoinMeshOptions } from '../mesh/join';
import { networkModel, watchNetwork } from './network';
import { createEcho, type EchoService } from './echo';
import { claimIdentitySlot, type Slot } from './identity-slot';
import { watchJoin } from './join-watch';
import { removeNeighbour, upsertNeighbour, type NeighbourModel } from './neighbours';
import { requestGeolocation, resolvePosition, type PositionSource } from './position';

/** After joinMesh itself gives up (rare: it retries internally), wait 2, 4, 8 … s up to this. */
export const REJOIN_MAX_S = 30;
/** A mesh error notice disappears after this long. */
export const NOTICE_MS = 8_000;

export type JoinFn = (options: JoinMeshOptions) => Promise<Mesh>;

/**
 * `connecting`: joined, some assigned neighbours' channels are still being opened.
 * `connected`: joined, every assigned neighbour's channel is open or has failed (or none is assigned).
 * `retrying`: joinMesh failed for good or the server link closed; a new join is scheduled.
 * `unsupported`: this page cannot run Wisp (not https/localhost, no WebRTC); `error` says why.
 */
export type JoinPhase = 'idle' | 'locating' | 'joining' | 'connecting' | 'connected' | 'retrying' | 'left' | 'unsupported';
type Stage = 'idle' | 'locating' | 'joining' | 'joined' | 'retrying' | 'left' | 'unsupported';

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
  const identityPersistent = signal(true);
  const identityMessage = signal<string | null>(null);
  const serverState = signal<ServerLinkState | null>(null);
  const neighbours = signal<readonly NeighbourModel[]>([]);
  /** What is wrong with the server link right now, in words; null when nothing is. */
  const error = signal<string | null>(null);
  /** Seconds until the next connection attempt, counting down; null when none is scheduled. */
  const retryInS = signal<number | null>(null);
  /** The latest non-fatal problem reported by the mesh (e.g. a neighbour that failed to connect). */
  const notice = signal<string | null>(null);

  const assignedCount = computed(() => neighbours.value.length);
  const openCount = computed(() => neighbours.value.filter((n) => n.state.value === 'open').length);
  const failedCount = computed(() => neighbours.value.filter((n) => n.state.value === 'failed').length);
  const phase = computed<JoinPhase>(() => {
    const s = stage.value;
    if (s !== 'joined') return s;
    // A failed link is settled, not pending: it must not keep the page "connecting" forever.
    return openCount.value + failedCount.value < assignedCount.value ? 'connecting' : 'connected';
  });

  // Plain closure state: handles, not UI state, so not signals.
  let offs: (() => void)[] = [];
  let echo: EchoService | null = null;
  let rejoins = 0;
  let countdown: ReturnType<typeof setInterval> | undefined;
  let noticeTimer: ReturnType<typeof setTimeout> | undefined;
  let replaced = false;
  /** joinMesh cannot be cancelled: a join that resolves after a newer one started is discarded. */
  let joinGeneration = 0;
  let slot: Promise<Slot> | null = null;
  /** Set by useDeviceLocation: wins over the query and the server's estimate on later joins. */
  let positionOverride: LatLng | null = null;
  const relayOnly = new URLSearchParams(search).get('relay') === '1';
  const network = networkModel();

  function showNotice(text: string): void {
    notice.value = text;
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(() => (notice.value = null), NOTICE_MS);
  }

  /** Counts `retryInS` down once a second; calls `then` at zero (if given). */
  function startCountdown(seconds: number, then?: () => void): void {
    clearInterval(countdown);
    retryInS.value = seconds;
    countdown = setInterval(() => {
      const left = (retryInS.peek() ?? 1) - 1;
      if (left > 0) {
        retryInS.value = left;
        return;
      }
      stopCountdown();
      then?.();
    }, 1_000);
  }

  function stopCountdown(): void {
    clearInterval(countdown);
    countdown = undefined;
    retryInS.value = null;
  }

  // The transport retries by itself; this only puts its reasons and delays into words. A join
  // abandoned by leave() may still be retrying in the background: it reports nothing then.
  const watching = (): boolean => stage.peek() === 'joining' || stage.peek() === 'joined';
  const watch = watchJoin({
    retrying: (reason, ms) => {
      if (!watching()) return;
      error.value = reason;
      startCountdown(Math.max(1, Math.ceil(ms / 1_000)));
    },
  });

  function scheduleRejoin(reason: string): void {
    rejoins += 1;
    batch(() => {
      stage.value = 'retrying';
      error.value = reason;
    });
    startCountdown(Math.min(REJOIN_MAX_S, 2 ** rejoins), () => void start());
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
    if (state === 'joined') {
      watch.joined();
      stopCountdown();
      error.value = null;
    }
    // `reconnecting` keeps data channels up and is the mesh's job; `closed` means it gave up.
    if (state === 'closed' && stage.peek() === 'joined') {
      void detach()?.leave().catch(() => undefined);
      if (replaced) {
        // Rejoining would evict the other copy of this id, which would rejoin and evict us…
        stage.value = 'left';
        showNotice('This peer id joined from another tab or device, so this tab left the mesh.');
      } else {
        scheduleRejoin('The server closed the connection.');
      }
    }
  }

  function attach(m: Mesh): void {
    watch.joined();
    stopCountdown();
    batch(() => {
      mesh.value = m;
      selfId.value = m.id;
      cell.value = m.cell;
      position.value = m.position;
      identityPersistent.value = m.identity.persistent;
      identityMessage.value = m.identity.reason ?? null;
      serverState.value = m.serverState();
      // Seed from the snapshot: events fired before joinMesh resolved were not observed.
      neighbours.value = m.neighbours().reduce(upsertNeighbour, [] as readonly NeighbourModel[]);
      error.value = null;
      stage.value = 'joined';
    });
    rejoins = 0;
    replaced = false;
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
      ...watchNetwork(network, m),
      m.on('error', (e) => {
        if (e.code === 'replaced') replaced = true;
        // The network section says what a failed ICE server fetch means; no flash notice too.
        else if (e.code === 'ice_servers') return;
        // While reconnecting, the countdown banner already says what is wrong.
        else if (serverState.peek() === 'joined') showNotice(e.message);
      }),
    ];
  }

  /** Finds a position, then joins. No-op while a join is under way or done. */
  async function start(): Promise<void> {
    const s = stage.peek();
    if (s === 'locating' || s === 'joining' || s === 'joined' || s === 'unsupported') return;
    stopCountdown();
    stage.value = 'locating';
    try {
      slot ??= claimIdentitySlot();
      const resolved = positionOverride ? { position: positionOverride, source: 'geolocation' as const } : await resolvePosition(search);
      const claimed = await slot;
      if (stage.peek() !== 'locating') return; // left while locating
      if (resolved.warning) showNotice(resolved.warning);
      batch(() => {
        positionSource.value = resolved.source;
        position.value = resolved.position ?? null;
        stage.value = 'joining';
      });
      const options: JoinMeshOptions = { transport: watch.transport };
      if (resolved.position) options.position = resolved.position;
      if (relayOnly) options.rtcConfig = { iceTransportPolicy: 'relay' };
      // null: more tabs than slots; a key for this page only beats evicting another tab.
      if (claimed !== undefined) options.identity = claimed === null ? { indexedDB: null } : { slot: claimed };
      const generation = ++joinGeneration;
      const m = await join(options);
      if (generation !== joinGeneration || stage.peek() !== 'joining') {
        void m.leave(); // left (and maybe rejoined) while this join was pending
        return;
      }
      attach(m);
    } catch (e) {
      if (stage.peek() !== 'locating' && stage.peek() !== 'joining') return;
      // Retrying cannot fix a page that lacks https or WebRTC: say so once and stop.
      if (e instanceof Error && e.name === 'UnsupportedError') {
        batch(() => {
          stage.value = 'unsupported';
          error.value = e.message;
        });
        return;
      }
      scheduleRejoin(errorText(e));
    }
  }

  /** Says goodbye and closes every connection. */
  async function leave(): Promise<void> {
    stopCountdown();
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
    /** The NAT test's verdict and the relay configuration (see network.ts). */
    network,
    assignedCount,
    openCount,
    failedCount,
    error,
    retryInS,
    notice,
    start,
    leave,
    /** Skips the rest of a rejoin countdown (not the transport's own, which cannot be hurried). */
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
