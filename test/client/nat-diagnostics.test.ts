import { afterEach, describe, expect, it } from 'vitest';
import { classifyNat, detectNat, parseCandidate, stunUrls, type GatherResult } from '../../client/mesh/nat-diagnostics';
import { startFakeStun, type FakeStun } from './fake-stun';
import { RTCPeerConnection } from './helpers';

/** A gathering round from candidate lines as browsers write them. */
function round(lines: string[], complete = true, errors = 0): GatherResult {
  return { candidates: lines.map((l) => parseCandidate(l)!), complete, errors };
}

// Lines as Chromium gathered them behind the NAT lab's symmetric NAT (test/e2e/support/netns.ts).
const LAB_HOST = 'candidate:4146394860 1 udp 2122260223 10.0.1.2 45891 typ host generation 0 ufrag +mj2 network-id 1';
const labSrflx = (port: number): string => `candidate:2258698547 1 udp 1686052607 198.51.100.2 ${port} typ srflx raddr 10.0.1.2 rport 45891 generation 0 ufrag +mj2 network-id 1`;
// Chromium in normal browsing: host addresses are mDNS names and srflx hides its base.
const MDNS_HOST = 'candidate:1 1 udp 2113937151 3f1c7a2e-5b1d-4c7e-9f00-2b8f4c1d9e11.local 54321 typ host generation 0 ufrag abcd network-cost 999';
const mdnsSrflx = (port: number): string => `candidate:2 1 udp 1677729535 203.0.113.5 ${port} typ srflx raddr 0.0.0.0 rport 0 generation 0 ufrag abcd network-cost 999`;

describe('parseCandidate()', () => {
  it('reads address, port, type, related address and network id', () => {
    expect(parseCandidate(labSrflx(35868))).toEqual({ protocol: 'udp', address: '198.51.100.2', port: 35868, type: 'srflx', relatedAddress: '10.0.1.2', relatedPort: 45891, networkId: '1' });
    expect(parseCandidate(`a=${MDNS_HOST}`)).toMatchObject({ address: '3f1c7a2e-5b1d-4c7e-9f00-2b8f4c1d9e11.local', port: 54321, type: 'host', relatedAddress: null, networkId: null });
  });
  it('rejects lines that are not candidates', () => {
    expect(parseCandidate('')).toBeNull();
    expect(parseCandidate('candidate:1 1 udp 1 10.0.0.1 x typ host')).toBeNull();
    expect(parseCandidate('a=end-of-candidates')).toBeNull();
  });
});

describe('stunUrls()', () => {
  it('takes the first two distinct stun: URLs and skips TURN', () => {
    const servers: RTCIceServer[] = [
      { urls: 'turn:198.51.100.1:3478?transport=udp', username: 'u', credential: 'c' },
      { urls: ['stun:198.51.100.1:3478', 'stun:198.51.100.1:3478', 'stun:198.51.101.1:3478', 'stun:third.test'] },
    ];
    expect(stunUrls(servers)).toEqual(['stun:198.51.100.1:3478', 'stun:198.51.101.1:3478']);
    expect(stunUrls([{ urls: 'turns:t.test:443' }])).toEqual([]);
  });
});

