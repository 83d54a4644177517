// `auto` installs the IDB* classes as globals, as a browser has them (idb checks instanceof).
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { fromBase64url, peerIdFromPublicKey, verifySignature } from '../../core/identity';
import { DB_NAME, DEFAULT_SLOT, STORE, forgetIdentity, loadIdentity } from '../../client/identity/identity';

/** Reads the stored record straight from the fake database, bypassing the code under test. */
async function storedRecord(factory: IDBFactory, slot = DEFAULT_SLOT): Promise<{ privateKey: CryptoKey; publicKey: CryptoKey } | undefined> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const r = factory.open(DB_NAME);
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  try {
    return await new Promise((resolve, reject) => {
      const r = db.transaction(STORE).objectStore(STORE).get(slot);
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
  } finally {
    db.close();
  }
}

describe('loadIdentity() with IndexedDB', () => {
  it('creates a key on first use and returns the same id after a "reload"', async () => {
    const factory = new IDBFactory();
    const first = await loadIdentity({ indexedDB: factory });
    const second = await loadIdentity({ indexedDB: factory });
    expect(first.persistent).toBe(true);
    expect(first.reason).toBeUndefined();
    expect(second.id).toBe(first.id);
    expect(second.publicKeyB64).toBe(first.publicKeyB64);
    expect(first.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(await peerIdFromPublicKey(first.publicKey)).toBe(first.id);
  });

  it('stores a non-extractable private key', async () => {
    const factory = new IDBFactory();
    await loadIdentity({ indexedDB: factory });
    const rec = await storedRecord(factory);
    expect(rec?.privateKey.extractable).toBe(false);
    expect(rec?.privateKey.type).toBe('private');
    await expect(crypto.subtle.exportKey('pkcs8', rec!.privateKey)).rejects.toThrow();
  });

  it('signs payloads the server can verify with the public key', async () => {
    const id = await loadIdentity({ indexedDB: new IDBFactory() });
    const sig = fromBase64url(await id.sign('wisp-join/v1\nabc\nr1c2\n1.5\n-2'))!;
    expect(sig.length).toBe(64);
    expect(await verifySignature(id.publicKey, sig, 'wisp-join/v1\nabc\nr1c2\n1.5\n-2')).toBe(true);
    expect(await verifySignature(id.publicKey, sig, 'something else')).toBe(false);
  });

  it('gives concurrent first loads (two tabs) the same id', async () => {
    const factory = new IDBFactory();
    const [a, b, c] = await Promise.all([loadIdentity({ indexedDB: factory }), loadIdentity({ indexedDB: factory }), loadIdentity({ indexedDB: factory })]);
    expect(b.id).toBe(a.id);
    expect(c.id).toBe(a.id);
  });

  it('keeps separate slots apart, and forgetIdentity() makes a new id', async () => {
    const factory = new IDBFactory();
    const a = await loadIdentity({ indexedDB: factory });
    const other = await loadIdentity({ indexedDB: factory, slot: 'other' });
    expect(other.id).not.toBe(a.id);
    await forgetIdentity({ indexedDB: factory });
    const fresh = await loadIdentity({ indexedDB: factory });
    expect(fresh.id).not.toBe(a.id);
    expect((await loadIdentity({ indexedDB: factory, slot: 'other' })).id).toBe(other.id);
  });
});

describe('loadIdentity() without IndexedDB', () => {
  it('falls back to a session key when there is no IndexedDB', async () => {
    const a = await loadIdentity({ indexedDB: null });
    const b = await loadIdentity({ indexedDB: null });
    expect(a.persistent).toBe(false);
    expect(a.reason).toMatch(/IndexedDB/);
    expect(a.reason).toMatch(/change when you reload/);
    expect(b.id).not.toBe(a.id); // nothing persisted
    const sig = fromBase64url(await a.sign('x'))!;
    expect(await verifySignature(a.publicKey, sig, 'x')).toBe(true);
  });

  it('falls back when open() throws (private mode)', async () => {
    const throwing = {
      open() {
        throw new DOMException('A mutation operation was attempted on a database that did not allow mutations.', 'InvalidStateError');
      },
    } as unknown as IDBFactory;
    const id = await loadIdentity({ indexedDB: throwing });
    expect(id.persistent).toBe(false);
    expect(id.reason).toMatch(/mutation operation/);
  });

  it('falls back when the database errors on open', async () => {
    const failing = {
      open() {
        const req = { error: new DOMException('The user denied permission', 'UnknownError') } as { error: DOMException; onerror?: () => void };
        setTimeout(() => req.onerror?.());
        return req;
      },
    } as unknown as IDBFactory;
    const id = await loadIdentity({ indexedDB: failing, openTimeoutMs: 1_000 });
    expect(id.persistent).toBe(false);
    expect(id.reason).toMatch(/denied permission/);
  });

  it('falls back when open() never settles', async () => {
    const hanging = {
      open: () => ({}) as IDBOpenDBRequest,
    } as unknown as IDBFactory;
    const t0 = Date.now();
    const id = await loadIdentity({ indexedDB: hanging, openTimeoutMs: 100 });
    expect(id.persistent).toBe(false);
    expect(id.reason).toMatch(/did not open within 100 ms/);
    expect(Date.now() - t0).toBeLessThan(2_000);
  });
});
