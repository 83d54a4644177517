// The relay bench's "floor": the least a hibernating Durable Object relay can do in the same
// workerd under the same `wrangler dev` — accept sockets tagged by id, JSON.parse each frame,
// stamp `from`, forward to the addressee. No join, no validation, no neighbour check, no rate
// limit. Wisp's cell minus this is what the cell's own code costs per message.
import { DurableObject } from 'cloudflare:workers';

export class Floor extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.peers = new Map();
    for (const ws of ctx.getWebSockets()) this.peers.set(ws.deserializeAttachment(), ws);
  }

  async fetch(request) {
    const id = new URL(request.url).searchParams.get('id') ?? '';
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1], [id]);
    pair[1].serializeAttachment(id);
    this.peers.set(id, pair[1]);
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  async webSocketMessage(ws, message) {
    const m = JSON.parse(message);
    const to = this.peers.get(m.to);
    if (to) to.send(JSON.stringify({ type: 'signal', from: ws.deserializeAttachment(), description: m.description, candidates: m.candidates }));
  }

  async webSocketClose(ws) {
    this.peers.delete(ws.deserializeAttachment());
  }
}

export default {
  fetch(request, env) {
    if (new URL(request.url).pathname === '/health') return new Response('ok');
    return env.FLOOR.get(env.FLOOR.idFromName('floor')).fetch(request);
  },
};
