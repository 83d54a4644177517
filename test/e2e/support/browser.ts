/**
 * Real headless Chromium through playwright-core, with the flags that make loopback WebRTC work
 * offline (TOOLCHAIN.md). Must run inside a private network namespace (npm test does that).
 */
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  // both are needed for host candidates on 127.0.0.1
  '--allow-loopback-in-peer-connection', '--use-fake-ui-for-media-stream',
  '--disable-renderer-backgrounding', '--disable-background-timer-throttling', '--disable-backgrounding-occluded-windows',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}
