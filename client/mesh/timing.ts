/**
 * The timers and limits of a neighbour link, in one place so tests can shorten them.
 */
import { PING_INTERVAL_MS } from './channel';

/**
 * Local candidates gathered within this window travel in one `signal` (DESIGN: ~50 ms batches);
 * a batch goes sooner when gathering pauses for GATHER_QUIET_MS.
 */
export const ICE_BATCH_MS = 50;
/**
 * An offer waits until candidate gathering pauses this long (or completes), so the candidates
 * found at once — host ones, within a millisecond or two — travel inside it instead of in frames
 * of their own: one relayed message less per edge, and the answerer can start its checks as soon
 * as it has the offer (see PeerLink #describe). Trickled batches end on the same pause.
 */
export const GATHER_QUIET_MS = 3;
/** ...but never longer than this: STUN and TURN candidates that come later are trickled. */
export const GATHER_MAX_MS = 40;
/** ICE `disconnected` often heals by itself (Wi-Fi blip); wait this long before an ICE restart. */
export const DISCONNECT_GRACE_MS = 4_000;
/** ICE restarts (or fresh connections) in a row before the link is reported `failed`. */
export const MAX_ICE_RESTARTS = 3;
/** After the channel closes, wait this long for the server's `remove` before starting over. */
export const CHANNEL_RESET_DELAY_MS = 1_000;
export const CHANNEL_LABEL = 'wisp';
/**
 * The channel is negotiated out of band (`negotiated: true`, same id on both sides) rather than
 * announced by the offerer: then there is no `datachannel` event to race, and glare or both sides
 * starting over can never leave two channels.
 */
export const CHANNEL_ID = 0;

export interface LinkTiming {
  iceBatchMs: number;
  gatherQuietMs: number;
  gatherMaxMs: number;
  disconnectGraceMs: number;
  maxIceRestarts: number;
  channelResetDelayMs: number;
  pingIntervalMs: number;
}

export const DEFAULT_TIMING: LinkTiming = {
  iceBatchMs: ICE_BATCH_MS,
  gatherQuietMs: GATHER_QUIET_MS,
  gatherMaxMs: GATHER_MAX_MS,
  disconnectGraceMs: DISCONNECT_GRACE_MS,
  maxIceRestarts: MAX_ICE_RESTARTS,
  channelResetDelayMs: CHANNEL_RESET_DELAY_MS,
  pingIntervalMs: PING_INTERVAL_MS,
};
