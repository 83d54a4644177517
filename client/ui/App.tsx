/** The page: a full-window map with the legend over it, and the panel beside or below it. */
import { useCallback, useRef } from 'preact/hooks';
import type { MeshModelInstance } from '../models/mesh-model';
import { Legend } from './Legend';
import { MapView } from './MapView';
import { Panel } from './Panel';

export function App({ model }: { model: MeshModelInstance }) {
  const map = useRef<HTMLElement>(null);
  const panel = useRef<HTMLElement>(null);
  // How much of the map the panel covers (a floating card on wide screens; below the map, so
  // nothing, on phones), so fitting the view keeps peers out from under it.
  const obscured = useCallback((): { right: number; bottom: number } => {
    const m = map.current?.getBoundingClientRect();
    const p = panel.current?.getBoundingClientRect();
    if (!m || !p) return { right: 0, bottom: 0 };
    const beside = p.left > m.left + m.width * 0.4;
    return beside ? { right: Math.max(0, m.right - p.left), bottom: 0 } : { right: 0, bottom: Math.max(0, m.bottom - p.top) };
  }, []);
  return (
    <div class="app">
      <a class="skip-link" href="#panel-body">
        Skip to mesh status
      </a>
      <main class="app__map" ref={map}>
        <MapView model={model} obscured={obscured} />
        <Legend />
      </main>
      <Panel model={model} panelRef={panel} />
    </div>
  );
}
