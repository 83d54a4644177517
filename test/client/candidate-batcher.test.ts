import { describe, expect, test, vi } from 'vitest';
import { CandidateBatcher } from '../../client/mesh/ice';

const cand = (n: number): RTCIceCandidate => {
  const init = { candidate: `candidate:${n} 1 udp 1 127.0.0.1 ${5000 + n} typ host`, sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'u' };
  return { ...init, toJSON: () => init } as unknown as RTCIceCandidate;
};

describe('CandidateBatcher', () => {
  test('sends the first candidate of a round at once and batches the rest within the window', () => {
    vi.useFakeTimers();
    try {
      const sent: number[] = [];
      // the ICE_BATCH_MS window (50 ms) after the first
      const b = new CandidateBatcher(50, (batch) => sent.push(batch.length));
      b.add(cand(1));
      expect(sent).toEqual([1]);
      b.add(cand(2));
      b.add(cand(3));
      expect(sent).toEqual([1]);
      vi.advanceTimersByTime(50);
      expect(sent).toEqual([1, 2]);
      b.add(null); // end of gathering: the next round starts with an immediate candidate again
      b.add(cand(4));
      expect(sent).toEqual([1, 2, 1]);
    } finally {
      vi.useRealTimers();
    }
  });
});
