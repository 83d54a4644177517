/**
 * Headless Chromium through playwright-core with the flags loopback WebRTC needs offline
 * (TOOLCHAIN.md: both `--allow-loopback-in-peer-connection` and `--use-fake-ui-for-media-stream`,
 * else no candidates are gathered). Run inside a private network namespace: Chromium sends mDNS
 * and DNS off the machine even with background networking off.
 */
import { execFileSync } from 'node:child_process';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--allow-loopback-in-peer-connection', '--use-fake-ui-for-media-stream',
  // Pages the bench is not looking at must not be throttled: every page of a mesh is "in the background".
  '--disable-renderer-backgrounding', '--disable-background-timer-throttling', '--disable-backgrounding-occluded-windows',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

/** `Chromium 156.0.8078.108 …` as the binary reports it, for the report's machine line. */
export function chromiumVersion(): string {
  try {
    return execFileSync(CHROMIUM, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}
