/**
 * Offers wait for candidate gathering to pause (timing.gatherQuietMs, at most gatherMaxMs) so the
 * candidates found at once travel inside them; answers go at once; no candidate travels twice. libwebrtc in Node puts host candidates into the description during
 * setLocalDescription; Chromium finds them a moment later. `LateGathering` behaves like the
 * latter: each candidate event comes 2 ms late, and the description shows only the candidates
 * whose events have come.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { candidateKey } from '../../client/mesh/ice';
import { LoopbackServer } from '../../client/signaling/loopback';
import { allOpen, leaveAll, peer, RTCPeerConnection, sortedIds, waitFor } from './helpers';

afterEach(leaveAll);

const LATE_MS = 2;

/**
 * A libwebrtc connection behind a Proxy (its properties are the instance's own and cannot be
 * redefined): `icecandidate` reaches the page's handler LATE_MS late, and `localDescription` and
 * `iceGatheringState` show only what has been announced.
 */
function lateGathering(config?: RTCConfiguration): RTCPeerConnection {
  const target = new RTCPeerConnection(config);
  const shown = new Set<string>();
  let complete = false;
  let handler: ((e: RTCPeerConnectionIceEvent) => void) | null = null;
  target.addEventListener('icecandidate', (e) => {
    const c = e.candidate;
    setTimeout(() => {
      if (c?.candidate) shown.add(candidateKey(c.candidate));
      else complete = true;
      handler?.({ candidate: c } as RTCPeerConnectionIceEvent);
    }, LATE_MS);
  });
  return new Proxy(target, {
    get(t, prop) {
      if (prop === 'onicecandidate') return handler;
      if (prop === 'iceGatheringState') return complete ? 'complete' : t.iceGatheringState === 'new' ? 'new' : 'gathering';
      if (prop === 'localDescription') {
        const d = t.localDescription;
        if (!d) return d;
        const sdp = d.sdp.replace(/^a=candidate:.*\r?\n/gm, (line) => (shown.has(candidateKey(line.trim().slice(2))) ? line : ''));
        return { type: d.type, sdp };
      }
      return Reflect.get(t, prop) as unknown;
    },
    set(t, prop, value) {
      if (prop === 'onicecandidate') {
        handler = value as typeof handler;
        return true;
      }
      return Reflect.set(t, prop, value);
    },
  });
}
const LateGathering = function (this: unknown, config?: RTCConfiguration) {
  return lateGathering(config);
} as unknown as typeof RTCPeerConnection;

async function link(PC: typeof RTCPeerConnection, timing: { gatherMaxMs?: number }): Promise<LoopbackServer> {
  const server = new LoopbackServer();
  const [a, b] = sortedIds(2) as [string, string];
  server.link(a, b);
  const options = { RTCPeerConnection: PC, timing: { pingIntervalMs: 200, ...timing } };
  const ma = peer(server, a, options);
  const mb = peer(server, b, options);
  await waitFor('open', () => allOpen(ma, [b]) && allOpen(mb, [a]));
  return server;
}

const candidateFrames = (s: LoopbackServer): number => s.relayed.filter((r) => r.msg.candidates).length;

/** Candidates sent in a frame of their own although the sender's description already had them. */
function sentTwice(s: LoopbackServer): string[] {
  const out: string[] = [];
  for (const r of s.relayed) {
    if (!r.msg.candidates) continue;
    const described = s.relayed.filter((d) => d.from === r.from && d.msg.description).map((d) => d.msg.description!.sdp).join('\n');
    for (const c of r.msg.candidates) if (described.includes(candidateKey(c.candidate).replace(/^candidate:/, 'a=candidate:'))) out.push(c.candidate);
  }
  return out;
}

describe('candidates inside the description', () => {
  it('with late gathering and the default pause, the offer carries its host candidates and only the answerer trickles', async () => {
    const server = await link(LateGathering, {});
    const descriptions = server.relayed.filter((r) => r.msg.description);
    expect(descriptions.map((r) => r.msg.description!.type)).toEqual(['offer', 'answer']);
    const [offer, answer] = descriptions as [(typeof descriptions)[0], (typeof descriptions)[0]];
    expect(offer.msg.description!.sdp).toMatch(/^a=candidate:/m);
    const frames = server.relayed.filter((r) => r.msg.candidates);
    expect(frames.every((r) => r.from === answer.from)).toBe(true);
    expect(sentTwice(server)).toEqual([]);
    // offer + answer + the answerer's candidate frames: the DESIGN's ≤ 3 per edge on this link
    expect(descriptions.length + frames.length).toBeLessThanOrEqual(3);
  });

  it('with late gathering and the pause off (gatherMaxMs 0), the candidates trickle in frames of their own', async () => {
    const server = await link(LateGathering, { gatherMaxMs: 0 });
    expect(candidateFrames(server)).toBeGreaterThan(0);
    expect(sentTwice(server)).toEqual([]);
  });

  it('when setLocalDescription already gathered (libwebrtc in Node), no candidate is sent again in a frame', async () => {
    for (const gatherMaxMs of [0, 40]) {
      const server = await link(RTCPeerConnection, { gatherMaxMs });
      expect(sentTwice(server)).toEqual([]);
      await leaveAll();
    }
  });
});
