import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ERROR_CODES,
  joinPayload,
  LIMITS,
  MAX_CANDIDATE_CHARS,
  MAX_CANDIDATES,
  MAX_FRAME_BYTES,
  MAX_MID_CHARS,
  MAX_SDP_BYTES,
  parseClientMessage,
  parseServerMessage,
  PEER_ID,
  PROTOCOL_VERSION,
  RATE_BURST,
  RATE_PER_SECOND,
  utf8Length,
  type Parsed,
  type ServerMessage,
} from '../../core/protocol';

const ID_A = 'AAAAAAAAAAAAAAAAAAAAAA';
const ID_B = 'b-b_b-b_b-b_b-b_b-b_b9';
const PUBLIC_KEY = 'B' + 'A'.repeat(86); // 87 chars: base64url of 65 bytes
const SIGNATURE = 'S'.repeat(86); // base64url of 64 bytes

const join = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  type: 'join', id: ID_A, publicKey: PUBLIC_KEY, signature: SIGNATURE, position: { lat: 51.5, lng: -0.1 }, ...extra,
});
const signal = (extra: Record<string, unknown>): Record<string, unknown> => ({ type: 'signal', to: ID_B, ...extra });
const client = (m: unknown): Parsed<unknown> => parseClientMessage(JSON.stringify(m));
const server = (m: unknown): Parsed<unknown> => parseServerMessage(JSON.stringify(m));

/** Asserts a parse failure with this code (and ref, when given). */
function expectFail(r: Parsed<unknown>, code: string, ref?: string): void {
  expect(r.ok, JSON.stringify(r)).toBe(false);
  if (r.ok) return;
  expect(r.code).toBe(code);
  expect(typeof r.message).toBe('string');
  expect(r.message.length).toBeGreaterThan(0);
  if (ref !== undefined) expect(r.ref).toBe(ref);
}

function expectOk(r: Parsed<unknown>): unknown {
  expect(r.ok, JSON.stringify(r)).toBe(true);
  return r.ok ? r.msg : undefined;
}

/** A frame of exactly `bytes` UTF-8 bytes: a `leave` with padding in an ignored field. */
function leaveFrame(bytes: number, pad = 'x'): string {
  const head = '{"type":"leave","pad":"';
  const tail = '"}';
  const room = bytes - utf8Length(head) - utf8Length(tail);
  const unit = utf8Length(pad);
  return head + pad.repeat(Math.floor(room / unit)) + 'x'.repeat(room % unit) + tail;
}

describe('constants', () => {
  it('ERROR_CODES are unique snake_case strings', () => {
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
    for (const c of ERROR_CODES) expect(c).toMatch(/^[a-z]+(_[a-z]+)*$/);
  });

  it('LIMITS mirrors the individual constants', () => {
    expect(LIMITS).toEqual({
      maxFrameBytes: MAX_FRAME_BYTES, maxSdpBytes: MAX_SDP_BYTES, maxCandidates: MAX_CANDIDATES, rateBurst: RATE_BURST, ratePerSecond: RATE_PER_SECOND,
    });
    expect(MAX_FRAME_BYTES).toBe(65_536);
    expect(MAX_SDP_BYTES).toBe(16_384);
  });

  it('PEER_ID accepts exactly 22 base64url characters', () => {
    expect(PEER_ID.test(ID_A)).toBe(true);
    expect(PEER_ID.test(ID_B)).toBe(true);
    for (const bad of ['', 'A'.repeat(21), 'A'.repeat(23), 'A'.repeat(21) + '+', 'A'.repeat(21) + '=', 'A'.repeat(21) + ' ']) expect(PEER_ID.test(bad)).toBe(false);
  });

  it('utf8Length() counts UTF-8 bytes, not UTF-16 units', () => {
    expect(utf8Length('')).toBe(0);
    expect(utf8Length('abc')).toBe(3);
    expect(utf8Length('é')).toBe(2);
    expect(utf8Length('€')).toBe(3);
    expect(utf8Length('😀')).toBe(4);
  });
});

