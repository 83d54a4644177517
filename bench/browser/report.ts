/** Percentiles and markdown tables for the browser benches: what they print is what docs/benchmarks.md holds. */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { chromiumVersion } from './chromium';

/** Nearest-rank percentile (q in [0, 1]) of unsorted values; NaN when empty. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

export const median = (values: readonly number[]): number => percentile(values, 0.5);

/** A duration in ms for a table: whole ms from 100 up, one decimal below. */
export function ms(x: number): string {
  if (!Number.isFinite(x)) return '–';
  return x >= 100 ? String(Math.round(x)) : x.toFixed(1);
}

export function ratio(a: number, b: number): string {
  return Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : '–';
}

export interface Table {
  title: string;
  headers: string[];
  rows: string[][];
  notes?: string[];
}

export function formatTable(t: Table): string {
  const lines = [`### ${t.title}`, '', `| ${t.headers.join(' | ')} |`, `|${t.headers.map((_, i) => (i === 0 ? '---' : '--:')).join('|')}|`];
  for (const r of t.rows) lines.push(`| ${r.join(' | ')} |`);
  if (t.notes?.length) lines.push('', ...t.notes);
  return lines.join('\n') + '\n';
}

/**
 * `nproc 2 (…model…), node v20…, Chromium …, date, load average`: the machine line every report
 * starts with. The load average says how much else the (shared) machine was running.
 */
export function machineLine(): string {
  let nproc = String(cpus().length);
  try {
    nproc = execFileSync('nproc', { encoding: 'utf8' }).trim();
  } catch {
    // keep os.cpus()
  }
  const model = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const load = loadavg().map((x) => x.toFixed(1)).join(' / ');
  return `nproc ${nproc} (${model}), node ${process.version}, ${chromiumVersion()}, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, load average ${load} (1/5/15 min, at the end)`;
}
