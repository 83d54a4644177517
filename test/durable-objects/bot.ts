/**
 * A bot peer for workerd tests: a real WebSocket to a real cell through the real Worker, written
 * only from docs/protocol.md (discover → challenge → signed join → welcome).
 */
import { exports } from 'cloudflare:workers';
import { expect } from 'vitest';
import { exportPublicKey, generateIdentityKeys, peerIdFromPublicKey, sign, toBase64url } from '../../core/identity';
import { joinPayload, type DiscoverResponse, type ServerMessage } from '../../core/protocol';

export const ORIGIN = 'http://wisp.test';

export async function api(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(`${ORIGIN}${path}`, init);
}

/** Opens a raw WebSocket to a cell (no join). */
export async function openSocket(cell: string, headers: Record<string, string> = {}): Promise<{ ws: WebSocket; inbox: ServerMessage[] }> {
  const res = await api(`/api/cells/${cell}/connect`, { headers: { Upgrade: 'websocket', ...headers } });
  const ws = res.webSocket;
  if (!ws) throw new Error(`no websocket: ${res.status} ${await res.text()}`);
  const inbox: ServerMessage[] = [];
  ws.addEventListener('message', (e) => {
    if (e.data !== 'pong') inbox.push(JSON.parse(e.data as string) as ServerMessage);
  });
  ws.accept();
  return { ws, inbox };
}

export async function until(what: string, pred: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export class Bot {
  readonly neighbours = new Set<string>();
  /** Every server message received, in order. */
  readonly inbox: ServerMessage[] = [];
  welcomed = false;
  closed = false;

  private constructor(
    readonly id: string,
    readonly keys: CryptoKeyPair,
    readonly publicKey: string,
    readonly discover: DiscoverResponse,
    readonly ws: WebSocket,
    inbox: ServerMessage[],
  ) {
    this.inbox = inbox;
  }

  get cell(): string {
    return this.discover.cell;
  }

  /** Discovers, connects and joins; resolves once `welcome` arrived. */
  static async join(lat: number, lng: number): Promise<Bot> {
    const bot = await Bot.connect(lat, lng);
    await bot.sendJoin();
    await until(`welcome for ${bot.id}`, () => bot.welcomed);
    return bot;
  }

  /** Discovers and connects, waiting for the challenge, without joining. */
  static async connect(lat: number, lng: number, keys?: CryptoKeyPair): Promise<Bot> {
    const res = await api(`/api/discover?lat=${lat}&lng=${lng}`);
    expect(res.status).toBe(200);
    const discover = (await res.json()) as DiscoverResponse;
    const pair = keys ?? (await generateIdentityKeys());
    const raw = await exportPublicKey(pair.publicKey);
    const { ws, inbox } = await openSocket(discover.cell);
    const bot = new Bot(await peerIdFromPublicKey(raw), pair, toBase64url(raw), discover, ws, inbox);
    ws.addEventListener('message', (e) => bot.track(e.data as string));
    ws.addEventListener('close', () => {
      bot.closed = true;
    });
    await until('challenge', () => bot.challenge() !== null);
    return bot;
  }

  challenge(): string | null {
    const c = this.inbox.find((m) => m.type === 'challenge');
    return c?.type === 'challenge' ? c.challenge : null;
  }

  /** The join message this bot would send (tests tamper with it). */
  async joinMessage(): Promise<Record<string, unknown>> {
    const payload = joinPayload(this.challenge()!, this.cell, this.discover.position);
    return {
      type: 'join',
      id: this.id,
      publicKey: this.publicKey,
      signature: toBase64url(await sign(this.keys.privateKey, payload)),
      position: this.discover.position,
    };
  }

  async sendJoin(): Promise<void> {
    this.send(await this.joinMessage());
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  private track(data: string): void {
    if (data === 'pong') return;
    const m = JSON.parse(data) as ServerMessage;
    if (m.type === 'welcome') {
      this.welcomed = true;
      this.neighbours.clear();
      for (const n of m.neighbours) this.neighbours.add(n.id);
    } else if (m.type === 'neighbours') {
      for (const id of m.remove) this.neighbours.delete(id);
      for (const n of m.add) this.neighbours.add(n.id);
    }
  }

  errors(): Extract<ServerMessage, { type: 'error' }>[] {
    return this.inbox.filter((m): m is Extract<ServerMessage, { type: 'error' }> => m.type === 'error');
  }

  signals(): Extract<ServerMessage, { type: 'signal' }>[] {
    return this.inbox.filter((m): m is Extract<ServerMessage, { type: 'signal' }> => m.type === 'signal');
  }

  /** Waits for the next error after `since` messages and returns it. */
  async nextError(since: number): Promise<Extract<ServerMessage, { type: 'error' }>> {
    await until('an error reply', () => this.inbox.slice(since).some((m) => m.type === 'error'), 5_000);
    return this.inbox.slice(since).find((m): m is Extract<ServerMessage, { type: 'error' }> => m.type === 'error')!;
  }

  leave(): void {
    this.send({ type: 'leave' });
  }
}

/** Waits until no cell holds a peer, then a moment for the last broadcasts. */
export async function quiet(): Promise<void> {
  const end = Date.now() + 10_000;
  while (Date.now() < end) {
    const body = (await (await api('/api/stats')).json()) as { peers: number };
    if (body.peers === 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 300));
}