describe('classifyNat()', () => {
  it('symmetric: two public ports for one local socket (the NAT lab)', () => {
    const r = classifyNat(round([LAB_HOST, labSrflx(35868), labSrflx(28415)]));
    expect(r.type).toBe('symmetric');
    expect(r.publicAddresses).toEqual(['198.51.100.2:35868', '198.51.100.2:28415']);
  });
  it('symmetric even before gathering completes', () => {
    expect(classifyNat(round([LAB_HOST, labSrflx(1), labSrflx(2)], false)).type).toBe('symmetric');
  });
  it('cone: one mapping, both servers answered', () => {
    expect(classifyNat(round([LAB_HOST, labSrflx(45891)])).type).toBe('cone');
  });
  it('unknown, not cone, when only one server can have answered', () => {
    expect(classifyNat(round([LAB_HOST, labSrflx(45891)], false)).type).toBe('unknown');
    expect(classifyNat(round([LAB_HOST, labSrflx(45891)], true, 1)).type).toBe('unknown');
  });
  it('mDNS host names: same port as the host is cone-like, never no-nat', () => {
    const r = classifyNat(round([MDNS_HOST, mdnsSrflx(54321)]));
    expect(r.type).toBe('cone');
    expect(r.reason).toMatch(/maybe no NAT/);
  });
  it('mDNS host names: two mappings are symmetric though the base is hidden', () => {
    expect(classifyNat(round([MDNS_HOST, mdnsSrflx(40000), mdnsSrflx(40001)])).type).toBe('symmetric');
  });
  it('two hidden interfaces and two mappings cannot be told apart; three can', () => {
    const second = MDNS_HOST.replace('3f1c7a2e', '0000aaaa').replace('54321', '54322');
    expect(classifyNat(round([MDNS_HOST, second, mdnsSrflx(40000), mdnsSrflx(40001)])).type).toBe('unknown');
    expect(classifyNat(round([MDNS_HOST, second, mdnsSrflx(40000), mdnsSrflx(40001), mdnsSrflx(40002)])).type).toBe('symmetric');
  });
  it('network-id groups mappings per interface on a dual-stack machine', () => {
    const v6 = 'candidate:9 1 udp 2122262783 4a7c.local 50000 typ host generation 0 ufrag abcd network-id 2';
    const v4 = MDNS_HOST.replace('network-cost', 'network-id 1 network-cost');
    const sr = (port: number): string => mdnsSrflx(port).replace('network-cost', 'network-id 1 network-cost');
    expect(classifyNat(round([v4, v6, sr(54321)])).type).toBe('cone');
    expect(classifyNat(round([v4, v6, sr(40000), sr(40001)])).type).toBe('symmetric');
  });
  it('no-nat: the srflx equals a visible host address (browsers that keep it)', () => {
    const host = 'candidate:1 1 udp 2122260223 203.0.113.7 5000 typ host';
    expect(classifyNat(round([host, 'candidate:2 1 udp 1686052607 203.0.113.7 5000 typ srflx raddr 203.0.113.7 rport 5000'])).type).toBe('no-nat');
  });
  it('no-nat: no srflx, gathering done, a public host address (libwebrtc drops the redundant srflx)', () => {
    expect(classifyNat(round(['candidate:1 1 udp 2122260223 203.0.113.7 5000 typ host'])).type).toBe('no-nat');
  });
  it('no srflx from a private host address is not no-nat', () => {
    expect(classifyNat(round([LAB_HOST])).type).toBe('unknown');
  });
  it('udp-blocked: no srflx by the timeout, or only errors', () => {
    expect(classifyNat(round([LAB_HOST], false)).type).toBe('udp-blocked');
    expect(classifyNat(round([MDNS_HOST], true, 2)).type).toBe('udp-blocked');
    expect(classifyNat(round([], false)).type).toBe('udp-blocked');
  });
  it('STUN names that do not resolve are not blocked UDP', () => {
    expect(classifyNat({ ...round([MDNS_HOST], true, 2), lookupErrors: 2 }).type).toBe('unknown');
    expect(classifyNat({ ...round([MDNS_HOST], true, 2), lookupErrors: 1 }).type).toBe('udp-blocked');
  });
  it('ignores TCP candidates', () => {
    const tcp = 'candidate:3 1 tcp 1518280447 198.51.100.2 9 typ srflx raddr 10.0.1.2 rport 45891 tcptype active';
    expect(classifyNat(round([LAB_HOST, labSrflx(45891), tcp])).type).toBe('cone');
  });
});

describe('detectNat() with real libwebrtc against fake STUN servers', () => {
  const servers: FakeStun[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) s.close();
  });
  async function twoServers(ports: [number | null, number | null]): Promise<RTCIceServer[]> {
    for (const port of ports) servers.push(await startFakeStun(() => (port === null ? null : { ip: '203.0.113.5', port })));
    return [{ urls: servers.map((s) => s.url) }];
  }

  it('reports cone when both servers see the same mapping', async () => {
    const r = await detectNat(await twoServers([40_000, 40_000]), { RTCPeerConnection });
    expect(r.type).toBe('cone');
    expect(r.publicAddresses).toEqual(['203.0.113.5:40000']);
    expect(servers.every((s) => s.requests > 0)).toBe(true);
  });

  it('reports symmetric when each server sees another port', async () => {
    const r = await detectNat(await twoServers([40_000, 40_001]), { RTCPeerConnection });
    expect(r.type).toBe('symmetric');
    expect(r.publicAddresses.sort()).toEqual(['203.0.113.5:40000', '203.0.113.5:40001']);
  });

  it('reports udp-blocked when no server answers within the timeout', async () => {
    const t0 = Date.now();
    const r = await detectNat(await twoServers([null, null]), { RTCPeerConnection, timeoutMs: 500 });
    expect(r.type).toBe('udp-blocked');
    expect(Date.now() - t0).toBeLessThan(2_000);
  });

  it('says it cannot classify with one STUN server, without gathering', async () => {
    const r = await detectNat(await twoServers([40_000, null]).then((s) => [{ urls: (s[0]!.urls as string[])[0]! }]), { RTCPeerConnection });
    expect(r.type).toBe('unknown');
    expect(r.reason).toMatch(/two STUN servers; this server lists one/);
    expect(servers[0]!.requests).toBe(0);
  });
});
