/**
 * A small internet in network namespaces (TOOLCHAIN.md): two hosts, each behind its own NAT, and
 * an "internet" namespace in the middle where the servers run. The test runner's own (private)
 * namespace gets a management link to the internet namespace so it can reach the servers.
 *
 *   hostA 10.0.1.2 ─ natA (10.0.1.1 | 198.51.100.2) ─┐
 *                                                    inet 198.51.100.1, 198.51.101.1 ── runner 192.0.2.2
 *   hostB 10.0.2.2 ─ natB (10.0.2.1 | 198.51.101.2) ─┘
 *
 * NAT kinds: `symmetric` is MASQUERADE --random (a new port per destination: STUN-learnt addresses
 * are useless to the peer); `cone` is plain MASQUERADE, which keeps the mapping per source port.
 * Both drop unsolicited inbound packets on the WAN side. Needs root.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type NatKind = 'symmetric' | 'cone';
export const INET_IP = '198.51.100.1';
/** A second internet address: NAT classification needs two STUN servers. */
export const INET_IP2 = '198.51.101.1';

function sh(cmd: string): void {
  execFileSync('sh', ['-c', cmd], { stdio: ['ignore', 'ignore', 'pipe'] });
}

export class NatLab {
  readonly ns: { inet: string; natA: string; natB: string; hostA: string; hostB: string };
  private readonly dir = mkdtempSync(join(tmpdir(), 'wisp-natlab-'));

  constructor(prefix = `w${process.pid % 10_000}`) {
    this.ns = { inet: `${prefix}-inet`, natA: `${prefix}-natA`, natB: `${prefix}-natB`, hostA: `${prefix}-hA`, hostB: `${prefix}-hB` };
  }

  up(): void {
    const { inet, natA, natB, hostA, hostB } = this.ns;
    const p = inet.split('-')[0];
    for (const n of Object.values(this.ns)) sh(`ip netns add ${n} && ip -n ${n} link set lo up`);
    // runner ↔ internet (management)
    sh(`ip link add ${p}m0 type veth peer name ${p}m1 netns ${inet}`);
    sh(`ip addr add 192.0.2.2/24 dev ${p}m0 && ip link set ${p}m0 up && ip route add 198.51.0.0/16 via 192.0.2.1`);
    sh(`ip -n ${inet} addr add 192.0.2.1/24 dev ${p}m1 && ip -n ${inet} link set ${p}m1 up`);
    sh(`ip netns exec ${inet} sysctl -qw net.ipv4.ip_forward=1`);
    const side = (nat: string, host: string, wan: string, inetIp: string, natWanIp: string, lanNet: string): void => {
      sh(`ip -n ${inet} link add ${wan}i type veth peer name ${wan}n netns ${nat}`);
      sh(`ip -n ${inet} addr add ${inetIp}/24 dev ${wan}i && ip -n ${inet} link set ${wan}i up`);
      sh(`ip -n ${nat} addr add ${natWanIp}/24 dev ${wan}n && ip -n ${nat} link set ${wan}n up`);
      sh(`ip -n ${nat} link add ${wan}l type veth peer name ${wan}h netns ${host}`);
      sh(`ip -n ${nat} addr add ${lanNet}.1/24 dev ${wan}l && ip -n ${nat} link set ${wan}l up`);
      sh(`ip -n ${host} addr add ${lanNet}.2/24 dev ${wan}h && ip -n ${host} link set ${wan}h up`);
      sh(`ip -n ${host} route add default via ${lanNet}.1`);
      sh(`ip -n ${nat} route add default via ${inetIp}`);
      sh(`ip netns exec ${nat} sysctl -qw net.ipv4.ip_forward=1`);
    };
    side(natA, hostA, `${p}a`, INET_IP, '198.51.100.2', '10.0.1');
    side(natB, hostB, `${p}b`, INET_IP2, '198.51.101.2', '10.0.2');
  }

  /** (Re)configures both NATs. */
  setNat(kind: NatKind): void {
    const p = this.ns.inet.split('-')[0];
    for (const [nat, wan] of [[this.ns.natA, `${p}an`], [this.ns.natB, `${p}bn`]] as const) {
      sh(`ip netns exec ${nat} iptables -t nat -F && ip netns exec ${nat} iptables -t mangle -F`);
      sh(`ip netns exec ${nat} iptables -t nat -A POSTROUTING -o ${wan} -j MASQUERADE${kind === 'symmetric' ? ' --random' : ''}`);
      // Drop unsolicited inbound before conntrack confirms it: a confirmed entry for a probe that
      // arrived first would clash with the peer's own mapping and make MASQUERADE pick a new port.
      sh(`ip netns exec ${nat} iptables -t mangle -A PREROUTING -i ${wan} -m conntrack --ctstate NEW -j DROP`);
    }
  }

  /** A script that runs Chromium inside a host's namespace (for playwright's executablePath). */
  chromiumIn(host: 'hostA' | 'hostB', chromium = '/usr/bin/chromium'): string {
    const path = join(this.dir, `chromium-${host}.sh`);
    writeFileSync(path, `#!/bin/sh\nexec ip netns exec ${this.ns[host]} ${chromium} "$@"\n`);
    chmodSync(path, 0o755);
    return path;
  }

  /** Prefix for running a command inside a namespace. */
  exec(name: keyof NatLab['ns']): string[] {
    return ['ip', 'netns', 'exec', this.ns[name]];
  }

  down(): void {
    const p = this.ns.inet.split('-')[0];
    try {
      sh(`ip link del ${p}m0 2>/dev/null || true`);
    } catch {
      // already gone
    }
    for (const n of Object.values(this.ns)) {
      try {
        sh(`ip netns pids ${n} | xargs -r kill -9; ip netns del ${n}`);
      } catch {
        // already gone
      }
    }
  }
}
