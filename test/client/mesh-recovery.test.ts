import { afterEach, describe, expect, it } from 'vitest';
import { REJOIN_GRACE_FACTOR } from '../../client/mesh/mesh';
import { LoopbackServer } from '../../client/signaling/loopback';
import { FAST, GRACE_MS, SETTLE_MS, allOpen, inbox, leaveAll, peer, sortedIds, ufrag, waitFor } from './helpers';

afterEach(leaveAll);

describe('createMesh() when the server link drops', () => {
  it('keeps channels open while reconnecting and reconciles the next welcome', async () => {
    const server = new LoopbackServer();
    const [a, b, c, d] = sortedIds(4) as [string, string, string, string];
    server.link(a, b);
    server.link(a, c);
    const ma = peer(server, a, { unassignedGraceMs: 1_000 });
    const mb = peer(server, b, { unassignedGraceMs: 1_000 });
    const mc = peer(server, c, { unassignedGraceMs: 1_000 });
    await waitFor('a–b and a–c open', () => allOpen(ma, [b, c]) && allOpen(mb, [a]) && allOpen(mc, [a]));
    const pcAB = ma.link(b)!.pc;
    const pcBA = mb.link(a)!.pc;
    const pcCA = mc.link(a)!.pc;
    const states: string[] = [];
    ma.on('server', (e) => states.push(e.state));

    server.drop(a);
    expect(ma.serverState()).toBe('reconnecting');
    // The cell told b and c `remove a`; they hold the open links for the grace period.
    await new Promise((r) => setTimeout(r, 100));
    expect(allOpen(ma, [b, c])).toBe(true);
    expect(allOpen(mb, [a])).toBe(true);
    const inb = inbox(mb);
    expect(ma.send(b, 'while the server is away')).toBe(true);
    await waitFor('message over the surviving channel', () => inb.length === 1);

    // Meanwhile the topology changes: c is no longer a's neighbour, a new peer d is.
    server.unlink(a, c);
    server.link(a, d);
    const md = peer(server, d, { unassignedGraceMs: 1_000 });
    server.restore(a);

    await waitFor('a reconciled: keeps b, drops c, opens d', () => allOpen(ma, [b, d]) && allOpen(md, [a]) && allOpen(mb, [a]));
    expect(states).toEqual(['reconnecting', 'joined']);
    expect(ma.link(b)!.pc).toBe(pcAB); // the very same connections survived
    expect(mb.link(a)!.pc).toBe(pcBA);
    expect(ma.link(b)!.counters.resets).toBe(0);
    // a's link to c (not in the welcome) and c's to a (`remove`) close at the end of the grace.
    await waitFor('c closed its link to a', () => mc.neighbours().length === 0);
    expect(pcCA.signalingState).toBe('closed');
  });

  it('a cell restart (every peer re-joins at its own time) closes no channel', async () => {
    const server = new LoopbackServer();
    const ids = sortedIds(3);
    server.linkAll(ids);
    const meshes = ids.map((id) => peer(server, id, { unassignedGraceMs: 1_000 }));
    const others = (i: number): string[] => ids.filter((_, j) => j !== i);
    await waitFor('all open', () => meshes.every((m, i) => allOpen(m, others(i))));
    const pcs = meshes.map((m, i) => others(i).map((o) => m.link(o)!.pc));
    const closed: string[] = [];
    for (const m of meshes) m.on('neighbour-closed', (e) => closed.push(e.id));
    for (const id of ids) server.drop(id);
    for (const id of ids) {
      await new Promise((r) => setTimeout(r, 300)); // staggered, like reconnect backoff
      server.restore(id);
    }
    await waitFor('all re-joined', () => meshes.every((m) => m.serverState() === 'joined'));
    await new Promise((r) => setTimeout(r, 1_200)); // past the grace period
    expect(closed).toEqual([]);
    expect(meshes.every((m, i) => allOpen(m, others(i)))).toBe(true);
    expect(meshes.map((m, i) => others(i).map((o) => m.link(o)!.pc))).toEqual(pcs);
  });

  it('after a re-join, a neighbour unassigned again within the settle time is never connected', async () => {
    const server = new LoopbackServer();
    const [a, b, c] = sortedIds(3) as [string, string, string];
    server.link(a, b);
    const ma = peer(server, a);
    const mb = peer(server, b);
    const mc = peer(server, c);
    await waitFor('a–b open', () => allOpen(ma, [b]) && allOpen(mb, [a]) && mc.serverState() === 'joined');
    const added: string[] = [];
    const closed: string[] = [];
    ma.on('neighbour-added', (e) => added.push(e.id));
    ma.on('neighbour-closed', (e) => closed.push(e.id));
    server.drop(a);
    server.restore(a);
    await waitFor('a re-joined', () => ma.serverState() === 'joined');
    // A stand-in edge, gone again before it settled: a never connects it.
    server.link(a, c);
    await new Promise((r) => setTimeout(r, SETTLE_MS / 3));
    server.unlink(a, c);
    await new Promise((r) => setTimeout(r, SETTLE_MS * 2));
    expect(added).toEqual([]);
    expect(closed).toEqual([]);
    // An edge that stays is connected once it has settled.
    const t0 = Date.now();
    server.link(a, c);
    await waitFor('a–c open', () => allOpen(ma, [b, c]) && allOpen(mc, [a]));
    expect(added).toEqual([c]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(SETTLE_MS - 20);
    expect(ma.link(b)!.counters.resets).toBe(0);
  });

  it('after a re-join, a stand-in outliving the settle time is not connected while the set keeps changing', async () => {
    const server = new LoopbackServer();
    const [a, b, c, d] = sortedIds(4) as [string, string, string, string];
    server.link(a, b);
    const ma = peer(server, a);
    const mb = peer(server, b);
    peer(server, c);
    peer(server, d);
    await waitFor('a–b open', () => allOpen(ma, [b]) && allOpen(mb, [a]));
    const added: string[] = [];
    const closed: string[] = [];
    ma.on('neighbour-added', (e) => added.push(e.id));
    ma.on('neighbour-closed', (e) => closed.push(e.id));
    server.drop(a);
    server.restore(a);
    await waitFor('a re-joined', () => ma.serverState() === 'joined');
    server.link(a, c); // a stand-in…
    await new Promise((r) => setTimeout(r, (SETTLE_MS * 2) / 3));
    server.link(a, d); // …others come back…
    await new Promise((r) => setTimeout(r, (SETTLE_MS * 2) / 3));
    server.unlink(a, c); // …and the stand-in goes, after longer than SETTLE_MS
    await waitFor('a–d open', () => allOpen(ma, [b, d]));
    expect(added).toEqual([d]);
    expect(closed).toEqual([]);
  });

  it('closes an unassigned open link only after the grace period', async () => {
    const server = new LoopbackServer();
    const [a, b] = sortedIds(2) as [string, string];
    server.link(a, b);
    const ma = peer(server, a);
    const mb = peer(server, b);
    await waitFor('open', () => allOpen(ma, [b]) && allOpen(mb, [a]));
    const t0 = Date.now();
    let closedAfter = -1;
    ma.on('neighbour-closed', () => (closedAfter = Date.now() - t0));
    server.unlink(a, b);
    await waitFor('closed', () => closedAfter >= 0);
    expect(closedAfter).toBeGreaterThanOrEqual(GRACE_MS - 50);
  });

  it('right after a re-join, a neighbour missing from the welcome gets REJOIN_GRACE_FACTOR × the grace', async () => {
    // After a cell restart neighbours come back at their own backoff, which can exceed the grace.
    const server = new LoopbackServer();
    const [a, b] = sortedIds(2) as [string, string];
    server.link(a, b);
    const ma = peer(server, a);
    const mb = peer(server, b, { unassignedGraceMs: 10_000 }); // b holds its side open throughout
    await waitFor('open', () => allOpen(ma, [b]) && allOpen(mb, [a]));
    server.drop(a);
    server.unlink(a, b); // b is not back yet when a re-joins
    const t0 = Date.now();
    let closedAfter = -1;
    ma.on('neighbour-closed', () => (closedAfter = Date.now() - t0));
    server.restore(a);
    await waitFor('a closed its link to b', () => closedAfter >= 0, 5_000);
    expect(closedAfter).toBeGreaterThanOrEqual(REJOIN_GRACE_FACTOR * GRACE_MS - 50);
  });

  it('a re-add within the grace period keeps the connection', async () => {
    const server = new LoopbackServer();
    const [a, b] = sortedIds(2) as [string, string];
    server.link(a, b);
    const ma = peer(server, a);
    const mb = peer(server, b);
    await waitFor('open', () => allOpen(ma, [b]) && allOpen(mb, [a]));
    const pc = ma.link(b)!.pc;
    server.unlink(a, b);
    await new Promise((r) => setTimeout(r, GRACE_MS / 3));
    server.link(a, b);
    await new Promise((r) => setTimeout(r, GRACE_MS * 2));
    expect(allOpen(ma, [b])).toBe(true);
    expect(ma.link(b)!.pc).toBe(pc);
  });
});

describe('createMesh() signals lost while the server is away', () => {
  it('redoes an ICE restart whose offer could not be sent', async () => {
    const server = new LoopbackServer();
    const [a, b] = sortedIds(2) as [string, string];
    server.link(a, b);
    const ma = peer(server, a, { unassignedGraceMs: 3_000 });
    const mb = peer(server, b, { unassignedGraceMs: 3_000 });
    await waitFor('open', () => allOpen(ma, [b]) && allOpen(mb, [a]));
    const la = ma.link(b)!;
    const before = ufrag(mb.link(a)!.pc.remoteDescription?.sdp);
    server.drop(a);
    la.restartIce(); // the offer has nowhere to go
    await waitFor('offer made', () => la.counters.offers === 2);
    expect(la.pc.signalingState).toBe('have-local-offer');
    server.restore(a);
    await waitFor('b saw new ICE credentials', () => ufrag(mb.link(a)?.pc.remoteDescription?.sdp) !== before && la.pc.signalingState === 'stable');
    expect(la.counters.offers).toBe(3);
    expect(allOpen(ma, [b])).toBe(true);
  });
});

describe('createMesh() when a neighbour starts over', () => {
  // The neighbour's page reloads and it re-joins before the server noticed anything: we get no
  // `remove`, only a new connection's signals (or a closed channel).
  for (const who of ['offerer', 'answerer'] as const) {
    it(`reconnects to a reloaded ${who} on fresh connections`, async () => {
      const server = new LoopbackServer();
      const [small, large] = sortedIds(2) as [string, string];
      const [reloader, stayer] = who === 'offerer' ? [small, large] : [large, small];
      server.link(small, large);
      const mr = peer(server, reloader);
      // A reloaded offerer is recognised by the new DTLS fingerprint in its offer, so give the
      // stayer no other clue (the closed channel would also trigger a restart, after a delay).
      const ms = peer(server, stayer, who === 'offerer' ? { timing: { ...FAST, channelResetDelayMs: 60_000 } } : {});
      await waitFor('open', () => allOpen(mr, [stayer]) && allOpen(ms, [reloader]));
      const oldPc = ms.link(reloader)!.pc;
      // The page dies: its connections close; then a new page with the same id joins.
      mr.link(stayer)!.close();
      const mr2 = peer(server, reloader);
      await waitFor('open again', () => allOpen(mr2, [stayer]) && allOpen(ms, [reloader]));
      expect(ms.link(reloader)!.pc).not.toBe(oldPc);
      const got = inbox(ms);
      expect(mr2.send(stayer, 'hi again')).toBe(true);
      await waitFor('message', () => got.length === 1);
    });
  }
});

describe('createMesh() and server errors', () => {
  it('reports server errors as events and keeps working', async () => {
    const server = new LoopbackServer();
    const [a, b] = sortedIds(2) as [string, string];
    server.link(a, b);
    const ma = peer(server, a);
    const mb = peer(server, b);
    const errors: Array<{ code: string; peer?: string }> = [];
    ma.on('error', (e) => errors.push(e));
    await waitFor('open', () => allOpen(ma, [b]) && allOpen(mb, [a]));
    server.inject(a, { type: 'error', code: 'not_neighbour', message: 'x is not an assigned neighbour', ref: 'signal', to: b });
    server.inject(a, { type: 'error', code: 'peer_gone', message: 'gone', ref: 'signal', to: b });
    server.inject(a, { type: 'error', code: 'rate_limited', message: 'slow down' });
    await waitFor('three errors', () => errors.length === 3);
    expect(errors.map((e) => e.code)).toEqual(['not_neighbour', 'peer_gone', 'rate_limited']);
    expect(errors[0]!.peer).toBe(b);
    expect(errors[2]!.peer).toBeUndefined();
    const got = inbox(mb);
    expect(ma.send(b, 'still fine')).toBe(true);
    await waitFor('message', () => got.length === 1);
  });

  it('leave() tells the server, closes every link, and the neighbour closes its side', async () => {
    const server = new LoopbackServer();
    const [a, b] = sortedIds(2) as [string, string];
    server.link(a, b);
    const ma = peer(server, a);
    const mb = peer(server, b);
    await waitFor('open', () => allOpen(ma, [b]) && allOpen(mb, [a]));
    const server$: string[] = [];
    ma.on('server', (e) => server$.push(e.state));
    const pc = ma.link(b)!.pc;
    await ma.leave();
    expect(ma.neighbours()).toEqual([]);
    expect(pc.signalingState).toBe('closed');
    expect(server$).toEqual(['closed']);
    expect(ma.serverState()).toBe('closed');
    await waitFor('b closed its link', () => mb.neighbours().length === 0);
  });
});
