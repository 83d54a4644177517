/**
 * A set of joined bots, whichever server relays for them: the driver sends signals between bot
 * indices and hears back deliveries and errors. One implementation per server (wisp-net.ts,
 * peer-net.ts); both frame the same Signal with the same bytes of SDP/candidates.
 */
import type { Signal } from './traffic';

export interface NetHandlers {
  /** A signal reached bot `to`; `fromId` is the sender the server stamped; `text` holds the stamp. */
  signal(to: number, fromId: string, text: string, at: number): void;
  /** The server answered bot `at` with an error (a Wisp `error` code, a PeerServer message type). */
  error(at: number, code: string): void;
}

export interface BotNet {
  readonly server: 'wisp' | 'floor' | 'peerserver';
  readonly ids: readonly string[];
  readonly neighbours: readonly (readonly number[])[];
  handlers: NetHandlers;
  send(from: number, to: number, signal: Signal): void;
  /** Bytes queued in the bots' sockets, not yet handed to the kernel. */
  buffered(): number;
  /** Sockets closed by the server (or failed) since the bots joined. */
  closed(): number;
  close(): Promise<void>;
}

export const NO_HANDLERS: NetHandlers = { signal: () => {}, error: () => {} };

/** Keep-alive for both servers: Wisp wants a `ping` within 90 s, PeerServer a HEARTBEAT within 90 s. */
export const KEEPALIVE_MS = 25_000;

/** Runs `fn` over `items` with at most `limit` in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
