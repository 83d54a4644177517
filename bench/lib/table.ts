/** Markdown tables: what the benches print is what docs/benchmarks.md holds. */

export type Cell = string | number | boolean;

export interface Table {
  title: string;
  headers: string[];
  rows: Cell[][];
  /** Lines printed under the table (assumptions, targets). */
  notes?: string[];
}

/** A number for a table: 3 significant digits, thousands separated, no exponent below 1e15. */
export function fmt(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1_000) return Math.round(x).toLocaleString('en-US');
  if (a >= 1e-4) return Number(x.toPrecision(digits)).toString();
  return x.toExponential(digits - 1);
}

function show(c: Cell): string {
  if (typeof c === 'number') return fmt(c);
  if (typeof c === 'boolean') return c ? 'yes' : 'no';
  return c;
}

export function formatTable(t: Table): string {
  const lines = [`### ${t.title}`, '', `| ${t.headers.join(' | ')} |`, `|${t.headers.map(() => '---').join('|')}|`];
  for (const r of t.rows) lines.push(`| ${r.map(show).join(' | ')} |`);
  if (t.notes?.length) lines.push('', ...t.notes);
  return lines.join('\n') + '\n';
}
