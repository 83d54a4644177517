/**
 * What kind of NAT this browser is behind, from one round of ICE gathering against two STUN
 * servers (RFC 5780's mapping test, done with the browser's own ICE agent). Framework-free.
 *
 * One RTCPeerConnection holds both servers, so both binding requests leave from the same local
 * socket: an endpoint-independent ("cone") mapping gives both servers the same public ip:port and
 * libwebrtc emits one srflx candidate (it drops a second one with the same address); a symmetric
 * NAT maps each destination to its own port, which gives two srflx candidates from one base.
 * Separate connections per server would bind separate sockets, whose mappings cannot be compared.
 */
import type { NatReport, NatType } from './api';
import { describe } from './ice';

/** No srflx candidate by then means UDP to the STUN servers is blocked (issue "NAT traversal"). */
export const NAT_GATHER_TIMEOUT_MS = 3_000;
/** The classification needs exactly two STUN servers; more would only add noise. */
const STUN_SERVERS_NEEDED = 2;

/** The parts of an ICE candidate line (RFC 8839 §5.1) the classification needs. */
export interface ParsedCandidate {
  protocol: string;
  address: string;
  port: number;
  type: string;
  relatedAddress: string | null;
  relatedPort: number | null;
  /** libwebrtc's `network-id`: one per interface and address family, shared by a srflx and its base. */
  networkId: string | null;
}

/** Parses `candidate:… 1 udp 2122260223 10.0.1.2 45891 typ host …`; null for anything else. */
export function parseCandidate(line: string): ParsedCandidate | null {
  // Implementations differ in which RTCIceCandidate fields they fill (Node's wrtc fills none),
  // so the line itself is the portable source.
  const f = line.replace(/^a=/, '').trim().split(/\s+/);
  if (f.length < 8 || !f[0]!.startsWith('candidate:') || f[6] !== 'typ') return null;
  const port = Number(f[5]);
  if (!Number.isInteger(port)) return null;
  const at = (key: string): string | null => {
    const i = f.indexOf(key, 8);
    return i > 0 && i + 1 < f.length ? f[i + 1]! : null;
  };
  const rport = at('rport');
  return {
    protocol: f[2]!.toLowerCase(),
    address: f[4]!,
    port,
    type: f[7]!,
    relatedAddress: at('raddr'),
    relatedPort: rport === null ? null : Number(rport),
    networkId: at('network-id'),
  };
}

/** The first `n` distinct `stun:` URLs of an RTCConfiguration's servers (TURN URLs skipped). */
export function stunUrls(servers: readonly RTCIceServer[], n = STUN_SERVERS_NEEDED): string[] {
  const out: string[] = [];
  for (const s of servers) {
    for (const u of typeof s.urls === 'string' ? [s.urls] : s.urls) {
      if (/^stun:/i.test(u) && !out.includes(u) && out.length < n) out.push(u);
    }
  }
  return out;
}

/** What one gathering round saw. */
export interface GatherResult {
  /** UDP candidates, in the order they came. */
  candidates: ParsedCandidate[];
  /** Gathering finished (every binding request answered or failed) before the timeout. */
  complete: boolean;
  /**
   * `icecandidateerror` events that mean a STUN server failed us (701: no answer, or its name did
   * not resolve), not counting libwebrtc's "address is incompatible" ones (an IPv6 socket and an
   * IPv4 server), which every dual-stack machine reports.
   */
  errors: number;
  /** Of `errors`, those where a STUN server's name did not resolve ("STUN host lookup received error."). */
  lookupErrors?: number;
}

const isMdns = (address: string): boolean => address.endsWith('.local');

/** Loopback, RFC 1918, CGNAT (RFC 6598), link-local, IPv6 ULA/link-local: no-one outside sees these. */
export function isPrivateAddress(address: string): boolean {
  const a = address.toLowerCase();
  if (a.includes(':')) return a === '::1' || a.startsWith('fc') || a.startsWith('fd') || a.startsWith('fe80');
  const [p, q] = a.split('.').map(Number) as [number, number];
  return p === 10 || p === 127 || (p === 172 && q >= 16 && q <= 31) || (p === 192 && q === 168) || (p === 100 && q >= 64 && q <= 127) || (p === 169 && q === 254);
}

const report = (type: NatType, reason: string, publicAddresses: string[] = []): NatReport => ({ type, reason, publicAddresses });

