/**
 * Every kind of bad input gets a typed `error` with a stable code, is not forwarded, and leaves the
 * sender's socket and every other peer working.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generateIdentityKeys, sign, toBase64url } from '../../core/identity';
import { MAX_FRAME_BYTES, MAX_SDP_BYTES, RATE_BURST, RATE_PER_SECOND, joinPayload } from '../../core/protocol';
import { Bot, quiet, until } from './bot';

// Two neighbours in one cell (London), one in another (Paris): the whole world of this file.
let a: Bot;
let b: Bot;
let c: Bot;

/** A valid signal from `from` reaches `to`: proof that both sockets still work. */
async function stillWorks(from: Bot, to: Bot): Promise<void> {
  const mark = to.inbox.length;
  const sdp = `v=0\r\ns=${crypto.randomUUID()}\r\n`;
  from.send({ type: 'signal', to: to.id, description: { type: 'offer', sdp } });
  await until('a valid signal after bad input', () =>
    to.inbox.slice(mark).some((m) => m.type === 'signal' && m.description?.sdp === sdp),
  );
}

/** Sends `frame` from `a`, expects the error code, and checks nothing reached b or c. */
async function refused(frame: unknown, code: string, ref?: string): Promise<void> {
  const mark = a.inbox.length;
  const others = [b.inbox.length, c.inbox.length];
  a.send(frame);
  const err = await a.nextError(mark);
  expect(err.code).toBe(code);
  if (ref !== undefined) expect(err.ref).toBe(ref);
  expect(typeof err.message).toBe('string');
  await stillWorks(a, b);
  await stillWorks(b, a);
  await stillWorks(c, a);
  expect(b.inbox.slice(others[0]).filter((m) => m.type === 'signal').length).toBe(1);
  expect(c.inbox.slice(others[1]).filter((m) => m.type === 'signal').length).toBe(0);
  expect(a.closed || b.closed || c.closed).toBe(false);
}

describe('Cell refuses bad input', () => {
  beforeAll(async () => {
    a = await Bot.join(51.5, -0.1);
    b = await Bot.join(51.6, -0.3);
    c = await Bot.join(48.9, 2.4);
    await until('a, b and c to be neighbours', () => a.neighbours.has(b.id) && a.neighbours.has(c.id) && c.neighbours.has(a.id));
    expect(a.cell).toBe(b.cell);
    expect(a.cell).not.toBe(c.cell);
  });

  afterAll(async () => {
    for (const bot of [a, b, c]) bot.leave();
    await quiet();
  });

  test('malformed JSON → bad_json', () => refused('{"type": "signal", ', 'bad_json'));
  test('unknown type → unknown_type', () => refused({ type: 'teleport', to: b.id }, 'unknown_type'));
  test('a field of the wrong shape → bad_message', () => refused({ type: 'signal', to: b.id, description: { type: 'offer' } }, 'bad_message', 'signal'));
  test('a frame over 64 KiB → too_large', () => refused({ type: 'signal', to: b.id, pad: 'x'.repeat(MAX_FRAME_BYTES) }, 'too_large'));
  test('an SDP over its limit → too_large', () =>
    refused({ type: 'signal', to: b.id, description: { type: 'offer', sdp: 'x'.repeat(MAX_SDP_BYTES + 1) } }, 'too_large', 'signal'));
  test('a signal to itself → self_signal', () => refused({ type: 'signal', to: a.id, description: { type: 'offer', sdp: 'v=0' } }, 'self_signal'));
  test('a signal to a non-neighbour → not_neighbour', () =>
    refused({ type: 'signal', to: 'AAAAAAAAAAAAAAAAAAAAAA', description: { type: 'offer', sdp: 'v=0' } }, 'not_neighbour'));
  test('a second join on a joined socket → already_joined', async () => refused(await a.joinMessage(), 'already_joined', 'join'));

  test('a flood past the per-socket rate → rate_limited, the rest delivered, the socket keeps working', async () => {
    // The tests above spent some of a's tokens moments ago: let the bucket fill up first, so at
    // least a full burst must get through.
    await new Promise((r) => setTimeout(r, (1_000 * RATE_BURST) / RATE_PER_SECOND + 100));
    const mark = a.inbox.length;
    const bMark = b.inbox.length;
    const n = RATE_BURST + 80;
    for (let i = 0; i < n; i++) a.send({ type: 'signal', to: b.id, candidates: [{ candidate: `candidate:${i} 1 udp 1 127.0.0.1 ${i} typ host` }] });
    await until('every flood frame answered or delivered', () =>
      b.inbox.slice(bMark).filter((m) => m.type === 'signal').length + a.inbox.slice(mark).filter((m) => m.type === 'error').length === n);
    const limited = a.inbox.slice(mark).filter((m) => m.type === 'error');
    expect(limited.length).toBeGreaterThan(0);
    expect(limited.every((m) => m.type === 'error' && m.code === 'rate_limited')).toBe(true);
    expect(b.inbox.slice(bMark).filter((m) => m.type === 'signal').length).toBeGreaterThanOrEqual(RATE_BURST);
    await new Promise((r) => setTimeout(r, 1_000)); // the bucket refills
    await stillWorks(a, b);
  });
});

describe('Cell refuses bad joins, and the socket can still join', () => {
  afterAll(quiet);

  async function failedJoin(bot: Bot, frame: unknown, code: string): Promise<void> {
    const mark = bot.inbox.length;
    bot.send(frame);
    expect((await bot.nextError(mark)).code).toBe(code);
    expect(bot.welcomed).toBe(false);
  }

  test('out-of-range lat/lng, wrong cell, bad or replayed signature, id mismatch, signal before join', async () => {
    const bot = await Bot.connect(40.4, -3.7);
    const good = await bot.joinMessage();
    await failedJoin(bot, { ...good, position: { lat: 91, lng: 0 } }, 'out_of_range');
    await failedJoin(bot, { ...good, position: { lat: 10, lng: 200 } }, 'out_of_range');
    await failedJoin(bot, { ...good, position: { lat: 48.9, lng: 2.4 } }, 'wrong_cell');
    // signed by another key, for this very challenge
    const other = await generateIdentityKeys();
    const forged = toBase64url(await sign(other.privateKey, joinPayload(bot.challenge()!, bot.cell, bot.discover.position)));
    await failedJoin(bot, { ...good, signature: forged }, 'bad_signature');
    // signed over a different position than the one sent
    await failedJoin(bot, { ...good, position: { lat: 40.41, lng: -3.7 } }, 'bad_signature');
    // a valid join for another id's key
    const stranger = await Bot.connect(40.5, -3.6);
    await failedJoin(bot, { ...good, id: stranger.id }, 'id_mismatch');
    // replay: a valid join from another socket (signed over that socket's challenge)
    await failedJoin(bot, await stranger.joinMessage(), 'bad_signature');
    await failedJoin(bot, { type: 'signal', to: stranger.id, description: { type: 'offer', sdp: 'v=0' } }, 'not_joined');
    // after all that, the same socket joins with its own valid message
    bot.send(good);
    await until('welcome after refused joins', () => bot.welcomed);
    // and the stranger's own join still works on its own socket (its challenge was never used)
    await stranger.sendJoin();
    await until('stranger welcomed', () => stranger.welcomed);
    await until('the two are neighbours', () => bot.neighbours.has(stranger.id) && stranger.neighbours.has(bot.id));
    bot.leave();
    stranger.leave();
  });
});
