import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { coturnCredentials } from '../../core/ice';
import { startCoturn, type Coturn } from '../e2e/support/coturn';
import type { IceServersStatus } from '../../client/mesh/api';
import type { IceServerSource } from '../../client/mesh/ice-servers';
import { LoopbackServer } from '../../client/signaling/loopback';
import type { IceServersResponse } from '../../core/protocol';
import { allOpen, inbox, leaveAll, peer, sortedIds, ufrag, waitFor } from './helpers';

afterEach(leaveAll);

/** TURN credentials that expire 2 s after issue: the refresher renews them about every second. */
function shortLivedTurn(): { source: IceServerSource; issued: string[] } {
  const issued: string[] = [];
  const source: IceServerSource = async (token) => {
    const username = `${issued.length}:${token}`;
    issued.push(username);
    const res: IceServersResponse = {
      iceServers: [{ urls: 'turn:127.0.0.1:9?transport=udp', username, credential: 'c' }],
      source: 'coturn',
      relay: true,
      ttl: 2,
      expiresAt: Date.now() / 1_000 + 2,
    };
    return res;
  };
  return { source, issued };
}

describe('createMesh() refreshing ICE servers', () => {
  it('applies fresh TURN credentials to live links with setConfiguration; no link drops', async () => {
    const server = new LoopbackServer();
    const [a, b] = sortedIds(2) as [string, string];
    server.link(a, b);
    const turnA = shortLivedTurn();
    const ma = peer(server, a, { iceServers: turnA.source });
    const mb = peer(server, b, { iceServers: shortLivedTurn().source });
    const statuses: IceServersStatus[] = [];
    ma.on('ice-servers', (s) => statuses.push(s));
    await waitFor('open', () => allOpen(ma, [b]) && allOpen(mb, [a]));
    const pc = ma.link(b)!.pc;
    const closed: string[] = [];
    ma.on('neighbour-closed', (e) => closed.push(e.id));
    const before = turnA.issued.length;
    await waitFor('two refreshes', () => turnA.issued.length >= before + 2, 5_000);
    await new Promise((r) => setTimeout(r, 50)); // let the last one be applied
    expect(ma.link(b)!.pc).toBe(pc); // the same connection throughout
    const servers = pc.getConfiguration().iceServers ?? [];
    expect(servers.map((s) => s.username)).toEqual([turnA.issued.at(-1)]);
    expect(statuses.at(-1)).toMatchObject({ state: 'ok', source: 'coturn', relay: true });
    expect(ma.iceServersStatus().relay).toBe(true);
    expect(closed).toEqual([]);
    expect(allOpen(ma, [b])).toBe(true);
    const got = inbox(mb);
    expect(ma.send(b, 'after the refresh')).toBe(true);
    await waitFor('message', () => got.length === 1);
  });
});

describe('createMesh() with ICE servers in the welcome', () => {
  it('uses the servers the cell sent at once: no fetch before the first link, one when they near expiry', async () => {
    const server = new LoopbackServer();
    server.welcomeIce = {
      iceServers: [{ urls: 'turn:127.0.0.1:9?transport=udp', username: 'from-welcome', credential: 'c' }],
      source: 'coturn', relay: true, ttl: 2, expiresAt: Date.now() / 1_000 + 2,
    };
    const [a, b] = sortedIds(2) as [string, string];
    server.link(a, b);
    const turnA = shortLivedTurn();
    const ma = peer(server, a, { iceServers: turnA.source });
    const mb = peer(server, b, { iceServers: shortLivedTurn().source });
    await waitFor('open', () => allOpen(ma, [b]) && allOpen(mb, [a]));
    expect(turnA.issued).toEqual([]); // the first link started on the welcome's servers
    expect(ma.link(b)!.pc.getConfiguration().iceServers?.map((s) => s.username)).toEqual(['from-welcome']);
    expect(ma.iceServersStatus()).toMatchObject({ state: 'ok', source: 'coturn', relay: true });
    await waitFor('a refresh before the welcome servers expire', () => turnA.issued.length >= 1, 5_000);
    await new Promise((r) => setTimeout(r, 50));
    expect(ma.link(b)!.pc.getConfiguration().iceServers?.map((s) => s.username)).toEqual([turnA.issued.at(-1)]);
  });
});

describe('createMesh() relayed through a real coturn', () => {
  const TURN_PORT = 3_481;
  let coturn: Coturn;
  beforeAll(async () => {
    coturn = await startCoturn(TURN_PORT, 'client-test-secret');
  });
  afterAll(async () => {
    await coturn?.stop();
  });

  /** Real TURN REST credentials (the Worker's scheme), valid 60 s, renewed every 2 s. */
  function coturnSource(id: string): { source: IceServerSource; issued: string[] } {
    const issued: string[] = [];
    const source: IceServerSource = async () => {
      // A distinct expiry per fetch gives a distinct username, as an hour apart would.
      const cred = await coturnCredentials(coturn.secret, id, 60 + issued.length, Math.floor(Date.now() / 1_000));
      issued.push(cred.username);
      return { iceServers: [{ urls: coturn.url, username: cred.username, credential: cred.credential }], source: 'coturn', relay: true, ttl: 4, expiresAt: Date.now() / 1_000 + 4 };
    };
    return { source, issued };
  }

  it('rotated TURN credentials move relayed links to a new allocation by an ICE restart; the channel stays', async () => {
    const server = new LoopbackServer();
    const [a, b] = sortedIds(2) as [string, string];
    server.link(a, b);
    const relayOnly: RTCConfiguration = { iceTransportPolicy: 'relay' };
    const srcA = coturnSource(a);
    const ma = peer(server, a, { rtcConfig: relayOnly, iceServers: srcA.source, unassignedGraceMs: 30_000 });
    const mb = peer(server, b, { rtcConfig: relayOnly, iceServers: coturnSource(b).source, unassignedGraceMs: 30_000 });
    await waitFor('relayed and open', () => allOpen(ma, [b]) && allOpen(mb, [a]) && ma.neighbours()[0]!.path === 'relay', 8_000);
    expect(ma.neighbours()[0]!.relayReason).toBe('forced-relay');
    const link = ma.link(b)!;
    const pc = link.pc;
    const before = { restarts: link.counters.iceRestarts, ufrag: ufrag(pc.localDescription?.sdp), issued: srcA.issued.length };
    await waitFor('a rotation and an ICE restart', () => srcA.issued.length > before.issued && link.counters.iceRestarts > before.restarts, 6_000);
    await waitFor('new ICE credentials, connected again', () => ufrag(pc.localDescription?.sdp) !== before.ufrag && pc.signalingState === 'stable' && ['connected', 'completed'].includes(pc.iceConnectionState), 6_000);
    expect(link.pc).toBe(pc); // an ICE restart, not a new connection
    expect(link.counters.resets).toBe(0);
    expect(allOpen(ma, [b])).toBe(true);
    const got = inbox(mb);
    expect(ma.send(b, 'through the new allocation')).toBe(true);
    await waitFor('message', () => got.length === 1);
  }, 20_000);
});
