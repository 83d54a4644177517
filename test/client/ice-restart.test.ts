import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IceRestartTimer } from '../../client/mesh/ice-restart';

const GRACE = 1_000;

function timer(polite: boolean, broken = { now: true }) {
  const calls: string[] = [];
  const t = new IceRestartTimer({
    polite,
    graceMs: GRACE,
    maxRestarts: 2,
    stillBroken: () => broken.now,
    restart: () => calls.push('restart'),
    fail: (m) => calls.push(`fail: ${m}`),
  });
  return { t, calls, broken };
}

describe('IceRestartTimer (fake clock)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('restarts at once on `failed` on the impolite side, after the grace on the polite side', async () => {
    const impolite = timer(false);
    const polite = timer(true);
    impolite.t.onState('failed');
    polite.t.onState('failed');
    await vi.advanceTimersByTimeAsync(0);
    expect(impolite.calls).toEqual(['restart']);
    expect(polite.calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(GRACE);
    expect(polite.calls).toEqual(['restart']);
  });

  it('waits the grace on `disconnected` (twice as long when polite) and not at all if it heals', async () => {
    const impolite = timer(false);
    const polite = timer(true);
    impolite.t.onState('disconnected');
    polite.t.onState('disconnected');
    await vi.advanceTimersByTimeAsync(GRACE - 1);
    expect(impolite.calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(impolite.calls).toEqual(['restart']);
    expect(polite.calls).toEqual([]);
    polite.t.onState('connected'); // healed by itself
    await vi.advanceTimersByTimeAsync(2 * GRACE);
    expect(polite.calls).toEqual([]);
  });

  it('does nothing when the connection is no longer broken as the timer fires', async () => {
    const { t, calls, broken } = timer(false);
    t.onState('disconnected');
    broken.now = false;
    await vi.advanceTimersByTimeAsync(GRACE);
    expect(calls).toEqual([]);
  });

  it('gives up after maxRestarts in a row; `connected` resets the count', async () => {
    const { t, calls } = timer(false);
    for (let i = 0; i < 2; i++) {
      t.onState('failed');
      await vi.advanceTimersByTimeAsync(0);
    }
    t.onState('connected');
    expect(t.restarts).toBe(0);
    for (let i = 0; i < 3; i++) {
      t.onState('failed');
      await vi.advanceTimersByTimeAsync(0);
    }
    expect(calls).toEqual(['restart', 'restart', 'restart', 'restart', 'fail: no ICE connection after 2 restarts']);
  });
});