describe('parseClientMessage() frames', () => {
  it('parseClientMessage() for text that is not JSON: bad_json', () => {
    for (const raw of ['', 'not json', '{', '{"type":"leave"', "{'type':'leave'}", 'undefined']) expectFail(parseClientMessage(raw), 'bad_json');
  });

  it('parseClientMessage() for JSON that is not an object with a string type: bad_message', () => {
    for (const raw of ['null', '42', '"leave"', '[]', '[{"type":"leave"}]', '{}', '{"type":5}', '{"type":null}', '{"kind":"leave"}', 'true']) {
      expectFail(parseClientMessage(raw), 'bad_message');
    }
  });

  it('parseClientMessage() for an unknown type: unknown_type, message quoting at most 32 characters', () => {
    expectFail(client({ type: 'hello' }), 'unknown_type');
    expectFail(client({ type: 'welcome' }), 'unknown_type'); // a server type is not a client type
    const r = client({ type: 'z'.repeat(500) });
    expectFail(r, 'unknown_type');
    if (!r.ok) {
      expect(r.message).toContain('z'.repeat(32));
      expect(r.message).not.toContain('z'.repeat(33));
    }
  });

  it(`parseClientMessage() for a frame of exactly ${MAX_FRAME_BYTES} bytes: accepted`, () => {
    const raw = leaveFrame(MAX_FRAME_BYTES);
    expect(utf8Length(raw)).toBe(MAX_FRAME_BYTES);
    expect(expectOk(parseClientMessage(raw))).toEqual({ type: 'leave' });
  });

  it(`parseClientMessage() for a frame over ${MAX_FRAME_BYTES} bytes: too_large, before JSON parsing`, () => {
    expectFail(parseClientMessage(leaveFrame(MAX_FRAME_BYTES + 1)), 'too_large');
    expectFail(parseClientMessage('x'.repeat(MAX_FRAME_BYTES + 1)), 'too_large'); // not JSON either
    expectFail(parseClientMessage(' '.repeat(10 * MAX_FRAME_BYTES)), 'too_large');
  });

  it('parseClientMessage() counts UTF-8 bytes: a frame under the limit in characters but over it in bytes is too_large', () => {
    const raw = leaveFrame(MAX_FRAME_BYTES + 2, '€');
    expect(raw.length).toBeLessThan(MAX_FRAME_BYTES);
    expect(utf8Length(raw)).toBe(MAX_FRAME_BYTES + 2);
    expectFail(parseClientMessage(raw), 'too_large');
    const fits = leaveFrame(MAX_FRAME_BYTES, '€');
    expect(expectOk(parseClientMessage(fits))).toEqual({ type: 'leave' });
  });

  it('parseClientMessage() for binary frames (ArrayBuffer and views)', () => {
    const bytes = new TextEncoder().encode(JSON.stringify({ type: 'leave' }));
    expect(expectOk(parseClientMessage(bytes))).toEqual({ type: 'leave' });
    expect(expectOk(parseClientMessage(new Uint8Array(bytes).buffer))).toEqual({ type: 'leave' });
    expect(expectOk(parseClientMessage(new DataView(bytes.buffer)))).toEqual({ type: 'leave' });
    expectFail(parseClientMessage(new Uint8Array(MAX_FRAME_BYTES + 1)), 'too_large');
    expectFail(parseClientMessage(new ArrayBuffer(MAX_FRAME_BYTES + 1)), 'too_large');
    expect(expectOk(parseClientMessage(new TextEncoder().encode(leaveFrame(MAX_FRAME_BYTES))))).toEqual({ type: 'leave' });
    expectFail(parseClientMessage(new Uint8Array([0xff, 0xfe, 0x00])), 'bad_json');
  });

  it('parseClientMessage() never throws, whatever the frame', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.anything().map((x) => JSON.stringify(x) ?? 'undefined')), (raw) => {
        const r = parseClientMessage(raw);
        expect(typeof r.ok).toBe('boolean');
        if (!r.ok) expect(ERROR_CODES).toContain(r.code);
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(typeof parseClientMessage(bytes).ok).toBe('boolean');
      }),
    );
  });
});

