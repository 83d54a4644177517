/**
 * What a page needs before it can join: a secure context (https, or http://localhost) for
 * WebCrypto, which signs the join, and WebRTC. Checked up front so the user reads what to do
 * rather than "Cannot read properties of undefined (reading 'generateKey')".
 */

/** This page cannot run Wisp; retrying will not help. `message` is fit to show to a user. */
export class UnsupportedError extends Error {
  override readonly name = 'UnsupportedError';
}

export const INSECURE_CONTEXT_MESSAGE =
  'Wisp needs https or localhost: on a plain http:// address the browser hides WebCrypto (crypto.subtle), which Wisp needs to sign in.';
export const NO_WEBRTC_MESSAGE = 'This browser has no WebRTC (RTCPeerConnection), which Wisp needs to link to other browsers.';

interface Env {
  isSecureContext?: boolean;
  crypto?: { subtle?: unknown };
}

/** Throws UnsupportedError when WebCrypto is missing (an insecure context hides it). */
export function assertSecureContext(env: Env = globalThis as Env): void {
  // `crypto.subtle` is undefined outside secure contexts (W3C Secure Contexts; WebCrypto §10).
  if (env.isSecureContext === false || !env.crypto?.subtle) throw new UnsupportedError(INSECURE_CONTEXT_MESSAGE);
}
