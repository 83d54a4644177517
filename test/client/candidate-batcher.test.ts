import { describe, expect, test, vi } from 'vitest';
import { CandidateBatcher } from '../../client/mesh/ice';

const cand = (n: number): RTCIceCandidate => {
  const init = { candidate: `candidate:${n} 1 udp 1 127.0.0.1 ${5000 + n} typ host`, sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'u' };
  return { ...init, toJSON: () => init } as unknown as RTCIceCandidate;
};

describe('CandidateBatcher', () => {
  test('sends a burst when gathering pauses, at the latest the window after its first candidate', () => {
    vi.useFakeTimers();
    try {
      const sent: number[] = [];
      const b = new CandidateBatcher(50, (batch) => sent.push(batch.length), 3);
      b.add(cand(1));
      vi.advanceTimersByTime(2);
      b.add(cand(2));
      vi.advanceTimersByTime(2);
      expect(sent).toEqual([]); // still gathering: no pause of 3 ms yet
      vi.advanceTimersByTime(1);
      expect(sent).toEqual([2]); // 3 ms quiet after the second: the burst goes as one frame
      // a steady drip never pauses: the window bounds the wait
      for (let i = 0; i < 30; i++) {
        b.add(cand(10 + i));
        vi.advanceTimersByTime(2);
      }
      expect(sent[1]).toBe(25); // 50 ms after the drip's first candidate
      b.add(null); // end of gathering: what is pending goes now
      expect(sent.reduce((x, y) => x + y, 0)).toBe(32);
    } finally {
      vi.useRealTimers();
    }
  });

  test('with a window of 0 each candidate goes at once; candidates of the sent description are not sent again', () => {
    const sent: string[][] = [];
    const b = new CandidateBatcher(0, (batch) => sent.push(batch.map((c) => c.candidate)), 3);
    b.hold();
    b.add(cand(1)); // gathered while the description was prepared: inside it
    b.release('v=0\r\na=candidate:2 1 udp 1 127.0.0.1 5002 typ host\r\n');
    b.add(cand(2)); // its event came after the description went out: already there
    b.add(cand(3));
    expect(sent).toEqual([[cand(3).candidate]]);
  });
});
