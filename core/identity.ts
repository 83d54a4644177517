/**
 * Peer identity: an ECDSA P-256 key pair; the id is base64url of the first 16 bytes of SHA-256
 * of the raw public key, so nobody can claim an id without the private key. WebCrypto only, so
 * the same code runs in browsers, Workers and Node ≥ 20.
 */

export const ID_BYTES = 16;
export const RAW_PUBLIC_KEY_BYTES = 65;
export const SIGNATURE_BYTES = 64;

const ECDSA = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;

export function toBase64url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Decodes base64url; null when the text is not base64url. */
export function fromBase64url(text: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return null;
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The peer id of a raw (65-byte uncompressed) P-256 public key. */
export async function peerIdFromPublicKey(raw: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', raw));
  return toBase64url(digest.subarray(0, ID_BYTES));
}

/**
 * Verifies a join signature. Returns false (never throws) for a malformed key or signature.
 */
export async function verifySignature(rawPublicKey: Uint8Array<ArrayBuffer>, signature: Uint8Array<ArrayBuffer>, payload: string): Promise<boolean> {
  if (rawPublicKey.length !== RAW_PUBLIC_KEY_BYTES || signature.length !== SIGNATURE_BYTES) return false;
  try {
    const key = await crypto.subtle.importKey('raw', rawPublicKey, ECDSA, false, ['verify']);
    return await crypto.subtle.verify(SIGN, key, signature, new TextEncoder().encode(payload));
  } catch {
    return false;
  }
}

/** A fresh key pair; the private key cannot be exported (it stays in IndexedDB as a CryptoKey). */
export async function generateIdentityKeys(): Promise<CryptoKeyPair> {
  return (await crypto.subtle.generateKey(ECDSA, false, ['sign', 'verify'])) as CryptoKeyPair;
}

export async function exportPublicKey(key: CryptoKey): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array((await crypto.subtle.exportKey('raw', key)) as ArrayBuffer);
}

export async function sign(privateKey: CryptoKey, payload: string): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await crypto.subtle.sign(SIGN, privateKey, new TextEncoder().encode(payload)));
}
