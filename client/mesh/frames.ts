/**
 * Framing on a neighbour's data channel: one JSON envelope per message. `app` carries the
 * application's data; `ping`/`pong` measure RTT (the pinger's own clock travels in `ts` and comes
 * back unchanged, so the two peers' clocks never need to agree). Frames from a neighbour cross a
 * trust boundary, so they are parsed and checked, never cast.
 */

/**
 * Largest frame we send or accept. 64 KiB is the message size every browser pair interoperates
 * on without the `max-message-size` SDP negotiation mattering (RFC 8841 §6).
 */
export const MAX_FRAME_BYTES = 65_536;

export type Frame = { t: 'app'; d: unknown } | { t: 'ping'; n: number; ts: number } | { t: 'pong'; n: number; ts: number };

/** Serialises a frame; null when it cannot be sent (not JSON-serialisable, or too large). */
export function encodeFrame(frame: Frame): string | null {
  let text: string | undefined;
  try {
    text = JSON.stringify(frame);
  } catch {
    return null; // cyclic or BigInt data
  }
  // `d: undefined` serialises to `{"t":"app"}`: legal, decodes back to undefined.
  if (text === undefined || byteLength(text) > MAX_FRAME_BYTES) return null;
  return text;
}

/** Parses one received frame; null for anything malformed, oversized or of an unknown kind. */
export function decodeFrame(raw: unknown): Frame | null {
  if (typeof raw !== 'string' || raw.length > MAX_FRAME_BYTES) return null;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  const f = v as Record<string, unknown>;
  switch (f.t) {
    case 'app':
      return { t: 'app', d: f.d };
    case 'ping':
    case 'pong':
      if (!Number.isSafeInteger(f.n) || typeof f.ts !== 'number' || !Number.isFinite(f.ts)) return null;
      return { t: f.t, n: f.n as number, ts: f.ts };
    default:
      return null;
  }
}

function byteLength(s: string): number {
  // Every UTF-16 unit is at most 3 UTF-8 bytes: skip the encode for the common small frame.
  return s.length * 3 <= MAX_FRAME_BYTES ? s.length : new TextEncoder().encode(s).length;
}
