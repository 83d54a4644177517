/**
 * A local stand-in for Cloudflare's Realtime TURN credential API, which cannot be reached from
 * the test machines. It speaks the documented request and response:
 *   POST /v1/turn/keys/{keyId}/credentials/generate-ice-servers
 *   Authorization: Bearer {apiToken}, body {"ttl": seconds}
 *   → 201 {"iceServers": [{urls: [stun…]}, {urls: [turn…], username, credential}]}
 * Key ids choose a behaviour: `ok-…` answers as documented, `fail-…` answers 500, `slow-…` never
 * answers (the Worker must time out). Every request is recorded for the tests to inspect.
 */
import { createServer, type Server } from 'node:http';

export const STANDIN_PORT = 8_797;
export const STANDIN_TOKEN = 'standin-api-token';

export interface Recorded {
  method: string;
  path: string;
  authorization: string;
  body: string;
}

export function startTurnStandin(port = STANDIN_PORT): Promise<Server> {
  const recorded: Recorded[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      if (req.url === '/requests') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(recorded));
        return;
      }
      recorded.push({ method: req.method ?? '', path: req.url ?? '', authorization: req.headers.authorization ?? '', body });
      const m = /^\/v1\/turn\/keys\/([^/]+)\/credentials\/generate-ice-servers$/.exec(req.url ?? '');
      if (req.method !== 'POST' || !m) return void res.writeHead(404).end();
      if (req.headers.authorization !== `Bearer ${STANDIN_TOKEN}`) return void res.writeHead(401).end('{"success":false}');
      const key = m[1]!;
      if (key.startsWith('slow-')) return; // never answers
      if (key.startsWith('fail-')) return void res.writeHead(500, { 'content-type': 'application/json' }).end('{"success":false,"errors":[{"message":"internal"}]}');
      const ttl = (JSON.parse(body) as { ttl: number }).ttl;
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({
        iceServers: [
          { urls: ['stun:stun.cloudflare.com:3478', 'stun:stun.cloudflare.com:53'] },
          {
            urls: [
              'turn:turn.cloudflare.com:3478?transport=udp', 'turn:turn.cloudflare.com:53?transport=udp',
              'turn:turn.cloudflare.com:3478?transport=tcp', 'turns:turn.cloudflare.com:5349?transport=tcp',
              'turns:turn.cloudflare.com:443?transport=tcp',
            ],
            username: `standin-user-ttl-${ttl}`,
            credential: 'standin-credential',
          },
        ],
      }));
    });
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}
