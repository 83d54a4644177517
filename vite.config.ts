/**
 * Builds the browser client (client/) into dist/client, which the Worker serves as static assets
 * at the same origin as /api/* (wrangler.toml `[assets]`). Offline: the basemap comes from the
 * world-atlas package, so the build fetches nothing.
 */
import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

const CLIENT_ROOT = fileURLToPath(new URL('./client', import.meta.url));
const OUT_DIR = fileURLToPath(new URL('./dist/client', import.meta.url));
/**
 * The embeddable library, served at a stable URL so other pages can
 * `import { joinMesh } from 'https://<deployment>/wisp-mesh.js'`.
 */
const LIBRARY = 'wisp-mesh';

export default defineConfig({
  root: CLIENT_ROOT,
  plugins: [preact()],
  build: {
    outDir: OUT_DIR,
    // outDir is outside root, so Vite only empties it when asked to.
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    rollupOptions: {
      input: { index: `${CLIENT_ROOT}/index.html`, [LIBRARY]: `${CLIENT_ROOT}/mesh/index.ts` },
      // keep the library's exports even though the app does not use them all
      preserveEntrySignatures: 'strict',
      output: {
        entryFileNames: (chunk) => (chunk.name === LIBRARY ? `${LIBRARY}.js` : 'assets/[name]-[hash].js'),
      },
    },
  },
});