describe('parseClientMessage() join', () => {
  it('parseClientMessage() for a valid join keeps only the known fields', () => {
    const msg = expectOk(client(join({ extra: 'dropped', position: { lat: 51.5, lng: -0.1, alt: 3 } })));
    expect(msg).toEqual({ type: 'join', id: ID_A, publicKey: PUBLIC_KEY, signature: SIGNATURE, position: { lat: 51.5, lng: -0.1 } });
  });

  it('parseClientMessage() for a join at the poles and the antimeridian', () => {
    for (const position of [{ lat: 90, lng: 180 }, { lat: -90, lng: -180 }, { lat: 0, lng: 0 }]) {
      expect(expectOk(client(join({ position })))).toMatchObject({ position });
    }
  });

  it('parseClientMessage() for a join outside [-90, 90] × [-180, 180]: out_of_range', () => {
    for (const position of [{ lat: 90.1, lng: 0 }, { lat: -91, lng: 0 }, { lat: 0, lng: 180.01 }, { lat: 0, lng: -181 }, { lat: 1e308, lng: 0 }]) {
      expectFail(client(join({ position })), 'out_of_range', 'join');
    }
  });

  it('parseClientMessage() for a join with a missing or mistyped position: bad_message', () => {
    for (const position of [undefined, null, 'London', [51.5, -0.1], { lat: '51.5', lng: -0.1 }, { lat: 51.5 }, { lng: 0 }]) {
      expectFail(client(join({ position })), 'bad_message', 'join');
    }
    // NaN/Infinity do not survive JSON: they arrive as null
    expectFail(parseClientMessage('{"type":"join","id":"' + ID_A + '","publicKey":"AA","signature":"AA","position":{"lat":NaN,"lng":0}}'), 'bad_json');
  });

  it('parseClientMessage() for a join with a bad id, public key or signature: bad_message', () => {
    for (const id of [undefined, 42, '', 'A'.repeat(21), 'A'.repeat(23), 'A'.repeat(21) + '/']) expectFail(client(join({ id })), 'bad_message', 'join');
    for (const publicKey of [undefined, 7, '', 'A'.repeat(129), 'AB+/', 'AB==']) expectFail(client(join({ publicKey })), 'bad_message', 'join');
    for (const signature of [undefined, [], '', 'A'.repeat(129), 'AB CD']) expectFail(client(join({ signature })), 'bad_message', 'join');
    expect(expectOk(client(join({ publicKey: 'A'.repeat(128), signature: 'A'.repeat(128) })))).toBeDefined();
  });
});

