import { describe, expect, it } from 'vitest';
import { MAX_FRAME_BYTES, decodeFrame, encodeFrame } from '../../client/mesh/frames';

describe('encodeFrame() / decodeFrame()', () => {
  it('round-trips app, ping and pong frames', () => {
    for (const f of [{ t: 'app', d: { x: [1, 'two', null] } }, { t: 'ping', n: 3, ts: 12.5 }, { t: 'pong', n: 3, ts: 12.5 }] as const) {
      expect(decodeFrame(encodeFrame(f))).toEqual(f);
    }
  });

  it('refuses data that cannot be sent', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(encodeFrame({ t: 'app', d: cyclic })).toBeNull();
    expect(encodeFrame({ t: 'app', d: 1n })).toBeNull();
    expect(encodeFrame({ t: 'app', d: 'x'.repeat(MAX_FRAME_BYTES) })).toBeNull();
    expect(encodeFrame({ t: 'app', d: 'é'.repeat(MAX_FRAME_BYTES / 2) })).toBeNull(); // 2 bytes each in UTF-8
  });

  it('drops malformed, oversized and unknown frames', () => {
    for (const raw of ['{', '[]', 'null', '{"t":"nope"}', '{"t":"ping","n":1.5,"ts":1}', '{"t":"pong","n":1}', 42, new ArrayBuffer(4), 'x'.repeat(MAX_FRAME_BYTES + 1)]) {
      expect(decodeFrame(raw)).toBeNull();
    }
  });
});
