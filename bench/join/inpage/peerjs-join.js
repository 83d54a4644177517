// One timed PeerJS join: `new Peer()` (id from PeerServer, then its WebSocket) until the data
// connection to the long-lived peer is open. Same ICE configuration as the floor: no servers.
async ({ host, port, target, timeoutMs }) => {
  const bench = window.__bench;
  const t0 = performance.now();
  bench.mark('t0');
  const peer = new window.Peer({ host, port, path: '/', key: 'peerjs', secure: false, config: { iceServers: [] }, debug: 0 });
  window.__peer = peer;
  const timeout = (what) => new Promise((_, reject) => setTimeout(() => reject(new Error(`PeerJS: no ${what} within ${timeoutMs} ms`)), timeoutMs));
  await Promise.race([new Promise((resolve, reject) => {
    peer.once('open', resolve);
    peer.once('error', reject);
  }), timeout('open')]);
  bench.mark('joined');
  const conn = peer.connect(target, { reliable: true });
  await Promise.race([new Promise((resolve, reject) => {
    conn.once('open', resolve);
    conn.once('error', reject);
    peer.once('error', reject);
  }), timeout('data connection')]);
  const t1 = performance.now();
  bench.mark('open');
  return { ms: t1 - t0, id: peer.id };
}
