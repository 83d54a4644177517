/**
 * Geometry on the unit sphere: positions, coarsening, the cell grid and stereographic projection.
 * Pure: no I/O. Angles are radians unless a name says `Deg`.
 */

/** Positions are coarsened to this many decimal places of a degree (0.1° ≈ 11 km): city level. */
export const POSITION_DECIMALS = 1;
/** Each component of the id-derived offset added to a peer's point on the sphere is below this. */
export const JITTER = 1e-5;
/** Upper bound on how far (radians) the jitter can move a point: √3 · JITTER, rounded up. */
export const JITTER_MAX_RAD = 2e-5;

const DEG = Math.PI / 180;

export interface LatLng {
  lat: number;
  lng: number;
}

export type Vec3 = readonly [number, number, number];

/** True when lat ∈ [-90, 90] and lng ∈ [-180, 180], both finite. */
export function isValidLatLng(lat: unknown, lng: unknown): boolean {
  return (
    typeof lat === 'number' && typeof lng === 'number' && Number.isFinite(lat) && Number.isFinite(lng) &&
    lat >= -90 && lat <= 90 && lng >= -180 && lng <= 180
  );
}

/** Maps any finite longitude into [-180, 180). */
export function normaliseLng(lng: number): number {
  if (lng >= -180 && lng < 180) return lng === 0 ? 0 : lng; // common case, exact (no -0)
  const l = ((((lng + 180) % 360) + 360) % 360) - 180;
  return l === 0 ? 0 : l;
}

/** Rounds a position to the coarse grid; longitude wraps into [-180, 180). */
export function coarsen(pos: LatLng): LatLng {
  const f = 10 ** POSITION_DECIMALS;
  const lat = Math.round(Math.max(-90, Math.min(90, pos.lat)) * f) / f;
  // Round after wrapping (wrapping adds float noise); rounding up to 180 wraps to -180.
  let lng = Math.round(normaliseLng(pos.lng) * f) / f;
  if (lng >= 180) lng = -180;
  return { lat: lat === 0 ? 0 : lat, lng: lng === 0 ? 0 : lng };
}

export function toVec3(pos: LatLng): Vec3 {
  const phi = pos.lat * DEG;
  const lambda = pos.lng * DEG;
  const c = Math.cos(phi);
  return [c * Math.cos(lambda), c * Math.sin(lambda), Math.sin(phi)];
}

export function toLatLng(v: Vec3): LatLng {
  const [x, y, z] = normalise(v);
  return { lat: Math.asin(Math.max(-1, Math.min(1, z))) / DEG, lng: Math.atan2(y, x) / DEG };
}

export function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

export function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

export function normalise(v: Vec3): Vec3 {
  const n = Math.hypot(v[0], v[1], v[2]);
  return [v[0] / n, v[1] / n, v[2] / n];
}

/** Great-circle angle between two unit vectors; atan2 keeps it accurate for tiny and near-π angles. */
export function angle(a: Vec3, b: Vec3): number {
  const c = cross(a, b);
  return Math.atan2(Math.hypot(c[0], c[1], c[2]), dot(a, b));
}

