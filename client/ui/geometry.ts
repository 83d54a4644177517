/**
 * Display geometry for the map: edges drawn the short way round (across the antimeridian when
 * that is shorter) as great-circle arcs, and an approximate Voronoi cell for this peer. Leaflet
 * draws in continuous longitude, so a point at lng 190 sits just east of the antimeridian; every
 * helper here returns longitudes unwrapped relative to the peer at the centre.
 */
import { Delaunay } from 'd3-delaunay';
import { angle, cross, dot, normalise, peerPoint, toLatLng, toVec3, type LatLng, type Vec3 } from '../../core/geo';

/** Arcs and cell edges get one vertex per this many radians (≈ 110 km), enough to look smooth. */
export const ARC_STEP_RAD = 0.017;
/** Kilometres per radian on the mean Earth sphere. */
export const EARTH_RADIUS_KM = 6_371;
/** Clip box for open Voronoi cells, as a multiple of the farthest neighbour's projected distance. */
const CELL_CLIP_FACTOR = 1.5;
/** The clip box never exceeds this (projected units ≈ radians near the centre; 3 ≈ 113°). */
const CELL_CLIP_MAX = 3;

export type Point = [lat: number, lng: number];

/** `lng` shifted by a multiple of 360 to lie within 180° of `ref`. */
export function unwrapLng(lng: number, ref: number): number {
  return lng + 360 * Math.round((ref - lng) / 360);
}

/** Great-circle distance in km. */
export function distanceKm(a: LatLng, b: LatLng): number {
  return angle(toVec3(a), toVec3(b)) * EARTH_RADIUS_KM;
}

/** Appends `p` with its longitude made continuous with the last point (no jump across ±180). */
function pushContinuous(out: Point[], p: LatLng, refLng: number): void {
  const prev = out[out.length - 1];
  out.push([p.lat, unwrapLng(p.lng, prev ? prev[1] : refLng)]);
}

/**
 * The great-circle arc from `a` to `b`, longitudes continuous from `a.lng`. Near-antipodal pairs
 * have no unique arc; they get the straight line the short way round instead.
 */
export function greatCircle(a: LatLng, b: LatLng): Point[] {
  const va = toVec3(a);
  const vb = toVec3(b);
  const omega = angle(va, vb);
  const sinOmega = Math.sin(omega);
  if (omega < 1e-9 || sinOmega < 1e-6) return [[a.lat, a.lng], [b.lat, unwrapLng(b.lng, a.lng)]];
  const steps = Math.max(2, Math.ceil(omega / ARC_STEP_RAD));
  const out: Point[] = [];
  for (let i = 0; i <= steps; i++) {
    const t = i / steps;
    const wa = Math.sin((1 - t) * omega) / sinOmega;
    const wb = Math.sin(t * omega) / sinOmega;
    pushContinuous(out, toLatLng([wa * va[0] + wb * vb[0], wa * va[1] + wb * vb[1], wa * va[2] + wb * vb[2]]), a.lng);
  }
  return out;
}

/**
 * Stereographic projection around `c` with x east and y north, scaled so one unit is about one
 * radian near the centre, and its inverse. Same family as core's `stereographic` (circles stay
 * circles), but with a fixed orientation and an inverse, which only the display needs.
 */
function localProjection(c: Vec3): { forward: (p: Vec3) => [number, number]; inverse: (x: number, y: number) => Vec3 } {
  // At a pole "east" is undefined; any tangent direction will do.
  const east = Math.hypot(c[0], c[1]) < 1e-9 ? ([0, 1, 0] as Vec3) : normalise(cross([0, 0, 1], c));
  const north = cross(c, east);
  return {
    forward: (p) => {
      const d = (1 + dot(p, c)) / 2;
      return [dot(p, east) / d, dot(p, north) / d];
    },
    inverse: (x, y) => {
      const u = x / 2;
      const v = y / 2;
      const r2 = u * u + v * v;
      const k = 1 / (1 + r2);
      return [
        k * (2 * u * east[0] + 2 * v * north[0] + (1 - r2) * c[0]),
        k * (2 * u * east[1] + 2 * v * north[1] + (1 - r2) * c[1]),
        k * (2 * u * east[2] + 2 * v * north[2] + (1 - r2) * c[2]),
      ];
    },
  };
}

export interface Site {
  id: string;
  lat: number;
  lng: number;
}

/**
 * This peer's Voronoi cell among itself and its neighbours: a display approximation (the planar
 * Voronoi of the stereographic projection, which is exact for the triangulation but only close
 * for the bisectors). A peer on the hull of its neighbours has an open cell, clipped to a box.
 * Null with no neighbours: the cell is the whole globe.
 */
export function voronoiCell(self: Site, neighbours: readonly Site[]): Point[] | null {
  if (neighbours.length === 0) return null;
  const centre = peerPoint(self.id, self);
  const proj = localProjection(centre);
  // peerPoint's id-derived offset keeps co-located peers apart, as the topology does.
  const points = [self, ...neighbours].map((s) => proj.forward(peerPoint(s.id, s)));
  const far = Math.max(...points.map(([x, y]) => Math.hypot(x, y)));
  const box = Math.min(CELL_CLIP_MAX, Math.max(far * CELL_CLIP_FACTOR, 1e-4));
  const ring = Delaunay.from(points).voronoi([-box, -box, box, box]).cellPolygon(0);
  if (!ring || ring.length < 4) return null;
  const out: Point[] = [];
  for (let i = 0; i + 1 < ring.length; i++) {
    const [x0, y0] = ring[i]!;
    const [x1, y1] = ring[i + 1]!;
    // Straight in the plane is curved on the map: add vertices so long cell edges bend correctly.
    const steps = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0) / ARC_STEP_RAD));
    for (let s = 0; s < steps; s++) {
      const t = s / steps;
      pushContinuous(out, toLatLng(proj.inverse(x0 + t * (x1 - x0), y0 + t * (y1 - y0))), self.lng);
    }
  }
  return out;
}

/** A GeoJSON linear ring: [lng, lat] positions. */
export type Ring = GeoJSON.Position[];

/**
 * Natural Earth rings that cross the antimeridian jump from 180 to −180 (d3-geo clips that on
 * the sphere; Leaflet would draw a stripe across the world). Make longitudes continuous instead,
 * so Fiji and Chukotka extend just past ±180, where a neighbouring world copy shows them. A ring
 * that circles a pole (Antarctica) ends 360° from where it started: close it through the pole.
 */
export function unwrapRing(ring: Ring): Ring {
  let shift = 0;
  const out: Ring = ring.map((p, i) => {
    const prev = ring[i - 1];
    const step = prev ? p[0]! - prev[0]! : 0;
    if (step > 180) shift -= 360;
    else if (step < -180) shift += 360;
    return [p[0]! + shift, p[1]!];
  });
  if (shift !== 0) {
    const pole = ring[0]![1]! < 0 ? -90 : 90;
    out.push([out[out.length - 1]![0]!, pole], [out[0]![0]!, pole], out[0]!);
  }
  return out;
}
