/**
 * A mesh's view of the network: its ICE servers (fetched with the join token, refreshed before
 * they expire, a STUN fallback when the fetch fails) and the one-off NAT test that runs after the
 * first join. Framework-free; the MeshNode owns one and reports what it learns as events.
 */
import type { IceServersStatus, NatReport } from './api';
import type { IceServersResponse } from '../../core/protocol';
import { FALLBACK_ICE_SERVERS, ICE_FIRST_FETCH_TIMEOUT_MS, IceRefresher, type IceServerSource } from './ice-servers';
import { detectNat } from './nat-diagnostics';

export interface MeshNetworkOptions {
  /** Where ICE servers come from; without one the mesh uses its configuration as is. */
  source?: IceServerSource;
  /** STUN servers for when `source` fails before it ever answered; default FALLBACK_ICE_SERVERS. */
  fallback?: readonly RTCIceServer[];
  /** Run the NAT test once after the first join. */
  diagnoseNat: boolean;
  /** Gathering timeout of the NAT test (see NAT_GATHER_TIMEOUT_MS). */
  natTimeoutMs?: number;
  RTCPeerConnection: typeof RTCPeerConnection;
  /** The ICE servers in use right now (the NAT test takes its STUN servers from these). */
  currentServers(): readonly RTCIceServer[];
  requestToken(): boolean;
  apply(servers: RTCIceServer[]): void;
  /**
   * Fresh TURN credentials replaced earlier ones. setConfiguration only reaches future gathering
   * (libwebrtc keeps existing allocations, and refreshes them with the old, soon expired,
   * credentials), so links relayed through an allocation should restart ICE to move to a new one.
   */
  onRotated(): void;
  onStatus(status: IceServersStatus): void;
  onNat(report: NatReport): void;
  onError(message: string): void;
}

const OFF: IceServersStatus = { state: 'off', source: null, relay: false, httpStatus: null, error: null };

export class MeshNetwork {
  readonly #ice: IceRefresher | null;
  readonly #abort = new AbortController();
  #nat: NatReport | null = null;
  #started = false;
  /** The TURN usernames last applied ('' when none). */
  #turnUsers = '';

  constructor(private readonly opts: MeshNetworkOptions) {
    this.#ice = opts.source
      ? new IceRefresher({
          source: opts.source,
          requestToken: opts.requestToken,
          apply: (servers) => this.#apply(servers),
          onError: opts.onError,
          onStatus: opts.onStatus,
          fallback: opts.fallback ?? FALLBACK_ICE_SERVERS,
        })
      : null;
  }

  get nat(): NatReport | null {
    return this.#nat;
  }

  get status(): IceServersStatus {
    return this.#ice?.status ?? OFF;
  }

  /** A join token from `welcome` or `token`. */
  setToken(token: string, expiresAt: number): void {
    this.#ice?.setToken(token, expiresAt);
  }

  /**
   * At the first `welcome`: fetches ICE servers and waits at most ICE_FIRST_FETCH_TIMEOUT_MS, so
   * links start with TURN when it comes quickly (a pair that needs a relay would otherwise fail
   * first and wait for an ICE restart) and the join is never held up for long; past the wait the
   * fallback STUN servers stand in. Servers the cell sent in `welcome` (`given`) are used at once
   * instead. The NAT test starts once the servers are known, in the background.
   */
  async firstJoin(given?: IceServersResponse): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    if (!this.#ice) return this.#diagnoseSoon();
    if (given) {
      this.#ice.use(given);
      return this.#diagnoseSoon();
    }
    const fetched = this.#ice.refresh();
    void fetched.then(() => this.#diagnoseSoon());
    let timer: ReturnType<typeof setTimeout> | undefined;
    const waited = await Promise.race([
      fetched.then(() => true),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ICE_FIRST_FETCH_TIMEOUT_MS))),
    ]);
    clearTimeout(timer);
    if (!waited) this.#ice.useFallback();
  }

  close(): void {
    this.#ice?.close();
    this.#abort.abort();
  }

  #apply(servers: RTCIceServer[]): void {
    const users = turnUsernames(servers);
    const rotated = this.#turnUsers !== '' && users !== this.#turnUsers;
    this.#turnUsers = users;
    this.opts.apply(servers);
    if (rotated) this.opts.onRotated();
  }

  /**
   * The NAT test builds its own RTCPeerConnections: start it in a later task, so the welcome's
   * links are created (and their offers under way) first.
   */
  #diagnoseSoon(): void {
    setTimeout(() => void this.#diagnose(), 0);
  }

  async #diagnose(): Promise<void> {
    if (!this.opts.diagnoseNat || this.#abort.signal.aborted) return;
    const report = await detectNat(this.opts.currentServers(), {
      RTCPeerConnection: this.opts.RTCPeerConnection,
      signal: this.#abort.signal,
      timeoutMs: this.opts.natTimeoutMs,
    });
    if (this.#abort.signal.aborted) return;
    this.#nat = report;
    this.opts.onNat(report);
  }
}

/** The usernames of a server list's TURN entries, as one comparable string. */
export function turnUsernames(servers: readonly RTCIceServer[]): string {
  return servers
    .filter((s) => s.username !== undefined && (typeof s.urls === 'string' ? [s.urls] : s.urls).some((u) => /^turns?:/i.test(u)))
    .map((s) => s.username)
    .join('\n');
}
