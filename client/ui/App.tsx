/** The page: a full-window map with the legend over it, and the panel beside or below it. */
import { useCallback, useRef } from 'preact/hooks';
import type { MeshModelInstance } from '../models/mesh-model';
import { Legend } from './Legend';
import { MapView } from './MapView';
import { Panel } from './Panel';

export function App({ model }: { model: MeshModelInstance }) {
  const panel = useRef<HTMLElement>(null);
  // What the panel hides of the map, so fitting the view keeps peers out from under it.
  const obscured = useCallback((): { right: number; bottom: number } => {
    const rect = panel.current?.getBoundingClientRect();
    if (!rect) return { right: 0, bottom: 0 };
    return rect.left > innerWidth * 0.4 ? { right: innerWidth - rect.left, bottom: 0 } : { right: 0, bottom: innerHeight - rect.top };
  }, []);
  return (
    <div class="app">
      <a class="skip-link" href="#panel-body">
        Skip to mesh status
      </a>
      <main class="app__map">
        <MapView model={model} obscured={obscured} />
        <Legend />
      </main>
      <Panel model={model} panelRef={panel} />
    </div>
  );
}
