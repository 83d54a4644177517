// The floor: two RTCPeerConnections in one page wired to each other directly, no server. Same
// channel as Wisp (negotiated, id 0), candidates trickled and held until a remote description
// exists. Timed from creating the connections to the offerer's channel being open.
async ({ timeoutMs }) => {
  const bench = window.__bench;
  const t0 = performance.now();
  bench.mark('t0');
  const a = new RTCPeerConnection({ iceServers: [] });
  const z = new RTCPeerConnection({ iceServers: [] });
  const channel = a.createDataChannel('floor', { negotiated: true, id: 0 });
  z.createDataChannel('floor', { negotiated: true, id: 0 });
  const wire = (from, to) => {
    const held = [];
    from.onicecandidate = (e) => {
      if (!e.candidate) return;
      if (to.remoteDescription) to.addIceCandidate(e.candidate).catch(() => {});
      else held.push(e.candidate);
    };
    return () => held.splice(0).forEach((c) => to.addIceCandidate(c).catch(() => {}));
  };
  const flushToZ = wire(a, z);
  const flushToA = wire(z, a);
  const open = new Promise((resolve, reject) => {
    channel.addEventListener('open', resolve, { once: true });
    setTimeout(() => reject(new Error(`floor: no open within ${timeoutMs} ms`)), timeoutMs);
  });
  await a.setLocalDescription(await a.createOffer());
  await z.setRemoteDescription(a.localDescription);
  flushToZ();
  await z.setLocalDescription(await z.createAnswer());
  await a.setRemoteDescription(z.localDescription);
  flushToA();
  await open;
  const t1 = performance.now();
  bench.mark('open');
  a.close();
  z.close();
  return { ms: t1 - t0 };
}
