import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  exportPublicKey,
  fromBase64url,
  generateIdentityKeys,
  ID_BYTES,
  peerIdFromPublicKey,
  RAW_PUBLIC_KEY_BYTES,
  sign,
  SIGNATURE_BYTES,
  toBase64url,
  verifySignature,
} from '../../core/identity';
import { PEER_ID } from '../../core/protocol';

/** A fresh copy on its own ArrayBuffer (what the WebCrypto signatures ask for). */
const bytes = (from: ArrayLike<number>): Uint8Array<ArrayBuffer> => new Uint8Array(Array.from(from));

async function identity(): Promise<{ keys: CryptoKeyPair; raw: Uint8Array<ArrayBuffer>; id: string }> {
  const keys = await generateIdentityKeys();
  const raw = await exportPublicKey(keys.publicKey);
  return { keys, raw, id: await peerIdFromPublicKey(raw) };
}

describe('base64url', () => {
  it('toBase64url() and fromBase64url() round-trip any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const text = toBase64url(bytes);
        expect(text).toMatch(/^[A-Za-z0-9_-]*$/);
        expect(text).toBe(Buffer.from(bytes).toString('base64url')); // Node's encoder as the reference
        expect(fromBase64url(text)).toEqual(bytes);
      }),
      { numRuns: 300 },
    );
  });

  it('toBase64url() of known vectors (RFC 4648 §10, url alphabet, no padding)', () => {
    const enc = (s: string): string => toBase64url(new TextEncoder().encode(s));
    expect(enc('')).toBe('');
    expect(enc('f')).toBe('Zg');
    expect(enc('fo')).toBe('Zm8');
    expect(enc('foo')).toBe('Zm9v');
    expect(enc('foob')).toBe('Zm9vYg');
    expect(toBase64url(new Uint8Array([0xfb, 0xff, 0xbf]))).toBe('-_-_');
  });

  it('fromBase64url() returns null for text that is not base64url', () => {
    for (const bad of ['Zm9v=', 'Zg==', 'ab+c', 'ab/c', 'ab c', 'abcde', 'A', 'é', '\n']) expect(fromBase64url(bad), bad).toBeNull();
    expect(fromBase64url('')).toEqual(new Uint8Array(0));
  });
});

describe('peerIdFromPublicKey()', () => {
  it('peerIdFromPublicKey() is 22 base64url characters: the first 16 bytes of SHA-256 of the raw key', async () => {
    const { raw, id } = await identity();
    expect(raw).toHaveLength(RAW_PUBLIC_KEY_BYTES);
    expect(raw[0]).toBe(0x04); // uncompressed point
    expect(id).toHaveLength(22);
    expect(id).toMatch(PEER_ID);
    expect(fromBase64url(id)).toHaveLength(ID_BYTES);
    expect(id).toBe(createHash('sha256').update(raw).digest().subarray(0, ID_BYTES).toString('base64url'));
  });

  it('peerIdFromPublicKey() is deterministic and differs per key', async () => {
    const a = await identity();
    const b = await identity();
    expect(await peerIdFromPublicKey(a.raw)).toBe(a.id);
    expect(await peerIdFromPublicKey(bytes(a.raw))).toBe(a.id);
    expect(b.id).not.toBe(a.id);
    const flipped = bytes(a.raw);
    flipped[64] = flipped[64]! ^ 1;
    expect(await peerIdFromPublicKey(flipped)).not.toBe(a.id);
  });
});

describe('verifySignature()', () => {
  const payload = 'wisp-join/v1\nchallenge\nr35c44\n51.5\n-0.1';

  it('verifySignature() for a good signature: true', async () => {
    const { keys, raw } = await identity();
    const sig = await sign(keys.privateKey, payload);
    expect(sig).toHaveLength(SIGNATURE_BYTES);
    expect(await verifySignature(raw, sig, payload)).toBe(true);
    // survives the base64url trip it takes over the wire
    expect(await verifySignature(fromBase64url(toBase64url(raw))!, fromBase64url(toBase64url(sig))!, payload)).toBe(true);
  });

  it('verifySignature() for a tampered payload or signature: false', async () => {
    const { keys, raw } = await identity();
    const sig = await sign(keys.privateKey, payload);
    expect(await verifySignature(raw, sig, payload + ' ')).toBe(false);
    expect(await verifySignature(raw, sig, payload.replace('51.5', '51.6'))).toBe(false);
    expect(await verifySignature(raw, sig, '')).toBe(false);
    for (const i of [0, 31, 32, 63]) {
      const bad = bytes(sig);
      bad[i] = bad[i]! ^ 0x01;
      expect(await verifySignature(raw, bad, payload), `byte ${i}`).toBe(false);
    }
  });

  it('verifySignature() with another peer\'s key: false', async () => {
    const a = await identity();
    const b = await identity();
    expect(await verifySignature(b.raw, await sign(a.keys.privateKey, payload), payload)).toBe(false);
  });

  it('verifySignature() for malformed keys and signatures: false, never throws', async () => {
    const { keys, raw } = await identity();
    const sig = await sign(keys.privateKey, payload);
    const notOnCurve = new Uint8Array(RAW_PUBLIC_KEY_BYTES);
    notOnCurve[0] = 0x04;
    const badPrefix = bytes(raw);
    badPrefix[0] = 0x05;
    const cases: [Uint8Array<ArrayBuffer>, Uint8Array<ArrayBuffer>][] = [
      [new Uint8Array(0), sig],
      [bytes(raw.subarray(0, 64)), sig],
      [bytes([...raw, 0]), sig],
      [bytes(raw.subarray(0, 33)), sig], // compressed-point length
      [notOnCurve, sig],
      [badPrefix, sig],
      [raw, new Uint8Array(0)],
      [raw, bytes(sig.subarray(0, 63))],
      [raw, bytes([...sig, 0])],
      [raw, new Uint8Array(SIGNATURE_BYTES)], // r = s = 0
      [raw, new Uint8Array(SIGNATURE_BYTES).fill(0xff)], // r, s ≥ n
      [raw, new Uint8Array(72).fill(0x30)], // DER-looking
    ];
    for (const [k, s] of cases) await expect(verifySignature(k, s, payload)).resolves.toBe(false);
  });

  it('generateIdentityKeys() makes a private key that cannot be exported', async () => {
    const { keys } = await identity();
    expect(keys.privateKey.extractable).toBe(false);
    await expect(crypto.subtle.exportKey('pkcs8', keys.privateKey)).rejects.toThrow();
  });
});
