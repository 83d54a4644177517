/**
 * Client library tests (Node, real WebRTC via @roamhq/wrtc). Separate from the root config until
 * the lead merges it in as a `client` project: `npx vitest run -c test/client/vitest.config.ts`.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'client',
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/client/**/*.test.ts'],
    environment: 'node',
    // Every test is bounded: a hung negotiation fails instead of stalling the run.
    testTimeout: 10_000,
    hookTimeout: 10_000,
  },
});
