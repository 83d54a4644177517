/**
 * In-page scripts are plain JavaScript files read as text and evaluated as they are: tsx and
 * vitest transpile TypeScript functions with helpers (e.g. esbuild's `__name`) that a page does
 * not have, so a function passed to `page.evaluate` from here could break in one and not the other.
 */
import { readFileSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';

/** Events the recorder (scripts/recorder.js) logs: `t` is the page's performance.now(). */
export interface PageEvent {
  t: number;
  kind: string;
  [field: string]: unknown;
}

/** What `window.__bench` holds after a run. */
export interface PageRecord {
  log: PageEvent[];
  frames: Record<string, { n: number; bytes: number }>;
  rows: Record<string, { state: string; at: number }[]>;
  self?: string;
  /** Main-thread long tasks (> 50 ms) so far: how many, and their total duration. */
  longTasks?: { n: number; ms: number };
}

const cache = new Map<string, string>();

/** The text of an in-page script, by URL relative to the caller (`new URL('./x.js', import.meta.url)`). */
export function script(url: URL): string {
  const key = url.href;
  let text = cache.get(key);
  if (text === undefined) cache.set(key, (text = readFileSync(url, 'utf8')));
  return text;
}

export const RECORDER = new URL('./scripts/recorder.js', import.meta.url);

/** Installs the recorder in every page of `context`, before the page's own scripts. */
export async function record(context: BrowserContext): Promise<void> {
  await context.addInitScript({ content: script(RECORDER) });
}

/** Calls the function expression in `source` with `arg` (JSON) inside the page. */
export function run<T>(page: Page, source: string, arg: unknown = {}): Promise<T> {
  return page.evaluate(`(${source})(${JSON.stringify(arg)})`) as Promise<T>;
}

/** The recorder's data, read out of the page. */
export function readRecord(page: Page): Promise<PageRecord> {
  return page.evaluate('({ log: __bench.log, frames: __bench.frames, rows: __bench.rows, self: __bench.self, longTasks: __bench.longTasks })') as Promise<PageRecord>;
}
