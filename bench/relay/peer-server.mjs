// PeerServer (the `peer` package, the PeerJS broker) as the relay bench's baseline, in a process
// of its own like workerd. Usage: node peer-server.mjs PORT PATH. Prints "peer-server ready".
import { PeerServer } from 'peer';

const port = Number(process.argv[2]);
const path = process.argv[3] ?? '/';
if (!Number.isInteger(port) || port <= 0) {
  console.error('usage: node peer-server.mjs PORT PATH');
  process.exit(2);
}

// Defaults otherwise (key "peerjs", alive_timeout 90 s, concurrent_limit 5000); loopback only.
const server = PeerServer({ port, path, host: '127.0.0.1' }, () => console.log('peer-server ready'));
server.on('error', (err) => console.error('peer-server error', err));
process.on('SIGTERM', () => process.exit(0));
