/**
 * Cloudflare's published prices (Workers Paid), applied to the model's rates. Free allowances
 * (1 M DO requests, 400 000 GB-s, 10 M Worker requests a month) and the $5 monthly minimum are
 * left out: at scale they round to nothing, and leaving them out keeps the figure per unit.
 */
import type { LoadResult } from './simulate-load';

export const PRICES = {
  doRequestsPerMillion: 0.15,
  doGbSecondsPerMillion: 12.5,
  /** Incoming WebSocket messages are billed 20 : 1 as requests. */
  wsMessagesPerRequest: 20,
  workersRequestsPerMillion: 0.3,
  /** SQLite-backed Durable Object storage, billed since January 2026. */
  rowsWrittenPerMillion: 1.0,
  turnEgressPerGb: 0.05,
} as const;

export interface TurnParams {
  /** Share of neighbour links that need the TURN relay. */
  relayedShare: number;
  /** Bytes per hour one link carries, both directions (keep-alives, routing, app data). */
  linkBytesPerHour: number;
  meanDegree: number;
}

export interface Cost {
  lines: { item: string; perHour: number; perMillionPeerHours: number; basis: string }[];
  total: number;
  turn: { gbPerMillionPeerHours: number; perMillionPeerHours: number };
}

export function cost(load: LoadResult, peers: number, turn: TurnParams): Cost {
  const h = 3_600;
  const perM = peers / 1e6;
  const billedRequests = load.wsIn / PRICES.wsMessagesPerRequest + load.rpc + load.fetches + load.alarms;
  const lines = [
    {
      item: 'DO requests', perHour: (billedRequests * h * PRICES.doRequestsPerMillion) / 1e6,
      basis: `$${PRICES.doRequestsPerMillion}/M; WS frames in ${Math.round(load.wsIn)}/s ÷ 20, RPC ${Math.round(load.rpc)}/s, upgrades ${Math.round(load.fetches)}/s, alarms ${Math.round(load.alarms)}/s`,
    },
    {
      item: 'DO duration', perHour: (load.gbS * h * PRICES.doGbSecondsPerMillion) / 1e6,
      basis: `$${PRICES.doGbSecondsPerMillion}/M GB-s at 128 MB; ${load.gbS.toFixed(2)} GB-s/s while running (hibernating cells bill nothing)`,
    },
    {
      item: 'Worker requests', perHour: (load.workerRequests * h * PRICES.workersRequestsPerMillion) / 1e6,
      basis: `$${PRICES.workersRequestsPerMillion}/M; ${Math.round(load.workerRequests)}/s (discover, upgrade, ice-servers per join + renewals)`,
    },
    {
      item: 'DO storage writes', perHour: (load.rowsWritten * h * PRICES.rowsWrittenPerMillion) / 1e6,
      basis: `$${PRICES.rowsWrittenPerMillion}/M rows; ${Math.round(load.rowsWritten)}/s (directory + 'listed' put per flip, index put per directory broadcast; pushes are not stored)`,
    },
  ].map((l) => ({ ...l, perMillionPeerHours: l.perHour / perM }));
  const total = lines.reduce((t, l) => t + l.perMillionPeerHours, 0);
  const gb = (1e6 * (turn.meanDegree / 2) * turn.relayedShare * turn.linkBytesPerHour) / 1e9;
  return { lines, total, turn: { gbPerMillionPeerHours: gb, perMillionPeerHours: gb * PRICES.turnEgressPerGb } };
}
