/** What the map's colours mean. The same CSS classes colour the edges, so the two cannot drift. */
import { SHEET_QUERY } from './Panel';

const ITEMS = [
  { kind: 'open', label: 'Open, direct' },
  { kind: 'relay', label: 'Open, relayed (TURN)' },
  { kind: 'connecting', label: 'Connecting' },
  { kind: 'failed', label: 'Failed' },
] as const;

export function Legend() {
  // Open on wide screens; on a phone the map is small, so the legend starts folded.
  const open = !matchMedia(SHEET_QUERY).matches;
  return (
    <details class="legend" open={open}>
      <summary>Legend</summary>
      <ul>
        <li>
          <span class="legend__self" aria-hidden="true" /> You
        </li>
        {ITEMS.map(({ kind, label }) => (
          <li key={kind}>
            <svg class="legend__line" viewBox="0 0 28 8" width="28" height="8" aria-hidden="true">
              <line class={`edge edge--${kind}`} x1="1" y1="4" x2="27" y2="4" />
            </svg>
            {label}
          </li>
        ))}
        <li>
          <span class="legend__cell" aria-hidden="true" /> Your Voronoi cell
        </li>
      </ul>
    </details>
  );
}
