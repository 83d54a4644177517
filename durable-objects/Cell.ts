/**
 * One Durable Object per geographic cell: presence of its peers over hibernating WebSockets, their
 * neighbour sets, and relaying of signals between assigned neighbours (cell → cell over RPC when
 * the neighbour lives elsewhere). Entry points are thin: they catch, log with a `Cell:` prefix and
 * hand over to named methods.
 */
import { DurableObject } from 'cloudflare:workers';
import { parseConfig, type Config } from '../core/config';
import { cellGrid, type CellGrid } from '../core/geo';
import { toBase64url } from '../core/identity';
import {
  LIMITS, PING, PONG, PROTOCOL_VERSION, RATE_BURST, RATE_PER_SECOND, parseClientMessage,
  type ErrorCode, type JoinMessage, type ServerMessage, type SignalMessage,
} from '../core/protocol';
import { readAttachment, writeAttachment, type JoinedPeer, type SocketAttachment } from './attachment';
import { CELL_HEADER, cellStub, directoryStub, type Env } from './env';
import { checkJoin } from './join';
import { Neighbourhood, type CellDelta, type CellIndex, type CellSnapshot, type PeerRecord } from './neighbourhood';
import { RateLimiter } from './rate-limit';
import { issueToken } from './token-secret';
import type { Model } from './incremental';
import { recomputeNeighbours } from './recompute';

/** Sockets that have not joined within this long are closed. */
const JOIN_TIMEOUT_MS = 30_000;
/** A joined socket with no `ping` auto-response for this long is treated as gone. */
const STALE_MS = 90_000;
const SWEEP_MS = 30_000;
const CHALLENGE_BYTES = 24;

/** WebSocket close codes (4000–4999 are the application's). */
export const CLOSE = { left: 1000, replaced: 4001, stale: 4002, joinTimeout: 4003 } as const;

