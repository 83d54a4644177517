/**
 * Headless Chromium through playwright-core with the flags loopback WebRTC needs offline
 * (TOOLCHAIN.md: both `--allow-loopback-in-peer-connection` and `--use-fake-ui-for-media-stream`,
 * else no candidates are gathered). Run inside a private network namespace: Chromium sends mDNS
 * and DNS off the machine even with background networking off.
 */
import { execFileSync } from 'node:child_process';
import { CHROMIUM } from '../../test/e2e/support/browser';

// One set of Chromium flags for the e2e tests and the benches.
export { CHROMIUM, CHROMIUM_ARGS, launchChromium } from '../../test/e2e/support/browser';

/** `Chromium 156.0.8078.108 …` as the binary reports it, for the report's machine line. */
export function chromiumVersion(): string {
  try {
    return execFileSync(CHROMIUM, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}
