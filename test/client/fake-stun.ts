/**
 * A STUN server (RFC 8489 Binding) on 127.0.0.1 that answers with whatever mapped address the
 * test chooses, so one machine can play any NAT to libwebrtc: the same public ip:port for two
 * servers is a cone NAT, a different port per server a symmetric one, silence blocked UDP.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';

const MAGIC_COOKIE = 0x2112a442;
const BINDING_REQUEST = 0x0001;
const BINDING_SUCCESS = 0x0101;
const XOR_MAPPED_ADDRESS = 0x0020;

export interface FakeStun {
  url: string;
  /** Binding requests seen. */
  requests: number;
  close(): void;
}

/** `mapped` returns the address to report for a request from `from`, or null to stay silent. */
export async function startFakeStun(mapped: (from: RemoteInfo) => { ip: string; port: number } | null): Promise<FakeStun> {
  const sock: Socket = createSocket('udp4');
  const stun: FakeStun = { url: '', requests: 0, close: () => sock.close() };
  sock.on('message', (msg, from) => {
    if (msg.length < 20 || msg.readUInt16BE(0) !== BINDING_REQUEST || msg.readUInt32BE(4) !== MAGIC_COOKIE) return;
    stun.requests++;
    const m = mapped(from);
    if (!m) return;
    const attr = Buffer.alloc(12);
    attr.writeUInt16BE(XOR_MAPPED_ADDRESS, 0);
    attr.writeUInt16BE(8, 2);
    attr.writeUInt8(0x01, 5); // IPv4
    attr.writeUInt16BE(m.port ^ (MAGIC_COOKIE >>> 16), 6);
    const ip = m.ip.split('.').reduce((n, b) => n * 256 + Number(b), 0);
    attr.writeUInt32BE((ip ^ MAGIC_COOKIE) >>> 0, 8);
    const head = Buffer.alloc(20);
    head.writeUInt16BE(BINDING_SUCCESS, 0);
    head.writeUInt16BE(attr.length, 2);
    head.writeUInt32BE(MAGIC_COOKIE, 4);
    msg.copy(head, 8, 8, 20); // transaction id
    sock.send(Buffer.concat([head, attr]), from.port, from.address);
  });
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
  stun.url = `stun:127.0.0.1:${sock.address().port}`;
  return stun;
}
