import { afterEach, describe, expect, it } from 'vitest';
import { LoopbackServer } from '../../client/signaling/loopback';
import { RTCPeerConnection, allOpen, inbox, leaveAll, peer, sortedIds, ufrag, waitFor } from './helpers';

afterEach(leaveAll);

describe('createMesh() on the loopback with real WebRTC', () => {
  it('two neighbours open a channel and exchange messages both ways', async () => {
    const server = new LoopbackServer();
    const [a, b] = sortedIds(2) as [string, string];
    server.link(a, b);
    const ma = peer(server, a);
    const mb = peer(server, b);
    const ina = inbox(ma);
    const inb = inbox(mb);
    await waitFor('both channels open', () => allOpen(ma, [b]) && allOpen(mb, [a]));
    expect(ma.link(b)!.polite).toBe(false); // the smaller id offers
    expect(mb.link(a)!.polite).toBe(true);
    expect(ma.link(b)!.counters.offers).toBe(1);
    expect(mb.link(a)!.counters.offers).toBe(0);
    expect(ma.send(b, { hello: 'from a' })).toBe(true);
    expect(mb.send(a, ['from b', 2])).toBe(true);
    await waitFor('messages', () => ina.length === 1 && inb.length === 1);
    expect(inb[0]).toEqual({ from: a, data: { hello: 'from a' } });
    expect(ina[0]).toEqual({ from: b, data: ['from b', 2] });
    await waitFor('rtt and path', () => ma.neighbours()[0]!.rttMs !== null && ma.neighbours()[0]!.path !== null);
    expect(ma.neighbours()[0]!.path).toBe('host');
    expect(ma.neighbours()[0]!.rttMs).toBeGreaterThanOrEqual(0);
    expect(ma.send('not-a-neighbour', 1)).toBe(false);
  });

  it('candidates that arrive before the description are held and applied', async () => {
    const server = new LoopbackServer();
    const [a, b] = sortedIds(2) as [string, string];
    // Hold a's offer until a has gathered and sent all its candidates, and drop b's candidates:
    // then the only way to connect is b using the candidates it had to hold.
    let releaseOffer: (() => void) | null = null;
    let candidatesBeforeOffer = 0;
    let candidatesAfterOffer = 0;
    server.relayHook = (rec, deliver) => {
      if (rec.from === b && rec.msg.candidates) return;
      // libwebrtc also puts the candidates gathered so far into the SDP; strip them so the
      // trickled ones are the only ones.
      if (rec.msg.description) rec.msg.description.sdp = rec.msg.description.sdp.replace(/^a=(candidate|end-of-candidates).*\r\n/gm, '');
      if (rec.from === a && rec.msg.description?.type === 'offer') {
        releaseOffer = deliver;
        return;
      }
      if (rec.from === a && rec.msg.candidates) releaseOffer ? candidatesBeforeOffer++ : candidatesAfterOffer++;
      deliver();
    };
    server.link(a, b);
    const ma = peer(server, a);
    const mb = peer(server, b);
    await waitFor('a gathered every candidate', () => releaseOffer !== null && ma.link(b)?.pc.iceGatheringState === 'complete');
    await new Promise((r) => setTimeout(r, 100)); // past the last 50 ms batch
    const deliverOffer = releaseOffer as unknown as () => void;
    releaseOffer = null;
    expect(candidatesBeforeOffer).toBeGreaterThan(0);
    deliverOffer();
    await waitFor('both channels open', () => allOpen(ma, [b]) && allOpen(mb, [a]));
    expect(candidatesAfterOffer).toBe(0);
    expect(mb.link(a)!.counters.heldCandidates).toBeGreaterThan(0);
  });

  it('addIceCandidate() before a remote description throws here, which is why candidates are held', async () => {
    const pc = new RTCPeerConnection();
    try {
      await expect(pc.addIceCandidate({ candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 })).rejects.toThrow();
    } finally {
      pc.close();
    }
  });

  it('glare: both sides restart ICE at once and the polite side yields', async () => {
    const server = new LoopbackServer();
    const [a, b] = sortedIds(2) as [string, string];
    server.link(a, b);
    const ma = peer(server, a);
    const mb = peer(server, b);
    const inb = inbox(mb);
    const ina = inbox(ma);
    await waitFor('open', () => allOpen(ma, [b]) && allOpen(mb, [a]));
    const la = ma.link(b)!;
    const lb = mb.link(a)!;
    const before = [ufrag(la.pc.localDescription?.sdp), ufrag(lb.pc.localDescription?.sdp)];
    // Hold offers until both sides have sent one, then deliver them crossing: true glare.
    const offers: Array<() => void> = [];
    server.relayHook = (rec, deliver) => {
      if (rec.msg.description?.type !== 'offer' || offers.length >= 2) return deliver();
      offers.push(deliver);
      if (offers.length === 2) for (const d of offers) d();
    };
    la.restartIce();
    lb.restartIce();
    await waitFor('both offered and settled', () => offers.length === 2 && la.pc.signalingState === 'stable' && lb.pc.signalingState === 'stable' && la.counters.ignoredOffers > 0);
    expect(la.counters.ignoredOffers).toBe(1); // impolite a ignores b's offer
    expect(lb.counters.rollbacks).toBe(1); // polite b rolls back its own and answers a's
    expect(la.counters.rollbacks).toBe(0);
    await waitFor('new ICE credentials on both sides', () => ufrag(la.pc.localDescription?.sdp) !== before[0] && ufrag(lb.pc.localDescription?.sdp) !== before[1]);
    await waitFor('ICE connected again', () => ['connected', 'completed'].includes(la.pc.iceConnectionState));
    expect(ma.send(b, 'after glare')).toBe(true);
    expect(mb.send(a, 'back')).toBe(true);
    await waitFor('messages after glare', () => inb.length === 1 && ina.length === 1);
    expect(la.counters.resets + lb.counters.resets).toBe(0); // same connections throughout
  });

  it('neighbour removal closes the RTCPeerConnection on both sides', async () => {
    const server = new LoopbackServer();
    const [a, b] = sortedIds(2) as [string, string];
    server.link(a, b);
    const ma = peer(server, a);
    const mb = peer(server, b);
    await waitFor('open', () => allOpen(ma, [b]) && allOpen(mb, [a]));
    const pcA = ma.link(b)!.pc;
    const pcB = mb.link(a)!.pc;
    const closed: string[] = [];
    ma.on('neighbour-closed', (e) => closed.push(`${e.id}:${e.reason}`));
    server.unlink(a, b);
    await waitFor('links gone', () => ma.neighbours().length === 0 && mb.neighbours().length === 0);
    expect(closed).toEqual([`${b}:unassigned`]);
    expect(pcA.signalingState).toBe('closed');
    expect(pcB.signalingState).toBe('closed');
    expect(ma.send(b, 'x')).toBe(false);
  });

  it('a mesh of 5 peers opens every assigned link', async () => {
    const server = new LoopbackServer();
    const ids = sortedIds(5);
    // A ring plus one chord: degrees 2 and 3, like a small Delaunay fan.
    const edges: Array<[number, number]> = [[0, 1], [1, 2], [2, 3], [3, 4], [4, 0], [0, 2]];
    for (const [i, j] of edges) server.link(ids[i]!, ids[j]!);
    const expected = ids.map((_, i) => edges.filter((e) => e.includes(i)).map(([x, y]) => ids[x === i ? y : x]!));
    const meshes = ids.map((id) => peer(server, id));
    await waitFor('every link open', () => meshes.every((m, i) => allOpen(m, expected[i]!)), 8_000);
    expect(meshes.map((m) => m.neighbours().length)).toEqual([3, 2, 3, 2, 2]);
    const got = inbox(meshes[1]!);
    expect(meshes[0]!.broadcast({ hi: 0 })).toBe(3);
    await waitFor('broadcast arrives', () => got.length === 1);
  });
});
