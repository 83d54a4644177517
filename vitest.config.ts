import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

/**
 * `npm test` runs every project: pure core in Node, Worker + Durable Objects in real workerd.
 */
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'core', include: ['test/core/**/*.test.ts'], environment: 'node', setupFiles: ['test/core/fast-check.setup.ts'] } },
      // The mesh layer against an in-memory loopback, with real WebRTC in Node (@roamhq/wrtc).
      {
        test: { name: 'client', include: ['test/client/**/*.test.ts'], environment: 'node', testTimeout: 10_000, hookTimeout: 10_000 },
      },
      {
        plugins: [
          cloudflareTest({
            main: './worker/index.ts',
            wrangler: { configPath: './wrangler.toml' },
          }),
        ],
        test: {
          name: 'workers',
          globalSetup: ['test/worker/global-setup.ts'],
          include: ['test/worker/**/*.test.ts', 'test/durable-objects/**/*.test.ts'],
          testTimeout: 60_000,
          // Files share one workerd and its Durable Objects: run them one after another.
          fileParallelism: false,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.e2e.test.ts'],
          environment: 'node',
          globalSetup: ['test/e2e/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 240_000,
          // each file runs its own wrangler dev and Chromium: one at a time on 2 cores
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'bench-smoke',
          include: ['test/bench/**/*.test.ts'],
          environment: 'node',
          testTimeout: 90_000,
          hookTimeout: 90_000,
          // relay/join/mesh smoke tests start wrangler dev and Chromium: one file at a time
          fileParallelism: false,
        },
      },
    ],
  },
});
