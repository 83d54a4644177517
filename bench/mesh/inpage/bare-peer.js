// The bare-relay baseline's page: no Wisp code. It learns its id and its neighbours from the
// address (`?id=&peers=a,b,c`), opens one RTCPeerConnection per neighbour (the smaller id offers,
// as in Wisp; same negotiated channel), trickles every candidate on its own (frames typed
// `offer` / `answer` / `candidate` so the recorder can count them by kind), and shows the DOM
// test contract (`data-self-id`, rows with `data-peer-id` / `data-state`).
(() => {
  const params = new URLSearchParams(location.search);
  const self = params.get('id') || '';
  const peers = (params.get('peers') || '').split(',').filter(Boolean);
  const root = document.createElement('div');
  root.setAttribute('data-self-id', self);
  document.body.append(root);
  const links = new Map();
  const ws = new WebSocket(`ws://${location.host}/relay?id=${encodeURIComponent(self)}`);
  const send = (to, body) => ws.send(JSON.stringify({ to, from: self, ...body }));

  function link(id) {
    const pc = new RTCPeerConnection({ iceServers: [] });
    const channel = pc.createDataChannel('bare', { negotiated: true, id: 0 });
    const el = document.createElement('div');
    el.setAttribute('data-peer-id', id);
    el.setAttribute('data-state', 'connecting');
    root.append(el);
    channel.onopen = () => el.setAttribute('data-state', 'open');
    pc.onicecandidate = (e) => {
      if (e.candidate && e.candidate.candidate) send(id, { type: 'candidate', candidate: e.candidate.toJSON() });
    };
    const l = { pc, held: [] };
    links.set(id, l);
    return l;
  }

  ws.onopen = async () => {
    for (const id of peers) if (!links.has(id)) link(id);
    for (const id of peers) {
      if (self >= id) continue;
      const { pc } = links.get(id);
      await pc.setLocalDescription(await pc.createOffer());
      send(id, { type: 'offer', description: pc.localDescription.toJSON() });
    }
  };
  ws.onmessage = async (ev) => {
    const m = JSON.parse(ev.data);
    const l = links.get(m.from) || link(m.from);
    if (m.description) {
      await l.pc.setRemoteDescription(m.description);
      for (const c of l.held.splice(0)) l.pc.addIceCandidate(c).catch(() => {});
      if (m.description.type === 'offer') {
        await l.pc.setLocalDescription(await l.pc.createAnswer());
        send(m.from, { type: 'answer', description: l.pc.localDescription.toJSON() });
      }
    } else if (m.candidate) {
      if (l.pc.remoteDescription) l.pc.addIceCandidate(m.candidate).catch(() => {});
      else l.held.push(m.candidate);
    }
  };
})();