describe('parseClientMessage() signal', () => {
  const candidate = { candidate: 'candidate:1 1 udp 2122260223 192.0.2.1 54400 typ host', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'abcd' };

  it('parseClientMessage() for a signal with a description', () => {
    for (const type of ['offer', 'answer'] as const) {
      expect(expectOk(client(signal({ description: { type, sdp: 'v=0\r\n', junk: 1 } })))).toEqual({ type: 'signal', to: ID_B, description: { type, sdp: 'v=0\r\n' } });
    }
  });

  it('parseClientMessage() for a signal with a bad description: bad_message', () => {
    for (const description of [null, 'v=0', { type: 'pranswer', sdp: '' }, { type: 'rollback', sdp: '' }, { type: 'offer' }, { type: 'offer', sdp: 5 }]) {
      expectFail(client(signal({ description })), 'bad_message', 'signal');
    }
  });

  it(`parseClientMessage() for an SDP of ${MAX_SDP_BYTES} bytes: accepted; one byte more: too_large`, () => {
    expect(expectOk(client(signal({ description: { type: 'offer', sdp: 'a'.repeat(MAX_SDP_BYTES) } })))).toBeDefined();
    expectFail(client(signal({ description: { type: 'offer', sdp: 'a'.repeat(MAX_SDP_BYTES + 1) } })), 'too_large', 'signal');
  });

  it('parseClientMessage() counts SDP bytes in UTF-8', () => {
    const sdp = '€'.repeat(Math.floor(MAX_SDP_BYTES / 3) + 1); // 5 462 chars, 16 386 bytes
    expect(sdp.length).toBeLessThan(MAX_SDP_BYTES);
    expectFail(client(signal({ description: { type: 'answer', sdp } })), 'too_large', 'signal');
  });

  it('parseClientMessage() for a signal with candidates keeps only the known candidate fields', () => {
    const msg = expectOk(client(signal({ candidates: [{ ...candidate, foo: 'bar' }, { candidate: '' }, { candidate: 'c', sdpMid: null, sdpMLineIndex: null, usernameFragment: null }] })));
    expect(msg).toEqual({
      type: 'signal', to: ID_B,
      candidates: [candidate, { candidate: '' }, { candidate: 'c', sdpMid: null, sdpMLineIndex: null, usernameFragment: null }],
    });
    expect(Object.keys((msg as { candidates: object[] }).candidates[1]!)).toEqual(['candidate']);
  });

  it(`parseClientMessage() for ${MAX_CANDIDATES} candidates: accepted; ${MAX_CANDIDATES + 1}: too_large`, () => {
    expect(expectOk(client(signal({ candidates: Array.from({ length: MAX_CANDIDATES }, () => candidate) })))).toBeDefined();
    expectFail(client(signal({ candidates: Array.from({ length: MAX_CANDIDATES + 1 }, () => candidate) })), 'too_large', 'signal');
  });

  it(`parseClientMessage() for a candidate of ${MAX_CANDIDATE_CHARS} characters: accepted; one more: too_large`, () => {
    expect(expectOk(client(signal({ candidates: [{ candidate: 'c'.repeat(MAX_CANDIDATE_CHARS) }] })))).toBeDefined();
    expectFail(client(signal({ candidates: [{ candidate: 'c'.repeat(MAX_CANDIDATE_CHARS + 1) }] })), 'too_large', 'signal');
  });

  it('parseClientMessage() for malformed candidates: bad_message', () => {
    const bad: unknown[] = [
      [], 'candidate', {}, [null], ['c'], [{}], [{ candidate: 5 }],
      [{ candidate: 'c', sdpMid: 'm'.repeat(MAX_MID_CHARS + 1) }], [{ candidate: 'c', sdpMid: 0 }],
      [{ candidate: 'c', usernameFragment: 'u'.repeat(MAX_MID_CHARS + 1) }], [{ candidate: 'c', usernameFragment: false }],
      [{ candidate: 'c', sdpMLineIndex: -1 }], [{ candidate: 'c', sdpMLineIndex: 0.5 }], [{ candidate: 'c', sdpMLineIndex: 1_024 }], [{ candidate: 'c', sdpMLineIndex: '0' }],
    ];
    for (const candidates of bad) expectFail(client(signal({ candidates })), 'bad_message', 'signal');
    expect(expectOk(client(signal({ candidates: [{ candidate: 'c', sdpMid: 'm'.repeat(MAX_MID_CHARS), sdpMLineIndex: 1_023 }] })))).toBeDefined();
  });

  it('parseClientMessage() for a signal with both or neither of description and candidates: bad_message', () => {
    expectFail(client(signal({})), 'bad_message', 'signal');
    expectFail(client(signal({ description: { type: 'offer', sdp: '' }, candidates: [candidate] })), 'bad_message', 'signal');
  });

  it('parseClientMessage() for a signal to a malformed peer id: bad_message', () => {
    for (const to of [undefined, null, 1, '', 'short', 'A'.repeat(23)]) expectFail(client({ type: 'signal', to, candidates: [candidate] }), 'bad_message', 'signal');
  });

  it('parseClientMessage() for leave drops any other field', () => {
    expect(expectOk(client({ type: 'leave', reason: 'bye', to: ID_B }))).toEqual({ type: 'leave' });
  });

  it('parseClientMessage() for a token request drops any other field', () => {
    expect(expectOk(client({ type: 'token', token: 'forged' }))).toEqual({ type: 'token' });
  });
});

