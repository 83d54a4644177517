/**
 * Recomputing a cell's neighbour sets (DESIGN.md, "How to compute it without a global server"):
 * read the peers of every non-empty cell reaching into a cap around this cell, triangulate, and
 * widen the cap until every own peer's star (and its neighbours' stars, for the degree cap) is
 * certified. Then tell exactly the peers whose sets changed. Once that has run, later joins and
 * leaves are applied around the peer concerned only (incremental.ts), while that stays exact.
 */
import { peerPoint } from '../core/geo';
import { localIceServers } from '../core/ice';
import type { NeighbourInfo } from '../core/protocol';
import { assignNeighbours } from '../core/topology';
import { readAttachment, writeAttachment } from './attachment';
import type { Cell } from './Cell';
import { applyIncrementally, buildModel, modelPeers, readState, worn, type ModelPeer } from './incremental';
import type { PeerRecord } from './neighbourhood';
import { issueToken } from './token-secret';

const DEG = Math.PI / 180;
/** Beyond a hemisphere the local test buys nothing: read every non-empty cell instead. */
const GLOBAL_RADIUS = Math.PI / 2;

interface Known extends PeerRecord {
  cell: string;
}

export async function recomputeNeighbours(cell: Cell): Promise<void> {
  const { hood, self } = cell;
  if (cell.peers.size === 0) {
    cell.model = null;
    await unwatchAllBut(cell, new Set());
    return;
  }
  if (cell.model) {
    const changed = applyIncrementally(cell, cell.model);
    if (changed) {
      cell.stats.incremental++;
      await announce(cell, changed, modelPeers(cell.model));
      if (worn(cell.model)) cell.model = null;
      return;
    }
    cell.model = null;
  }
  cell.stats.full++;
  // First ring: this cell's circumradius plus one row of cells.
  let radius = hood.shape(self).radius + cell.grid.rowHeight * DEG;
  for (;;) {
    const global = radius >= GLOBAL_RADIUS;
    const version = hood.index.version;
    const cells = hood.cellsWithin(self, global ? Infinity : radius);
    await watchAll(cell, cells);
    // From here to buildModel nothing awaits: the model describes exactly this read.
    const read = readState(cell, cells, version);
    const known = collect(cell, cells);
    const sites: ModelPeer[] = [...known.values()].map((k) => ({ ...k, p: peerPoint(k.id, k) }));
    const result = assignNeighbours({
      sites,
      own: [...cell.peers.keys()],
      centre: hood.shape(self).centre,
      radius: global ? Infinity : radius,
      maxDegree: cell.config.maxDegree,
    });
    if (result) {
      cell.model = buildModel(hood.shape(self).centre, read, sites, global ? Infinity : radius);
      await unwatchAllBut(cell, new Set(cells));
      await announce(cell, result, known);
      return;
    }
    radius *= 2;
  }
}

/** Own peers plus the snapshots of `cells`; an id in two places (a peer mid-move) counts once, here. */
function collect(cell: Cell, cells: string[]): Map<string, Known> {
  const known = new Map<string, Known>();
  for (const c of cells) {
    for (const r of cell.hood.snapshots.get(c) ?? []) known.set(r.id, { ...r, cell: c });
  }
  for (const r of cell.records()) known.set(r.id, { ...r, cell: cell.self });
  return known;
}

async function watchAll(cell: Cell, cells: string[]): Promise<void> {
  const missing = cells.filter((c) => !cell.hood.snapshots.has(c) || cell.hood.stale.has(c));
  await Promise.all(
    missing.map(async (c) => {
      cell.hood.opening.add(c);
      try {
        const snap = await cell.stub(c).watch(cell.self);
        await cell.hood.setSnapshot(c, snap.peers, snap);
        // A push that overtook the answer: already included ('old'), the next one, or a gap
        // (then the snapshot is stale and the pass after this one re-reads it).
        const early = cell.hood.early.get(c);
        if (early) cell.hood.applyDelta(c, early);
      } finally {
        cell.hood.opening.delete(c);
        cell.hood.early.delete(c);
      }
    }),
  );
}

async function unwatchAllBut(cell: Cell, keep: Set<string>): Promise<void> {
  const drop = [...cell.hood.snapshots.keys()].filter((c) => !keep.has(c));
  await Promise.all(
    drop.map(async (c) => {
      await cell.hood.dropSnapshot(c);
      try {
        await cell.stub(c).unwatch(cell.self);
      } catch (err) {
        console.error('Cell:unwatch', c, err);
      }
    }),
  );
}

/** Sends `welcome` to new peers and `neighbours` diffs to peers whose set changed; nothing to others. */
async function announce(cell: Cell, result: Map<string, string[]>, known: Pick<ReadonlyMap<string, Known>, 'get'>): Promise<void> {
  const info = (id: string): NeighbourInfo => {
    const k = known.get(id)!;
    return { id, lat: k.lat, lng: k.lng };
  };
  // Only the peers in `result` (all own peers after a full recompute, a few after an event):
  // reading every socket's attachment would cost O(peers) per event.
  for (const [id, next] of result) {
    const ws = cell.peers.get(id);
    const att = ws && readAttachment(ws);
    const peer = att?.peer;
    if (!ws || !att || !peer) continue;
    const before = new Set(peer.n.map(([n]) => n));
    const after = new Set(next);
    const add = next.filter((n) => !before.has(n));
    const remove = [...before].filter((n) => !after.has(n));
    const routes: [string, string][] = next.map((n) => [n, known.get(n)!.cell]);
    if (peer.welcomed && add.length === 0 && remove.length === 0) {
      // Same neighbours, but one may have moved cells: keep its route current, say nothing.
      if (routes.some(([n, c], i) => peer.n[i]?.[0] !== n || peer.n[i]?.[1] !== c)) {
        peer.n = routes;
        writeAttachment(ws, att);
      }
      continue;
    }
    // Routes are updated before anything is sent, so the peer can signal a new neighbour at once.
    peer.n = routes;
    const wasWelcomed = peer.welcomed;
    peer.welcomed = true;
    writeAttachment(ws, att);
    if (!wasWelcomed) {
      const token = await issueToken(cell.bindings, cell.config, id);
      // Minted here when no upstream call is needed: the client then skips /api/ice-servers.
      const ice = await localIceServers(cell.config, id, Math.floor(Date.now() / 1000));
      cell.send(ws, { type: 'welcome', id, cell: cell.self, position: { lat: peer.lat, lng: peer.lng }, neighbours: next.map(info), ...token, ...(ice ? { ice } : {}) });
    } else {
      cell.send(ws, { type: 'neighbours', add: add.map(info), remove });
    }
  }
}
