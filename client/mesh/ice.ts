/**
 * ICE and SDP helpers of a neighbour link: batching local candidates into few `signal`s, and the
 * small pure functions negotiation needs.
 */
import { MAX_CANDIDATES, type Candidate } from '../../core/protocol';

/**
 * Collects local candidates and hands them on in batches: a batch goes when gathering pauses for
 * `quietMs` or `windowMs` after its first candidate, whichever comes first, at most MAX_CANDIDATES
 * per batch (the server's limit), and everything pending at end of gathering. Candidates come in
 * bursts (the host ones within a millisecond or two, STUN and TURN ones a round trip later), so a
 * burst travels in one frame without holding its first candidate for the whole window (which cost
 * ~50 ms of a ~120 ms join: bench/join). `windowMs` 0 sends each at once.
 */
export class CandidateBatcher {
  #out: Candidate[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #quiet: ReturnType<typeof setTimeout> | undefined;
  /** While a description is being prepared, candidates go inside it (see PeerLink). */
  #holding = false;
  /** Candidates the sent description carries: their events may still come after it went out. */
  #described = new Set<string>();

  constructor(
    private readonly windowMs: number,
    private readonly send: (batch: Candidate[]) => void,
    private readonly quietMs = 0,
  ) {}

  /** Adds a gathered candidate; `null` (end of gathering) flushes now. */
  add(c: RTCIceCandidate | null): void {
    if (this.#holding) return; // gathered before the description went out: it is in the SDP
    if (c?.candidate && this.#described.has(candidateKey(c.candidate))) return;
    // null, or an empty candidate string: end of gathering (of one generation).
    if (!c || !c.candidate) return this.flush();
    this.#out.push(toCandidate(c));
    if (this.#out.length >= MAX_CANDIDATES || this.windowMs <= 0) return this.flush();
    this.#timer ??= setTimeout(() => this.flush(), this.windowMs);
    if (this.quietMs > 0) {
      clearTimeout(this.#quiet);
      this.#quiet = setTimeout(() => this.flush(), this.quietMs);
    }
  }

  flush(): void {
    clearTimeout(this.#timer);
    clearTimeout(this.#quiet);
    this.#timer = this.#quiet = undefined;
    while (this.#out.length > 0) this.send(this.#out.splice(0, MAX_CANDIDATES));
  }

  /**
   * Until release(), candidates are left to the local description being prepared; what was
   * pending is dropped too (a new description carries every candidate gathered so far).
   */
  hold(): void {
    this.clear();
    this.#holding = true;
  }

  /** The description (`sdp`) went out: candidates not in it trickle from now on. */
  release(sdp = ''): void {
    this.#holding = false;
    this.#described = new Set((sdp.match(/^a=candidate:.*$/gm) ?? []).map((line) => candidateKey(line.slice(2))));
  }

  /** Drops what is pending (the connection is being replaced). */
  clear(): void {
    clearTimeout(this.#timer);
    clearTimeout(this.#quiet);
    this.#timer = this.#quiet = undefined;
    this.#out = [];
    this.#holding = false;
    this.#described.clear();
  }
}

/**
 * Identifies a candidate across its SDP line and its event: foundation, component, transport,
 * priority, address and port (the event's string adds `ufrag` and the like further on).
 */
export function candidateKey(candidate: string): string {
  return candidate.trim().split(/\s+/).slice(0, 6).join(' ');
}

/** Bound on candidates held for a connection that has no remote description yet. */
export const MAX_HELD_CANDIDATES = 256;

/**
 * Remote candidates for one connection: added at once when it has a remote description, else
 * held (addIceCandidate before setRemoteDescription throws) and added once it has one.
 */
export class HeldCandidates {
  #held: Candidate[] = [];

  /** @param onHeld called for every candidate that had to be held (a diagnostics counter). */
  constructor(private readonly onHeld: () => void = () => undefined) {}

  async add(pc: RTCPeerConnection, candidates: readonly Candidate[]): Promise<void> {
    for (const c of candidates) {
      if (pc.remoteDescription) {
        await addCandidate(pc, c);
        continue;
      }
      if (this.#held.length < MAX_HELD_CANDIDATES) this.#held.push(c);
      this.onHeld();
    }
  }

  /** Adds what was held; call right after setRemoteDescription. */
  async flush(pc: RTCPeerConnection): Promise<void> {
    for (const c of this.#held.splice(0)) await addCandidate(pc, c);
  }

  clear(): void {
    this.#held = [];
  }
}

/** The `a=fingerprint` line of an SDP: it changes only with a new RTCPeerConnection. */
export function fingerprint(sdp: string): string | null {
  return /^a=fingerprint:(.+)$/m.exec(sdp)?.[1]?.trim() ?? null;
}

/** The wire form of a candidate (only the fields the protocol carries). */
export function toCandidate(c: RTCIceCandidate): Candidate {
  const j = c.toJSON();
  const out: Candidate = { candidate: j.candidate ?? c.candidate };
  if (j.sdpMid !== undefined) out.sdpMid = j.sdpMid;
  if (j.sdpMLineIndex !== undefined) out.sdpMLineIndex = j.sdpMLineIndex;
  if (j.usernameFragment !== undefined) out.usernameFragment = j.usernameFragment;
  return out;
}

/** addIceCandidate that never throws. */
export async function addCandidate(pc: RTCPeerConnection, c: Candidate): Promise<void> {
  try {
    await pc.addIceCandidate(c);
  } catch {
    // Candidates of an earlier ICE generation, or of an offer we ignored in glare, do not apply;
    // losing them is harmless (W3C perfect negotiation example swallows them the same way).
  }
}

/** A short text for an unknown thrown value. */
export function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
