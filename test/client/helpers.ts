/**
 * Shared test helpers: real WebRTC in Node (@roamhq/wrtc, libwebrtc), meshes on the loopback
 * server, and a bounded wait.
 */
import wrtc from '@roamhq/wrtc';
import { toBase64url } from '../../core/identity';
import type { LoopbackServer } from '../../client/signaling/loopback';
import { createMesh, type MeshNode, type MeshOptions } from '../../client/mesh/mesh';
import type { LinkTiming } from '../../client/mesh/timing';

export const RTCPeerConnection = wrtc.RTCPeerConnection as unknown as typeof globalThis.RTCPeerConnection;

/** Short timers so recovery paths run within a test's budget. */
export const FAST: Partial<LinkTiming> = { pingIntervalMs: 200, channelResetDelayMs: 200, disconnectGraceMs: 500 };

/** A random peer id of the real shape (22 base64url characters). */
export function randomId(): string {
  return toBase64url(crypto.getRandomValues(new Uint8Array(16)));
}

/** `n` random ids, sorted, so tests can say which is the offerer (the smaller). */
export function sortedIds(n: number): string[] {
  return Array.from({ length: n }, randomId).sort();
}

const meshes = new Set<MeshNode>();

/** Grace before an unassigned open link is closed, shortened for tests. */
export const GRACE_MS = 300;
/** How long a new neighbour must stay assigned after a re-join before it is connected. */
export const SETTLE_MS = 300;

/** A mesh for `id` on the loopback; closed by `leaveAll()`. */
export function peer(server: LoopbackServer, id: string, options: MeshOptions = {}): MeshNode {
  const mesh = createMesh(server.connect(id), { id }, { RTCPeerConnection, timing: FAST, unassignedGraceMs: GRACE_MS, newLinkSettleMs: SETTLE_MS, ...options });
  meshes.add(mesh);
  return mesh;
}

export async function leaveAll(): Promise<void> {
  await Promise.all([...meshes].map((m) => m.leave()));
  meshes.clear();
}

/** Polls `check` until it returns true; fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 6_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** True when `mesh` has exactly `ids` as neighbours and every channel is open. */
export function allOpen(mesh: MeshNode, ids: string[]): boolean {
  const ns = mesh.neighbours();
  return ns.length === ids.length && ids.every((id) => ns.some((n) => n.id === id && n.state === 'open'));
}

/** Collects `message` events of a mesh. */
export function inbox(mesh: MeshNode): Array<{ from: string; data: unknown }> {
  const got: Array<{ from: string; data: unknown }> = [];
  mesh.on('message', (m) => got.push(m));
  return got;
}

export function ufrag(sdp: string | undefined): string | undefined {
  return sdp ? /^a=ice-ufrag:(\S+)/m.exec(sdp)?.[1] : undefined;
}
