/**
 * The echo convention end-to-end tests use to prove a data channel carries bytes both ways:
 * `{echo, nonce}` to a neighbour comes back as `{echoReply, nonce}`. Every page answers echoes,
 * so a test needs no code in the remote page. Built only on `mesh.send` and `message` events.
 */
import type { Mesh } from '../mesh/api';

/** An echo with no reply by then rejects: a healthy loopback channel answers in milliseconds. */
export const ECHO_TIMEOUT_MS = 10_000;
/** Longest echo text answered; anything bigger is not a test probe. */
export const MAX_ECHO_CHARS = 16_384;
const MAX_NONCE_CHARS = 64;

interface EchoRequest {
  echo: string;
  nonce: string;
}
interface EchoReply {
  echoReply: string;
  nonce: string;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

// Data from a neighbour is untrusted: check shape and sizes before acting on it (STYLE rule 3).
function asEchoRequest(x: unknown): EchoRequest | null {
  if (!isRecord(x) || typeof x.echo !== 'string' || typeof x.nonce !== 'string') return null;
  if (x.echo.length > MAX_ECHO_CHARS || x.nonce.length > MAX_NONCE_CHARS) return null;
  return { echo: x.echo, nonce: x.nonce };
}

function asEchoReply(x: unknown): EchoReply | null {
  if (!isRecord(x) || typeof x.echoReply !== 'string' || typeof x.nonce !== 'string') return null;
  return { echoReply: x.echoReply, nonce: x.nonce };
}

export interface EchoService {
  /** Sends `text` to a neighbour and resolves with what it echoes back. */
  echo(peerId: string, text: string): Promise<string>;
  /** Stops answering and rejects pending echoes. */
  dispose(): void;
}

interface Pending {
  peerId: string;
  resolve: (text: string) => void;
  reject: (err: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** Answers echoes from neighbours and lets this page send its own. */
export function createEcho(mesh: Mesh): EchoService {
  const pending = new Map<string, Pending>();

  const off = mesh.on('message', ({ from, data }) => {
    const request = asEchoRequest(data);
    if (request) {
      mesh.send(from, { echoReply: request.echo, nonce: request.nonce } satisfies EchoReply);
      return;
    }
    const reply = asEchoReply(data);
    const waiting = reply ? pending.get(reply.nonce) : undefined;
    // Only the neighbour we asked may answer: a nonce is not a secret once it is on the wire.
    if (!reply || !waiting || waiting.peerId !== from) return;
    pending.delete(reply.nonce);
    clearTimeout(waiting.timer);
    waiting.resolve(reply.echoReply);
  });

  return {
    echo(peerId, text) {
      return new Promise<string>((resolve, reject) => {
        const nonce = crypto.randomUUID();
        if (!mesh.send(peerId, { echo: text, nonce } satisfies EchoRequest)) {
          reject(new Error(`no open data channel to ${peerId}`));
          return;
        }
        const timer = setTimeout(() => {
          pending.delete(nonce);
          reject(new Error(`echo to ${peerId} timed out after ${ECHO_TIMEOUT_MS} ms`));
        }, ECHO_TIMEOUT_MS);
        pending.set(nonce, { peerId, resolve, reject, timer });
      });
    },
    dispose() {
      off();
      for (const p of pending.values()) {
        clearTimeout(p.timer);
        p.reject(new Error('left the mesh'));
      }
      pending.clear();
    },
  };
}
