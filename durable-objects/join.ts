/**
 * Verifying a `join`: the position is in this cell, the id is the key's, and the signature covers
 * this socket's challenge. Returns the coarse position or a typed refusal.
 */
import { cellOf, coarsen, type CellGrid, type LatLng } from '../core/geo';
import { fromBase64url, peerIdFromPublicKey, verifySignature } from '../core/identity';
import { joinPayload, type ErrorCode, type JoinMessage } from '../core/protocol';

export type JoinCheck = { ok: true; position: LatLng } | { ok: false; code: ErrorCode; message: string };

export async function checkJoin(msg: JoinMessage, challenge: string, cell: string, grid: CellGrid): Promise<JoinCheck> {
  const position = coarsen(msg.position);
  if (cellOf(grid, position) !== cell) {
    return { ok: false, code: 'wrong_cell', message: `position is in cell ${cellOf(grid, position)}, not ${cell}` };
  }
  const key = fromBase64url(msg.publicKey);
  const signature = fromBase64url(msg.signature);
  if (!key || !signature) return { ok: false, code: 'bad_message', message: 'publicKey and signature must be base64url' };
  if ((await peerIdFromPublicKey(key)) !== msg.id) {
    return { ok: false, code: 'id_mismatch', message: 'id is not derived from publicKey' };
  }
  if (challenge === '' || !(await verifySignature(key, signature, joinPayload(challenge, cell, msg.position)))) {
    return { ok: false, code: 'bad_signature', message: "signature does not verify over this socket's challenge" };
  }
  return { ok: true, position };
}