export class Cell extends DurableObject<Env> {
  readonly config: Config;
  readonly grid: CellGrid;
  readonly hood: Neighbourhood;
  self = '';
  /** Joined sockets by peer id, rebuilt from attachments after hibernation. */
  readonly peers = new Map<string, WebSocket>();
  private readonly limiter = new RateLimiter(RATE_BURST, RATE_PER_SECOND);
  private readonly stubs = new Map<string, DurableObjectStub<Cell>>();
  private directoryChain: Promise<void> = Promise.resolve();
  private listedActive = false;
  private recomputing: Promise<void> | null = null;
  /** Identifies this wake of the object in pushes to watchers; `seq` counts the pushes. */
  private readonly epoch = randomToken(8);
  private seq = 0;
  /** Joins and leaves not yet pushed to the watchers. */
  private readonly changes = { add: new Map<string, PeerRecord>(), remove: new Set<string>() };
  private dirty = false;
  /** What the last full recompute read, kept current event by event (incremental.ts); memory only. */
  model: Model | null = null;
  /**
   * How neighbour sets were recomputed since the object woke (see recomputeCounts), and how many
   * events fell beyond the certified cap and were only recorded.
   */
  readonly stats = { full: 0, incremental: 0, beyond: 0 };

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.config = parseConfig(env as unknown as Record<string, unknown>);
    this.grid = cellGrid(this.config.cellDeg);
    this.hood = new Neighbourhood(ctx.storage, this.grid);
    // Answered by the runtime without waking the object (DESIGN.md, Signalling 5).
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING, PONG));
    ctx.blockConcurrencyWhile(async () => {
      this.self = ctx.id.name ?? (await ctx.storage.get<string>('self')) ?? '';
      await this.hood.load();
      this.listedActive = (await ctx.storage.get<boolean>('listed')) ?? false;
      for (const ws of ctx.getWebSockets()) {
        const peer = readAttachment(ws)?.peer;
        if (peer) this.peers.set(peer.id, ws);
      }
    });
    // Listed as non-empty but no socket survived (a restart drops sockets without close events):
    // tell the directory and the watchers, so nobody keeps these peers as neighbours.
    // Not inside blockConcurrencyWhile: the pushes call cells that may call back into this one.
    ctx.waitUntil(
      (async () => {
        await ctx.blockConcurrencyWhile(async () => {}); // after the load above
        if (this.listedActive && this.peers.size === 0) await this.membershipChanged();
      })(),
    );
  }

  /** The bindings, for the helpers in this folder (`env` is protected on DurableObject). */
  get bindings(): Env {
    return this.env;
  }

  // ------------------------------------------------------------------------------------------
  // Entry points
  // ------------------------------------------------------------------------------------------

  override async fetch(request: Request): Promise<Response> {
    try {
      const cell = request.headers.get(CELL_HEADER);
      if (!cell) return new Response('missing cell', { status: 400 });
      if (this.self !== cell) {
        this.self = cell;
        await this.ctx.storage.put('self', cell);
      }
      return this.accept();
    } catch (err) {
      console.error('Cell:fetch', err);
      return new Response('internal error', { status: 500 });
    }
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    try {
      // Limits come before any work: a flood costs one bucket lookup per frame.
      if (!this.limiter.take(ws)) return this.sendError(ws, 'rate_limited', 'too many messages; this one was dropped');
      const parsed = parseClientMessage(message);
      if (!parsed.ok) return this.sendError(ws, parsed.code, parsed.message, parsed.ref);
      const msg = parsed.msg;
      switch (msg.type) {
        case 'join':
          return await this.join(ws, msg);
        case 'signal':
          return await this.relay(ws, msg);
        case 'leave':
          ws.close(CLOSE.left, 'left');
          return await this.removeSocket(ws);
        case 'token':
          return await this.renewToken(ws);
        default:
          msg satisfies never;
      }
    } catch (err) {
      console.error('Cell:webSocketMessage', err);
      this.sendError(ws, 'internal', 'internal error');
    }
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    try {
      await this.removeSocket(ws);
      try {
        ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
      } catch {
        // already closed: nothing to answer
      }
    } catch (err) {
      console.error('Cell:webSocketClose', err);
    }
  }

  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    try {
      console.warn('Cell:webSocketError', error);
      await this.removeSocket(ws);
    } catch (err) {
      console.error('Cell:webSocketError', err);
    }
  }

  override async alarm(): Promise<void> {
    try {
      await this.sweep();
    } catch (err) {
      console.error('Cell:alarm', err);
    }
  }

  // ------------------------------------------------------------------------------------------
  // RPC from other cells and the directory
  // ------------------------------------------------------------------------------------------

  /** Another cell starts reading this one: remember it and hand over the current peers. */
  async watch(watcher: string): Promise<CellSnapshot> {
    await this.hood.addWatcher(watcher);
    return { epoch: this.epoch, seq: this.seq, peers: this.records() };
  }

  async unwatch(watcher: string): Promise<void> {
    await this.hood.removeWatcher(watcher);
  }

  /** A watched cell's peers changed. Returns false when this cell no longer watches it. */
  async cellChanged(cell: string, delta: CellDelta): Promise<boolean> {
    if (!this.hood.snapshots.has(cell)) {
      if (!this.hood.opening.has(cell)) return false;
      // Pushed before the watch answer arrived: keep it for when it has (recompute.ts, watchAll).
      const seen = this.hood.early.get(cell);
      if (!seen || seen.epoch !== delta.epoch || seen.seq < delta.seq) this.hood.early.set(cell, delta);
      this.scheduleRecompute();
      return true;
    }
    if (this.hood.applyDelta(cell, delta) !== 'old') this.scheduleRecompute();
    return true;
  }

  /** The directory's index of non-empty cells changed. */
  async indexChanged(index: CellIndex): Promise<void> {
    if ((await this.hood.setIndex(index)) && this.peers.size > 0) this.scheduleRecompute();
  }

  /** Delivers a relayed signal (already checked by the sender's cell) to a local peer. */
  async deliver(to: string, frame: string): Promise<boolean> {
    const ws = this.peers.get(to);
    if (!ws) return false;
    ws.send(frame);
    return true;
  }

  async peerCount(): Promise<number> {
    return this.peers.size;
  }

  /** How many recomputes were full and how many incremental since this object woke (tests, ops). */
  async recomputeCounts(): Promise<{ full: number; incremental: number; beyond: number }> {
    return { ...this.stats };
  }

  // ------------------------------------------------------------------------------------------
  // Socket lifecycle
  // ------------------------------------------------------------------------------------------

  private accept(): Response {
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server);
    const challenge = randomToken(CHALLENGE_BYTES);
    const att: SocketAttachment = { challenge, openedAt: Date.now() };
    writeAttachment(server, att);
    this.send(server, { type: 'challenge', protocol: PROTOCOL_VERSION, cell: this.self, challenge, limits: LIMITS });
    void this.armSweep();
    return new Response(null, { status: 101, webSocket: client });
  }

  private async join(ws: WebSocket, msg: JoinMessage): Promise<void> {
    const att = readAttachment(ws);
    if (!att) return this.sendError(ws, 'internal', 'socket has no state', 'join');
    if (att.peer) return this.sendError(ws, 'already_joined', 'this socket has already joined', 'join');
    const check = await checkJoin(msg, att.challenge, this.self, this.grid);
    if (!check.ok) return this.sendError(ws, check.code, check.message, 'join');
    // A peer reconnecting before its old socket closed: the newest socket wins.
    const old = this.peers.get(msg.id);
    if (old && old !== ws) {
      this.sendError(old, 'replaced', 'another connection joined with this id');
      this.forget(old);
      try {
        old.close(CLOSE.replaced, 'replaced');
      } catch {
        // already closing
      }
    }
    const peer: JoinedPeer = { id: msg.id, ...check.position, joinedAt: Date.now(), welcomed: false, n: [] };
    writeAttachment(ws, { challenge: '', openedAt: att.openedAt, peer });
    this.peers.set(msg.id, ws);
    this.changes.remove.delete(msg.id);
    this.changes.add.set(msg.id, { id: msg.id, ...check.position });
    await this.membershipChanged();
  }

  private async removeSocket(ws: WebSocket): Promise<void> {
    if (this.forget(ws)) await this.membershipChanged();
  }

  /** Drops a socket from the peer map; true if it was a joined peer. */
  private forget(ws: WebSocket): boolean {
    const peer = readAttachment(ws)?.peer;
    if (!peer || this.peers.get(peer.id) !== ws) return false;
    this.peers.delete(peer.id);
    this.changes.add.delete(peer.id);
    this.changes.remove.add(peer.id);
    return true;
  }

  /** After a join or leave: keep the directory, the watchers and every neighbour set current. */
  private async membershipChanged(): Promise<void> {
    await this.updateDirectory();
    // Only what changed goes to the watchers; a watcher that missed a push re-reads the list.
    const delta: CellDelta = { epoch: this.epoch, seq: ++this.seq, add: [...this.changes.add.values()], remove: [...this.changes.remove] };
    this.changes.add.clear();
    this.changes.remove.clear();
    const pushes = [...this.hood.watchers].map(async (w) => {
      try {
        if (!(await this.stub(w).cellChanged(this.self, delta))) await this.hood.removeWatcher(w);
      } catch (err) {
        console.error('Cell:push', w, err);
      }
    });
    await Promise.all([...pushes, this.recompute()]);
  }

  /** Serialised so the directory sees this cell's transitions in order. */
  private updateDirectory(): Promise<void> {
    this.directoryChain = this.directoryChain.then(async () => {
      const active = this.peers.size > 0;
      if (active === this.listedActive) return;
      const index = await directoryStub(this.env).setActive(this.self, active);
      this.listedActive = active;
      await this.ctx.storage.put('listed', active);
      await this.hood.setIndex(index);
    }).catch((err) => console.error('Cell:directory', err));
    return this.directoryChain;
  }

  private async renewToken(ws: WebSocket): Promise<void> {
    const peer = readAttachment(ws)?.peer;
    if (!peer) return this.sendError(ws, 'not_joined', 'join before asking for a token', 'token');
    this.send(ws, { type: 'token', ...(await issueToken(this.env, this.config, peer.id)) });
  }

  // ------------------------------------------------------------------------------------------
  // Signalling
  // ------------------------------------------------------------------------------------------

  private async relay(ws: WebSocket, msg: SignalMessage): Promise<void> {
    const peer = readAttachment(ws)?.peer;
    if (!peer) return this.sendError(ws, 'not_joined', 'join before signalling', 'signal');
    if (msg.to === peer.id) return this.sendError(ws, 'self_signal', 'a peer cannot signal itself', 'signal', msg.to);
    const route = peer.n.find(([id]) => id === msg.to);
    if (!route) return this.sendError(ws, 'not_neighbour', `${msg.to} is not an assigned neighbour`, 'signal', msg.to);
    // Re-serialise what was parsed and stamp `from`: nothing else the client wrote goes through.
    const out: ServerMessage = msg.description
      ? { type: 'signal', from: peer.id, description: msg.description }
      : { type: 'signal', from: peer.id, candidates: msg.candidates! };
    const frame = JSON.stringify(out);
    const cell = route[1];
    const delivered = cell === this.self ? await this.deliver(msg.to, frame) : await this.stub(cell).deliver(msg.to, frame);
    if (!delivered) this.sendError(ws, 'peer_gone', `${msg.to} is no longer connected`, 'signal', msg.to);
  }

  // ------------------------------------------------------------------------------------------
  // Neighbour sets
  // ------------------------------------------------------------------------------------------

  private scheduleRecompute(): void {
    this.ctx.waitUntil(this.recompute());
  }

  /** Coalesces concurrent triggers: one run at a time, and one more if anything changed meanwhile. */
  recompute(): Promise<void> {
    if (this.recomputing) {
      this.dirty = true;
      return this.recomputing;
    }
    this.recomputing = (async () => {
      do {
        this.dirty = false;
        await recomputeNeighbours(this);
      } while (this.dirty);
    })()
      .catch((err) => console.error('Cell:recompute', err))
      .finally(() => {
        this.recomputing = null;
      });
    return this.recomputing;
  }

  records(): PeerRecord[] {
    const out: PeerRecord[] = [];
    for (const ws of this.peers.values()) {
      const p = readAttachment(ws)?.peer;
      if (p) out.push({ id: p.id, lat: p.lat, lng: p.lng });
    }
    return out;
  }

  /** Stubs are cached per cell: calls through one stub arrive in order (offer before candidates). */
  stub(cell: string): DurableObjectStub<Cell> {
    let s = this.stubs.get(cell);
    if (!s) {
      s = cellStub(this.env, cell);
      this.stubs.set(cell, s);
    }
    return s;
  }

  // ------------------------------------------------------------------------------------------
  // Liveness
  // ------------------------------------------------------------------------------------------

  private async armSweep(): Promise<void> {
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + SWEEP_MS);
  }

  /** Closes sockets that never joined or stopped pinging; re-arms while any socket is open. */
  private async sweep(): Promise<void> {
    const now = Date.now();
    for (const ws of this.ctx.getWebSockets()) {
      const att = readAttachment(ws);
      if (!att) continue;
      const lastPing = this.ctx.getWebSocketAutoResponseTimestamp(ws)?.getTime() ?? 0;
      if (!att.peer && now - att.openedAt > JOIN_TIMEOUT_MS) {
        ws.close(CLOSE.joinTimeout, 'join timeout');
      } else if (att.peer && now - Math.max(lastPing, att.peer.joinedAt) > STALE_MS) {
        ws.close(CLOSE.stale, 'no ping');
        await this.removeSocket(ws);
      }
    }
    if (this.ctx.getWebSockets().length > 0) await this.ctx.storage.setAlarm(Date.now() + SWEEP_MS);
  }

  // ------------------------------------------------------------------------------------------
  // Sending
  // ------------------------------------------------------------------------------------------

  send(ws: WebSocket, msg: ServerMessage): void {
    try {
      ws.send(JSON.stringify(msg));
    } catch {
      // the socket closed under us; its close event removes the peer
    }
  }

  sendError(ws: WebSocket, code: ErrorCode, message: string, ref?: string, to?: string): void {
    const msg: ServerMessage = { type: 'error', code, message };
    if (ref !== undefined) msg.ref = ref;
    if (to !== undefined) msg.to = to;
    this.send(ws, msg);
  }
}

function randomToken(bytes: number): string {
  return toBase64url(crypto.getRandomValues(new Uint8Array(bytes)));
}