/** Pure: classifies one gathering round against two STUN servers. */
export function classifyNat(g: GatherResult): NatReport {
  const udp = g.candidates.filter((c) => c.protocol === 'udp');
  const hosts = udp.filter((c) => c.type === 'host');
  const srflx = udp.filter((c) => c.type === 'srflx');
  const mapped = [...new Set(srflx.map((c) => `${c.address}:${c.port}`))];
  const hidden = hosts.length > 0 && hosts.every((h) => isMdns(h.address));

  if (srflx.length === 0) {
    // libwebrtc drops a srflx candidate equal to its socket's address when host addresses are not
    // hidden behind mDNS names: both servers answered with our own, public, address.
    if (g.complete && g.errors === 0 && hosts.some((h) => !isMdns(h.address) && !isPrivateAddress(h.address))) {
      return report('no-nat', 'Both STUN servers saw this device’s own public address.');
    }
    // Names that do not resolve say nothing about UDP (an offline DNS, a captive portal).
    if (g.complete && g.errors > 0 && g.errors === g.lookupErrors) return report('unknown', 'The STUN servers’ names could not be looked up.');
    if (!g.complete || g.errors > 0) return report('udp-blocked', 'Neither STUN server answered over UDP.');
    return report('unknown', 'The STUN servers answered, but with no usable address.');
  }

  // Group mappings by the local socket they came from: libwebrtc shares one UDP socket per network,
  // so its `network-id` names the socket even when Chromium hides the base behind `raddr 0.0.0.0
  // rport 0` (mDNS host names); else the related address, else the only host socket there is.
  const base = (c: ParsedCandidate): string =>
    c.networkId !== null
      ? `net:${c.networkId}`
      : c.relatedPort
        ? `${c.relatedAddress}:${c.relatedPort}`
        : hosts.length === 1
          ? `${hosts[0]!.address}:${hosts[0]!.port}`
          : '?';
  const byBase = new Map<string, Set<string>>();
  for (const c of srflx) byBase.set(base(c), (byBase.get(base(c)) ?? new Set()).add(`${c.address}:${c.port}`));
  const unknownBase = byBase.get('?');
  // Several sockets (interfaces) and no way to tell whose mapping is whose: only more mappings
  // than sockets proves a socket got two.
  const symmetric = [...byBase].some(([k, m]) => (k === '?' ? m.size > Math.max(1, hosts.length) : m.size > 1));
  if (symmetric) return report('symmetric', 'The two STUN servers saw different public ports for one local port.', mapped);
  if (unknownBase && unknownBase.size > 1) return report('unknown', 'Several network interfaces; their mappings cannot be told apart.', mapped);
  // One srflx alone proves nothing unless the other server answered too (and was deduplicated).
  if (!g.complete || g.errors > 0) return report('unknown', 'Only one STUN server answered, so mappings cannot be compared.', mapped);

  const visible = hosts.filter((h) => !isMdns(h.address));
  if (srflx.some((s) => visible.some((h) => h.address === s.address && h.port === s.port))) {
    return report('no-nat', 'The STUN servers saw this device’s own address.', mapped);
  }
  const hostOf = (s: ParsedCandidate): ParsedCandidate[] => (s.networkId === null ? hosts : hosts.filter((h) => h.networkId === s.networkId));
  if (hidden && srflx.every((s) => hostOf(s).some((h) => h.port === s.port))) {
    // The browser hides the local address, so "no NAT" and "a NAT that keeps the port" look alike.
    return report('cone', 'Both STUN servers saw the same public address and the local port (maybe no NAT at all).', mapped);
  }
  return report('cone', 'Both STUN servers saw the same public address and port.', mapped);
}

export interface DetectNatOptions {
  RTCPeerConnection: typeof RTCPeerConnection;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Gathers against the first two `stun:` URLs of `servers` and classifies. Never rejects: with
 * fewer than two STUN servers, or on any error, the report says `unknown` and why.
 */
export async function detectNat(servers: readonly RTCIceServer[], opts: DetectNatOptions): Promise<NatReport> {
  const urls = stunUrls(servers);
  if (urls.length < STUN_SERVERS_NEEDED) {
    return report('unknown', `NAT test needs two STUN servers; this server lists ${urls.length === 0 ? 'none' : 'one'}.`);
  }
  let pc: RTCPeerConnection | null = null;
  try {
    // STUN only, policy `all` whatever the mesh uses: this probes the network, not a TURN relay.
    pc = new opts.RTCPeerConnection({ iceServers: [{ urls }] });
    return classifyNat(await gather(pc, opts.timeoutMs ?? NAT_GATHER_TIMEOUT_MS, opts.signal));
  } catch (err) {
    return report('unknown', `NAT test failed: ${describe(err)}`);
  } finally {
    pc?.close();
  }
}

function gather(pc: RTCPeerConnection, timeoutMs: number, signal?: AbortSignal): Promise<GatherResult> {
  return new Promise<GatherResult>((resolve, reject) => {
    const result: GatherResult = { candidates: [], complete: false, errors: 0, lookupErrors: 0 };
    const finish = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      pc.onicecandidate = pc.onicecandidateerror = null;
      resolve(result);
    };
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new Error('aborted'));
    };
    const timer = setTimeout(finish, timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    pc.onicecandidate = (e) => {
      if (!e.candidate || !e.candidate.candidate) {
        result.complete = true;
        return finish();
      }
      const c = parseCandidate(e.candidate.candidate);
      if (c) result.candidates.push(c);
    };
    pc.onicecandidateerror = (e) => {
      const text = (e as RTCPeerConnectionIceErrorEvent).errorText ?? '';
      if (/incompatible/i.test(text)) return;
      result.errors++;
      if (/lookup/i.test(text)) result.lookupErrors = (result.lookupErrors ?? 0) + 1;
    };
    // A data channel gives the offer an m-line, which is what makes the agent gather.
    pc.createDataChannel('nat-probe');
    pc.createOffer()
      .then((offer) => pc.setLocalDescription(offer))
      .catch((err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      });
  });
}
