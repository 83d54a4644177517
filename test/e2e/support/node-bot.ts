/**
 * A peer in Node (the `ws` package) that joins a running Wisp over its public API, written from
 * docs/protocol.md. Used where a test needs a join token without a browser.
 */
import WebSocket from 'ws';
import { exportPublicKey, generateIdentityKeys, peerIdFromPublicKey, sign, toBase64url } from '../../../core/identity';
import { joinPayload, parseServerMessage, type DiscoverResponse, type ServerMessage } from '../../../core/protocol';

export interface NodePeer {
  id: string;
  token: string;
  inbox: ServerMessage[];
  close(): void;
}

export async function joinNode(origin: string, lat: number, lng: number): Promise<NodePeer> {
  const discover = (await (await fetch(`${origin}/api/discover?lat=${lat}&lng=${lng}`)).json()) as DiscoverResponse;
  const keys = await generateIdentityKeys();
  const raw = await exportPublicKey(keys.publicKey);
  const id = await peerIdFromPublicKey(raw);
  const ws = new WebSocket(discover.websocket);
  const inbox: ServerMessage[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('node peer: no welcome within 10 s')), 10_000);
    ws.on('error', reject);
    ws.on('message', async (data) => {
      const parsed = parseServerMessage(data.toString());
      if (!parsed.ok) return;
      const m = parsed.msg;
      inbox.push(m);
      if (m.type === 'challenge') {
        const signature = toBase64url(await sign(keys.privateKey, joinPayload(m.challenge, discover.cell, discover.position)));
        ws.send(JSON.stringify({ type: 'join', id, publicKey: toBase64url(raw), signature, position: discover.position }));
      } else if (m.type === 'welcome') {
        clearTimeout(timer);
        resolve({ id, token: m.token, inbox, close: () => ws.close() });
      } else if (m.type === 'error') {
        clearTimeout(timer);
        reject(new Error(`node peer: ${m.code} ${m.message}`));
      }
    });
  });
}