describe('parseServerMessage()', () => {
  const neighbour = { id: ID_B, lat: -33.9, lng: 151.2 };
  const valid: ServerMessage[] = [
    { type: 'challenge', protocol: PROTOCOL_VERSION, cell: 'r35c44', challenge: 'abc123', limits: LIMITS },
    { type: 'welcome', id: ID_A, cell: 'r35c44', position: { lat: 51.5, lng: -0.1 }, neighbours: [neighbour], token: 't.1.m', tokenExpiresAt: 1_800_000_000 },
    { type: 'welcome', id: ID_A, cell: 'r0c0', position: { lat: -90, lng: -180 }, neighbours: [], token: '', tokenExpiresAt: 0 },
    {
      type: 'welcome', id: ID_A, cell: 'r0c0', position: { lat: 0, lng: 0 }, neighbours: [], token: 't.1.m', tokenExpiresAt: 1_800_000_000,
      ice: { iceServers: [{ urls: ['stun:s.test:3478'] }, { urls: 'turn:t.test:3478', username: '1800000000:x', credential: 'c' }], source: 'coturn', relay: true, ttl: 3600, expiresAt: 1_800_003_600 },
    },
    { type: 'token', token: `${ID_A}.1800000000.mac`, tokenExpiresAt: 1_800_000_000 },
    { type: 'neighbours', add: [neighbour], remove: [ID_A] },
    { type: 'neighbours', add: [], remove: [] },
    { type: 'signal', from: ID_B, description: { type: 'answer', sdp: 'v=0' } },
    { type: 'signal', from: ID_B, candidates: [{ candidate: 'c', sdpMid: '0', sdpMLineIndex: 0 }] },
    { type: 'error', code: 'not_neighbour', message: 'no', ref: 'signal', to: ID_B },
    { type: 'error', code: 'rate_limited', message: 'slow down' },
  ];

  it('parseServerMessage() round-trips every server message type', () => {
    for (const m of valid) expect(expectOk(server(m)), m.type).toEqual(m);
  });

  it('parseServerMessage() for a challenge without its fields: bad_message', () => {
    const base: Record<string, unknown> = { ...valid[0]! };
    for (const key of ['challenge', 'cell', 'protocol', 'limits']) expectFail(server({ ...base, [key]: undefined }), 'bad_message', 'challenge');
    expectFail(server({ ...base, limits: [] }), 'bad_message', 'challenge');
  });

  it('parseServerMessage() for a welcome with a bad position or neighbour: bad_message', () => {
    const base: Record<string, unknown> = { ...valid[1]! };
    expectFail(server({ ...base, position: { lat: 91, lng: 0 } }), 'bad_message', 'welcome');
    expectFail(server({ ...base, neighbours: [{ ...neighbour, id: 'short' }] }), 'bad_message', 'welcome');
    expectFail(server({ ...base, neighbours: [{ ...neighbour, lng: 200 }] }), 'bad_message', 'welcome');
    expectFail(server({ ...base, neighbours: {} }), 'bad_message', 'welcome');
    expectFail(server({ ...base, id: 5 }), 'bad_message', 'welcome');
    expectFail(server({ ...base, token: undefined }), 'bad_message', 'welcome');
    expectFail(server({ ...base, tokenExpiresAt: '1800000000' }), 'bad_message', 'welcome');
  });

  it('parseServerMessage() for a welcome whose ice is not an ICE servers answer: bad_message', () => {
    const base: Record<string, unknown> = { ...valid[1]! };
    const ice = { iceServers: [{ urls: ['stun:s.test'] }], source: 'stun', relay: false, ttl: 60, expiresAt: 1 };
    expectOk(server({ ...base, ice }));
    for (const bad of [null, [], { ...ice, expiresAt: '1' }, { ...ice, iceServers: {} }, { ...ice, iceServers: [{ urls: ['http://x'] }] }, { ...ice, iceServers: [{ urls: [] }] }, { ...ice, iceServers: [{ urls: 'stun:x', credential: 5 }] }]) {
      expectFail(server({ ...base, ice: bad }), 'bad_message', 'welcome');
    }
  });

  it('parseServerMessage() for a token message without token or expiry: bad_message', () => {
    expectFail(server({ type: 'token', tokenExpiresAt: 1 }), 'bad_message', 'token');
    expectFail(server({ type: 'token', token: 5, tokenExpiresAt: 1 }), 'bad_message', 'token');
    expectFail(server({ type: 'token', token: 't' }), 'bad_message', 'token');
    expect(expectOk(server({ type: 'token', token: 't', tokenExpiresAt: 1, extra: true }))).toEqual({ type: 'token', token: 't', tokenExpiresAt: 1 });
  });

  it('parseServerMessage() drops unknown neighbour fields', () => {
    const msg = expectOk(server({ type: 'neighbours', add: [{ ...neighbour, secret: 1 }], remove: [] }));
    expect(msg).toEqual({ type: 'neighbours', add: [neighbour], remove: [] });
  });

  it('parseServerMessage() for neighbours with bad lists: bad_message', () => {
    expectFail(server({ type: 'neighbours', add: [], remove: ['short'] }), 'bad_message', 'neighbours');
    expectFail(server({ type: 'neighbours', add: [], remove: [5] }), 'bad_message', 'neighbours');
    expectFail(server({ type: 'neighbours', add: [] }), 'bad_message', 'neighbours');
    expectFail(server({ type: 'neighbours', remove: [] }), 'bad_message', 'neighbours');
  });

  it('parseServerMessage() for a relayed signal: from is required; limits apply as for clients', () => {
    expectFail(server({ type: 'signal', description: { type: 'offer', sdp: '' } }), 'bad_message', 'signal');
    expectFail(server({ type: 'signal', from: 'x', description: { type: 'offer', sdp: '' } }), 'bad_message', 'signal');
    expectFail(server({ type: 'signal', from: ID_B }), 'bad_message', 'signal');
    expectFail(server({ type: 'signal', from: ID_B, description: { type: 'offer', sdp: 'a'.repeat(MAX_SDP_BYTES + 1) } }), 'too_large', 'signal');
    expectFail(server({ type: 'signal', from: ID_B, candidates: Array.from({ length: MAX_CANDIDATES + 1 }, () => ({ candidate: 'c' })) }), 'too_large', 'signal');
  });

  it('parseServerMessage() for an error with an unknown code: bad_message; non-string ref/to are dropped', () => {
    expectFail(server({ type: 'error', code: 'oops', message: 'x' }), 'bad_message', 'error');
    expectFail(server({ type: 'error', code: 'internal' }), 'bad_message', 'error');
    expect(expectOk(server({ type: 'error', code: 'internal', message: 'x', ref: 5, to: null }))).toEqual({ type: 'error', code: 'internal', message: 'x' });
  });

  it('parseServerMessage() for framing errors and unknown types', () => {
    expectFail(parseServerMessage('{'), 'bad_json');
    expectFail(parseServerMessage('[]'), 'bad_message');
    expectFail(server({ type: 'join' }), 'unknown_type');
    expectFail(parseServerMessage(leaveFrame(MAX_FRAME_BYTES + 1)), 'too_large');
  });

  it('parseServerMessage() never throws, whatever the frame', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.record({ type: fc.constantFrom('challenge', 'welcome', 'token', 'neighbours', 'signal', 'error'), x: fc.anything() }).map((x) => JSON.stringify(x))), (raw) => {
        expect(typeof parseServerMessage(raw).ok).toBe('boolean');
      }),
      { numRuns: 500 },
    );
  });
});