/** 32-bit FNV-1a; deterministic on every runtime. */
function fnv1a(s: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // final avalanche (murmur3 fmix32) so nearby ids spread over the whole range
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The point a peer occupies on the unit sphere: its coarse position plus a tiny offset derived
 * from its id. Coarse positions sit on a lat/lng grid, so co-located peers coincide and grid
 * rectangles are exactly cocircular on the sphere; the offset (< 130 m) puts every set of peers
 * in general position, so the Delaunay graph is unique and every cell computes the same one.
 */
export function peerPoint(id: string, pos: LatLng): Vec3 {
  const v = toVec3(pos);
  const j = (seed: number): number => (fnv1a(id, seed) / 0xffff_ffff - 0.5) * 2 * JITTER;
  return normalise([v[0] + j(1), v[1] + j(2), v[2] + j(3)]);
}

/**
 * Stereographic projection onto the plane through the origin perpendicular to `centre`, from the
 * antipode of `centre` (which maps to infinity). It maps circles on the sphere to circles in the
 * plane, so planar Delaunay of projected points is spherical Delaunay (see DESIGN.md, Topology).
 */
export function stereographic(centre: Vec3): (p: Vec3) => [number, number] {
  const c = normalise(centre);
  // any vector not parallel to c gives a basis
  const helper: Vec3 = Math.abs(c[2]) < 0.9 ? [0, 0, 1] : [1, 0, 0];
  const u = normalise(cross(helper, c));
  const v = cross(c, u);
  return (p) => {
    const d = 1 + dot(p, c);
    return [dot(p, u) / d, dot(p, v) / d];
  };
}

// ---------------------------------------------------------------------------------------------
// Cells
// ---------------------------------------------------------------------------------------------

/**
 * The cell grid: `rows` bands of equal latitude height; a band has about 360/cellDeg·cos(lat)
 * columns, so cells are roughly square everywhere and the bands at the poles are a handful of
 * cells each (never hundreds of slivers meeting at one point). Longitude wraps at the antimeridian.
 */
export interface CellGrid {
  readonly cellDeg: number;
  readonly rows: number;
  readonly rowHeight: number;
  readonly cols: readonly number[];
}

export interface CellBounds {
  south: number;
  north: number;
  west: number;
  east: number;
}

const CELL_ID = /^r(\d{1,4})c(\d{1,4})$/;

export function cellGrid(cellDeg: number): CellGrid {
  const rows = Math.max(1, Math.round(180 / cellDeg));
  const rowHeight = 180 / rows;
  const cols: number[] = [];
  for (let r = 0; r < rows; r++) {
    const mid = -90 + (r + 0.5) * rowHeight;
    cols.push(Math.max(1, Math.round((360 / cellDeg) * Math.cos(mid * DEG))));
  }
  return { cellDeg, rows, rowHeight, cols };
}

/** The id of the cell holding a position, e.g. `r33c71`. */
export function cellOf(grid: CellGrid, pos: LatLng): string {
  const row = Math.min(grid.rows - 1, Math.max(0, Math.floor((pos.lat + 90) / grid.rowHeight)));
  const cols = grid.cols[row]!;
  const col = Math.min(cols - 1, Math.floor(((normaliseLng(pos.lng) + 180) / 360) * cols));
  return `r${row}c${col}`;
}

/** Parses a cell id; null when it is malformed or outside the grid. */
export function parseCell(grid: CellGrid, id: string): { row: number; col: number } | null {
  const m = CELL_ID.exec(id);
  if (!m) return null;
  const row = Number(m[1]);
  const col = Number(m[2]);
  if (row >= grid.rows || col >= grid.cols[row]! || `r${row}c${col}` !== id) return null;
  return { row, col };
}

export function cellBounds(grid: CellGrid, id: string): CellBounds {
  const rc = parseCell(grid, id);
  if (!rc) throw new RangeError(`not a cell of this grid: ${id}`);
  const w = 360 / grid.cols[rc.row]!;
  return {
    south: -90 + rc.row * grid.rowHeight,
    north: -90 + (rc.row + 1) * grid.rowHeight,
    west: -180 + rc.col * w,
    east: -180 + (rc.col + 1) * w,
  };
}

export interface CellShape {
  centre: Vec3;
  /** Largest angle from the centre to any point of the cell. */
  radius: number;
}

/** Centre and circumradius of a cell. The farthest point of a lat/lng rectangle is a corner. */
export function cellShape(grid: CellGrid, id: string): CellShape {
  const b = cellBounds(grid, id);
  const centre = toVec3({ lat: (b.south + b.north) / 2, lng: (b.west + b.east) / 2 });
  let radius = 0;
  for (const lat of [b.south, b.north]) {
    for (const lng of [b.west, b.east]) radius = Math.max(radius, angle(centre, toVec3({ lat, lng })));
  }
  return { centre, radius: radius + 1e-9 };
}
