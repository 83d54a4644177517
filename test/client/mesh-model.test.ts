/**
 * The app model (client/models) with a stand-in mesh: what the panel will show about the network
 * and a page that cannot run Wisp. No WebRTC here; the mesh's own tests cover that.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { IceServersStatus, Mesh, MeshEvents, NatReport } from '../../client/mesh/api';
import { INSECURE_CONTEXT_MESSAGE, UnsupportedError } from '../../client/mesh/environment';
import { MeshModel, type MeshModelInstance } from '../../client/models/mesh-model';
import { relayAttribute } from '../../client/models/network';
import { Listeners } from '../../client/signaling/listeners';
import { natText, relayReasonText, relayText } from '../../client/ui/format';
import { waitFor } from './helpers';

type Handlers = { [K in keyof MeshEvents]?: Listeners<MeshEvents[K]> };

/** A joined mesh with no neighbours that emits what the test tells it to. */
class FakeMesh implements Mesh {
  readonly id = 'AAAAAAAAAAAAAAAAAAAAAA';
  readonly cell = 'r0c0';
  readonly position = { lat: 1, lng: 2 };
  readonly identity = { persistent: true };
  natReport: NatReport | null = null;
  ice: IceServersStatus = { state: 'pending', source: null, relay: false, httpStatus: null, error: null };
  readonly #handlers: Handlers = {};
  neighbours = () => [];
  serverState = () => 'joined' as const;
  nat = () => this.natReport;
  iceServersStatus = () => this.ice;
  send = () => false;
  broadcast = () => 0;
  leave = async () => undefined;
  on<K extends keyof MeshEvents>(type: K, fn: (e: MeshEvents[K]) => void): () => void {
    const l = (this.#handlers[type] ??= new Listeners<MeshEvents[K]>() as Handlers[K]) as Listeners<MeshEvents[K]>;
    return l.add(fn);
  }
  emit<K extends keyof MeshEvents>(type: K, e: MeshEvents[K]): void {
    (this.#handlers[type] as Listeners<MeshEvents[K]> | undefined)?.emit(e);
  }
}

const SYMMETRIC: NatReport = { type: 'symmetric', reason: 'two ports', publicAddresses: ['198.51.100.2:1', '198.51.100.2:2'] };
const ok = (relay: boolean): IceServersStatus => ({ state: 'ok', source: relay ? 'coturn' : 'stun', relay, httpStatus: null, error: null });
const down: IceServersStatus = { state: 'failed', source: null, relay: false, httpStatus: 502, error: 'ice-servers answered 502 upstream_error' };

let model: MeshModelInstance | null = null;
afterEach(async () => {
  await model?.leave();
  model = null;
});

describe('MeshModel network state', () => {
  it('takes the NAT verdict and relay status from the mesh, seeded and then by events', async () => {
    const mesh = new FakeMesh();
    mesh.ice = ok(false);
    model = new MeshModel({ join: async () => mesh, search: '?lat=1&lng=2' });
    await model.start();
    expect(model.phase.value).toBe('connected');
    expect(model.network.nat.value).toBeNull();
    expect(relayAttribute(model.network.iceServers.value)).toBe('false');
    mesh.emit('nat', SYMMETRIC);
    mesh.emit('ice-servers', ok(true));
    expect(model.network.nat.value?.type).toBe('symmetric');
    expect(relayAttribute(model.network.iceServers.value)).toBe('true');
  });

  it('a page that is not a secure context says so once and does not retry', async () => {
    let joins = 0;
    model = new MeshModel({
      join: async () => {
        joins++;
        throw new UnsupportedError(INSECURE_CONTEXT_MESSAGE);
      },
      search: '?lat=1&lng=2',
    });
    await model.start();
    expect(model.phase.value).toBe('unsupported');
    expect(model.error.value).toMatch(/^Wisp needs https or localhost/);
    expect(model.retryInS.value).toBeNull();
    await model.start();
    expect(joins).toBe(1);
  });

  it('any other join failure is retried', async () => {
    model = new MeshModel({ join: async () => Promise.reject(new Error('boom')), search: '?lat=1&lng=2' });
    await model.start();
    await waitFor('retrying', () => model!.phase.value === 'retrying');
    expect(model.retryInS.value).toBeGreaterThan(0);
  });
});

describe('relayAttribute()', () => {
  it('is empty while unknown, true only with a relay', () => {
    expect(relayAttribute(null)).toBe('');
    expect(relayAttribute({ ...ok(false), state: 'pending' })).toBe('');
    expect(relayAttribute(ok(true))).toBe('true');
    expect(relayAttribute(down)).toBe('false');
    expect(relayAttribute({ ...ok(false), state: 'off' })).toBe('false');
  });
});

describe('the panel’s words', () => {
  it('natText() for a symmetric NAT depends on the relay', () => {
    expect(natText(SYMMETRIC, ok(true))).toBe('Your network: symmetric NAT — direct links will mostly fail; a relay (TURN) is configured, so they will be relayed.');
    expect(natText(SYMMETRIC, ok(false))).toMatch(/no relay is configured on this server, so some links may fail/);
    expect(natText(SYMMETRIC, down)).toMatch(/relay service is unavailable/);
  });
  it('natText() for cone and blocked UDP', () => {
    expect(natText({ type: 'cone', reason: '', publicAddresses: [] }, ok(false))).toBe('Your network: cone-like NAT — direct links to most peers are likely.');
    expect(natText({ type: 'udp-blocked', reason: '', publicAddresses: [] }, ok(false))).toMatch(/^Your network: UDP appears blocked/);
  });
  it('relayText() names a 502 as the relay service being unavailable', () => {
    expect(relayText(down)).toBe('The relay service is unavailable (the server answered 502), so links use STUN only.');
    expect(relayText(ok(false))).toMatch(/No relay \(TURN\) is configured/);
    expect(relayText(ok(true))).toMatch(/^A relay \(TURN\) is configured \(coturn\)/);
  });
  it('relayReasonText() says why a link is relayed', () => {
    expect(relayReasonText('forced-relay', 'cone')).toBe('relayed: forced relay-only (?relay=1)');
    expect(relayReasonText('no-direct-route', null)).toBe('relayed: no direct route (symmetric NAT on one side?)');
    expect(relayReasonText('no-direct-route', 'symmetric')).toBe('relayed: no direct route (your NAT is symmetric)');
  });
});