describe('joinPayload()', () => {
  it('joinPayload() is the versioned, newline-separated challenge, cell and position', () => {
    expect(joinPayload('ch4ll3nge', 'r35c44', { lat: 51.5, lng: -0.1 })).toBe(`wisp-join/v${PROTOCOL_VERSION}\nch4ll3nge\nr35c44\n51.5\n-0.1`);
    expect(joinPayload('c', 'r0c0', { lat: -90, lng: -180 })).toBe(`wisp-join/v${PROTOCOL_VERSION}\nc\nr0c0\n-90\n-180`);
  });

  it('joinPayload() changes when any bound value changes', () => {
    const base = joinPayload('c', 'r1c1', { lat: 1, lng: 2 });
    expect(joinPayload('d', 'r1c1', { lat: 1, lng: 2 })).not.toBe(base);
    expect(joinPayload('c', 'r1c2', { lat: 1, lng: 2 })).not.toBe(base);
    expect(joinPayload('c', 'r1c1', { lat: 1.1, lng: 2 })).not.toBe(base);
    expect(joinPayload('c', 'r1c1', { lat: 1, lng: 2.1 })).not.toBe(base);
    // swapping lat and lng is a different place
    expect(joinPayload('c', 'r1c1', { lat: 2, lng: 1 })).not.toBe(base);
  });
});
