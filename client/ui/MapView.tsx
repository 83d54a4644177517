/**
 * The full-window map: an imperative Leaflet island (STYLE rule 8). Preact renders one empty
 * div; Leaflet owns everything inside it, redrawn from a signals `effect` that reads positions,
 * link states and paths but never RTT, so RTT samples cost nothing here.
 */
import { effect } from '@preact/signals';
import L from 'leaflet';
import { useEffect, useRef } from 'preact/hooks';
import type { LatLng } from '../../core/geo';
import type { MeshModelInstance } from '../models/mesh-model';
import { addBasemap, tileUrl } from './basemap';
import { edgeKind, formatRtt, PATH_TEXT, relayReasonText, shortId, STATE_TEXT } from './format';
import { greatCircle, voronoiCell } from './geometry';

/** Padding (px) around the peers when fitting the view, besides the part the panel covers. */
const FIT_PADDING_PX = 48;
/** Extra room at the bottom, where the legend and attribution sit over the map. */
const BOTTOM_CLEARANCE_PX = 32;
/** Zoom when fitting just one point (no neighbours): a region, not a street. */
const LONE_ZOOM = 5;
const WORLD_VIEW: { centre: L.LatLngTuple; zoom: number } = { centre: [25, 10], zoom: 2 };

export interface MapViewProps {
  model: MeshModelInstance;
  /** Pixels the panel currently covers at the right and bottom edges of the map. */
  obscured: () => { right: number; bottom: number };
}

export function MapView({ model, obscured }: MapViewProps) {
  const container = useRef<HTMLDivElement>(null);
  const recentre = useRef<() => void>(() => undefined);

  useEffect(() => {
    const el = container.current;
    if (!el) return;
    const map = L.map(el, { worldCopyJump: false, minZoom: 2, maxZoom: 12, zoomSnap: 0.25, attributionControl: false });
    // Bottom left: the floating panel covers the bottom-right corner on wide screens.
    L.control.attribution({ position: 'bottomleft' }).addTo(map);
    map.setView(WORLD_VIEW.centre, WORLD_VIEW.zoom);
    void addBasemap(map, tileUrl(location.search));
    const layers = L.layerGroup().addTo(map);

    // Follow the mesh until the user moves the map; "Recentre" hands control back.
    let userMoved = false;
    let programmatic = false;
    let lastFitKey = '';
    let fitPoints: L.LatLng[] = [];
    map.on('movestart', () => {
      if (!programmatic) userMoved = true;
    });
    const fit = (): void => {
      const { right, bottom } = obscured();
      programmatic = true;
      if (fitPoints.length === 1) {
        map.setView(fitPoints[0]!, LONE_ZOOM, { animate: false });
        // Centre the point in the part of the map the panel leaves visible.
        map.panBy([right / 2, bottom / 2], { animate: false });
      } else if (fitPoints.length > 1) {
        map.fitBounds(L.latLngBounds(fitPoints), {
          paddingTopLeft: [FIT_PADDING_PX, FIT_PADDING_PX],
          paddingBottomRight: [FIT_PADDING_PX + right, FIT_PADDING_PX + BOTTOM_CLEARANCE_PX + bottom],
          animate: false,
          maxZoom: 9,
        });
      }
      programmatic = false;
    };
    recentre.current = () => {
      userMoved = false;
      fit();
    };

    const dispose = effect(() => {
      const self = model.position.value;
      const selfId = model.selfId.value;
      const list = model.neighbours.value;
      // Read every state and path here so the effect re-runs when one changes.
      const kinds = list.map((n) => edgeKind(n.state.value, n.path.value));
      layers.clearLayers();
      fitPoints = [];
      if (!self) return;

      // Arcs run the short way round from us, so their ends may leave [-180, 180]; the marker
      // sits on the arc's end, not at the neighbour's nominal longitude.
      const arcs = list.map((n) => greatCircle(self, n));
      const ends = arcs.map((arc): LatLng => {
        const [lat, lng] = arc[arc.length - 1]!;
        return { lat, lng };
      });
      const cell = selfId ? voronoiCell({ id: selfId, ...self }, list) : null;
      if (cell) L.polygon(cell, { className: 'voronoi', interactive: false }).addTo(layers);

      list.forEach((n, i) => {
        const kind = kinds[i]!;
        L.polyline(arcs[i]!, { className: `edge edge--${kind}`, interactive: false }).addTo(layers);
        L.marker(ends[i]!, {
          icon: L.divIcon({ className: `peer peer--${kind}`, iconSize: [14, 14] }),
          keyboard: false, // the panel's table is the accessible view of the same data
          riseOnHover: true,
        })
          .bindTooltip(() => {
            // Read when shown (peek): fresh values without making the effect depend on them.
            const path = n.path.peek();
            const reason = path === 'relay' ? n.relayReason.peek() : null;
            const why = reason ? ` (${relayReasonText(reason, model.network.nat.peek()?.type ?? null)})` : '';
            return `${shortId(n.id)} · ${STATE_TEXT[n.state.peek()]}${path ? ` · ${PATH_TEXT[path]}${why}` : ''} · ${formatRtt(n.rttMs.peek())}`;
          }, { direction: 'top', offset: [0, -8] })
          .addTo(layers);
      });
      L.marker(self, {
        icon: L.divIcon({ className: 'peer peer--self', iconSize: [20, 20], html: '<span class="peer__pulse"></span>' }),
        keyboard: false,
        zIndexOffset: 1_000,
      })
        .bindTooltip('You', { direction: 'top', offset: [0, -10] })
        .addTo(layers);

      fitPoints = [L.latLng(self.lat, self.lng), ...ends.map((p) => L.latLng(p.lat, p.lng))];
      const key = `${self.lat},${self.lng}|${list.map((n) => n.id).join(',')}`;
      if (key !== lastFitKey && !userMoved) fit();
      lastFitKey = key;
    });

    // The panel collapsing or the window resizing changes the map's size under Leaflet.
    // Refit too while following: on phones the sheet below the map grows as neighbours arrive.
    const resize = new ResizeObserver(() => {
      programmatic = true;
      map.invalidateSize({ pan: false });
      programmatic = false;
      if (!userMoved) fit();
    });
    resize.observe(el);
    return () => {
      dispose();
      resize.disconnect();
      map.remove();
    };
  }, [model, obscured]);

  return (
    <div class="map-wrap">
      <div ref={container} class="map" role="region" aria-label="Map of you and your mesh neighbours" />
      <button type="button" class="map-button recentre" onClick={() => recentre.current()} aria-label="Recentre the map on you and your neighbours" title="Recentre">
        <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
          <circle cx="12" cy="12" r="3.5" fill="currentColor" />
          <path d="M12 2v4M12 18v4M2 12h4M18 12h4" stroke="currentColor" stroke-width="2" stroke-linecap="round" />
          <circle cx="12" cy="12" r="7" fill="none" stroke="currentColor" stroke-width="2" />
        </svg>
      </button>
    </div>
  );
}
