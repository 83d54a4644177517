/**
 * A real coturn on 127.0.0.1 with the TURN REST scheme (`use-auth-secret`), configured as
 * TOOLCHAIN.md measured: loopback peers allowed (else 403 Forbidden IP), no TLS/TCP relay.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const TURNSERVER = process.env.TURNSERVER_PATH ?? 'turnserver';

export interface Coturn {
  url: string;
  secret: string;
  stop(): Promise<void>;
}

/** A STUN binding request answered proves the server is listening. */
function stunPing(port: number, ip: string): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createSocket('udp4');
    const msg = Buffer.alloc(20);
    msg.writeUInt16BE(0x0001, 0); // Binding Request
    msg.writeUInt32BE(0x2112a442, 4); // magic cookie
    for (let i = 8; i < 20; i++) msg[i] = Math.floor(Math.random() * 256);
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      sock.close();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), 300);
    sock.on('message', () => done(true));
    sock.on('error', () => done(false));
    sock.send(msg, port, ip);
  });
}

export interface CoturnOptions {
  /** Addresses to listen and relay on (default 127.0.0.1); the first is the one in `url`. */
  ips?: string[];
  /** Command prefix, e.g. `ip netns exec NAME`. */
  wrap?: string[];
}

export async function startCoturn(port = 3_478, secret = 'wisp-e2e-turn-secret', opts: CoturnOptions = {}): Promise<Coturn> {
  const ips = opts.ips ?? ['127.0.0.1'];
  const dir = mkdtempSync(join(tmpdir(), 'wisp-coturn-'));
  const conf = join(dir, 'turnserver.conf');
  writeFileSync(conf, [
    `listening-port=${port}`, ...ips.map((ip) => `listening-ip=${ip}`), `relay-ip=${ips[0]}`,
    'min-port=49152', 'max-port=49352', // ≥ 2× the concurrent allocations
    'use-auth-secret', `static-auth-secret=${secret}`, 'realm=wisp.test',
    'no-tls', 'no-dtls', 'no-tcp-relay', 'no-cli', 'no-multicast-peers', 'allow-loopback-peers', 'fingerprint',
    `pidfile=${join(dir, 'turnserver.pid')}`, 'no-stdout-log', `log-file=${join(dir, 'turn.log')}`, 'simple-log',
  ].join('\n'));
  const bin = TURNSERVER;
  const cmd = [...(opts.wrap ?? []), bin, '-c', conf];
  const proc: ChildProcess = spawn(cmd[0]!, cmd.slice(1), { stdio: 'ignore' });
  const end = Date.now() + 10_000;
  while (!(await stunPing(port, ips[0]!))) {
    if (proc.exitCode !== null) throw new Error(`turnserver exited with ${proc.exitCode}; log in ${dir}`);
    if (Date.now() > end) throw new Error(`turnserver not answering on ${port}; log in ${dir}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: `turn:${ips[0]}:${port}?transport=udp`,
    secret,
    stop: async () => {
      if (proc.exitCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3_000))]);
      if (proc.exitCode === null) proc.kill('SIGKILL');
    },
  };
}
