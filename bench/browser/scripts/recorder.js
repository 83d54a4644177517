// In-page recorder, installed with `addInitScript` before any page script runs. Plain JavaScript
// read as text (never transpiled: tsx and vitest would inject helpers the page does not have).
//
// It wraps fetch, WebSocket and RTCPeerConnection to timestamp what a join does, and counts every
// WebSocket frame by kind and bytes, in each direction. One frame seen here is one frame the
// server sees: the browser neither merges nor splits WebSocket messages. It also watches the DOM
// test contract (`[data-peer-id]` rows and their `data-state`) and records when each row turns
// `open`, on the wall clock so pages of one browser can be compared.
//
// Everything lands in `window.__bench`: `log` (events with `t` = performance.now()), `frames`
// (`{"in cell signal:offer": {n, bytes}}`), `rows` (per peer id: [{state, at}]).
(() => {
  if (window.__bench) return;
  const log = [];
  const frames = {};
  const rows = {};
  const bench = (window.__bench = { log, frames, rows, mark: (name, extra) => rec('mark', { name, ...extra }) });
  const now = () => performance.now();
  const wall = () => performance.timeOrigin + performance.now();
  function rec(kind, data) {
    log.push({ t: now(), kind, ...data });
  }
  const encoder = new TextEncoder();

  // "signal:offer", "signal:candidates", "welcome", "OFFER" (PeerJS), "ping"…
  function kindOf(data) {
    if (typeof data !== 'string') return 'binary';
    if (data.length < 16 && !data.startsWith('{')) return data; // ping / pong keep-alives
    try {
      const m = JSON.parse(data);
      const type = typeof m.type === 'string' ? m.type : 'json';
      if (type === 'signal') {
        if (m.description && typeof m.description.type === 'string') return `signal:${m.description.type}`;
        if (Array.isArray(m.candidates)) return 'signal:candidates';
      }
      if (type === 'error' && typeof m.code === 'string') return `error:${m.code}`;
      return type;
    } catch {
      return 'text';
    }
  }
  function socketName(url) {
    const path = new URL(url, location.href).pathname;
    if (path.startsWith('/api/cells/')) return 'cell';
    return path.replace(/^\/+/, '') || '/';
  }
  function count(dir, socket, data) {
    const kind = kindOf(data);
    const key = `${dir} ${socket} ${kind}`;
    const bytes = typeof data === 'string' ? encoder.encode(data).length : data.byteLength ?? data.size ?? 0;
    const c = (frames[key] ??= { n: 0, bytes: 0 });
    c.n++;
    c.bytes += bytes;
    return kind;
  }

  const nativeFetch = window.fetch;
  window.fetch = function (input, init) {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const path = new URL(url, location.href).pathname;
    rec('fetch-start', { path });
    return nativeFetch.call(this, input, init).then(
      (res) => {
        rec('fetch-end', { path, status: res.status });
        return res;
      },
      (err) => {
        rec('fetch-error', { path });
        throw err;
      },
    );
  };

  const NativeWebSocket = window.WebSocket;
  class BenchWebSocket extends NativeWebSocket {
    constructor(url, protocols) {
      super(url, protocols);
      const socket = socketName(url);
      this.__benchSocket = socket;
      rec('ws-create', { socket });
      // Listeners added here run before the page's own `onmessage`: arrival, not handling, time.
      this.addEventListener('open', () => rec('ws-open', { socket }));
      this.addEventListener('message', (ev) => rec('ws-in', { socket, k: count('in', socket, ev.data) }));
      this.addEventListener('close', (ev) => rec('ws-close', { socket, code: ev.code }));
    }
    send(data) {
      rec('ws-out', { socket: this.__benchSocket, k: count('out', this.__benchSocket, data) });
      return super.send(data);
    }
  }
  window.WebSocket = BenchWebSocket;

  const NativePC = window.RTCPeerConnection;
  let pcs = 0;
  function watchChannel(pc, ch) {
    ch.addEventListener('open', () => rec('dc-open', { pc: pc.__benchId, label: ch.label }));
  }
  class BenchPeerConnection extends NativePC {
    constructor(config) {
      super(config);
      const pc = (this.__benchId = ++pcs);
      rec('pc-create', { pc });
      this.addEventListener('iceconnectionstatechange', () => rec('pc-ice', { pc, state: this.iceConnectionState }));
      this.addEventListener('connectionstatechange', () => rec('pc-conn', { pc, state: this.connectionState }));
      this.addEventListener('icecandidate', (e) => rec('pc-cand', { pc, end: !e.candidate || !e.candidate.candidate }));
      this.addEventListener('datachannel', (e) => watchChannel(this, e.channel));
    }
    createDataChannel(label, init) {
      const ch = super.createDataChannel(label, init);
      rec('dc-create', { pc: this.__benchId, label });
      watchChannel(this, ch);
      return ch;
    }
    createOffer(...args) {
      const pc = this.__benchId;
      rec('create-offer', { pc });
      return super.createOffer(...args).then((d) => (rec('offer-created', { pc }), d));
    }
    createAnswer(...args) {
      const pc = this.__benchId;
      rec('create-answer', { pc });
      return super.createAnswer(...args).then((d) => (rec('answer-created', { pc }), d));
    }
    setLocalDescription(...args) {
      const pc = this.__benchId;
      return super.setLocalDescription(...args).then(() => rec('sld', { pc, type: this.localDescription && this.localDescription.type }));
    }
    setRemoteDescription(...args) {
      const pc = this.__benchId;
      return super.setRemoteDescription(...args).then(() => rec('srd', { pc, type: this.remoteDescription && this.remoteDescription.type }));
    }
  }
  window.RTCPeerConnection = BenchPeerConnection;

  // Main-thread long tasks (> 50 ms): how busy the page itself kept its thread.
  bench.longTasks = { n: 0, ms: 0 };
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        bench.longTasks.n++;
        bench.longTasks.ms += e.duration;
        rec('longtask', { ms: e.duration });
      }
    }).observe({ type: 'longtask', buffered: true });
  } catch {
    // no Long Tasks API
  }

  // The DOM test contract: rows `[data-peer-id][data-state]`. Record each state change once.
  const last = {};
  function scanRows() {
    const seen = new Set();
    for (const el of document.querySelectorAll('[data-peer-id]')) {
      const id = el.getAttribute('data-peer-id');
      const state = el.getAttribute('data-state') || '';
      if (!id) continue;
      seen.add(id);
      if (last[id] === state) continue;
      last[id] = state;
      (rows[id] ??= []).push({ state, at: wall() });
    }
    for (const id of Object.keys(last)) {
      if (seen.has(id)) continue;
      delete last[id];
      rows[id].push({ state: 'removed', at: wall() });
    }
    const self = document.querySelector('[data-self-id]');
    if (self && !bench.self && self.getAttribute('data-self-id')) bench.self = self.getAttribute('data-self-id');
  }
  new MutationObserver(scanRows).observe(document, {
    subtree: true, childList: true, attributes: true, attributeFilter: ['data-state', 'data-peer-id', 'data-self-id'],
  });
})();
