import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

/**
 * Fails the build when a module the console imports reaches a Node built-in: Vite would give it an
 * empty stand-in that fails only when called in the browser. Keep such code in modules of its own, as
 * src/domain/same-definition.ts and src/domain/handoff/webhook-requests.ts are.
 */
const noNodeBuiltins: Plugin = {
  name: 'leadflow:no-node-built-ins',
  enforce: 'pre',
  resolveId(id, importer) {
    if (id.startsWith('node:')) this.error(`${importer ?? 'the console'} imports ${id}, which browsers do not have`);
  },
};

/**
 * The console's build: served under `/console/` (by the local stack beside the API, by CloudFront in
 * AWS). The route declarations it imports sit in files that also wire middy for the Lambda handlers;
 * `src/http/routes` is swapped for the declarations alone so none of that reaches the browser.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  plugins: [noNodeBuiltins, react()],
  resolve: {
    alias: [{ find: /^(.*\/src\/http)\/routes$/, replacement: '$1/route-declarations' }],
  },
  build: {
    outDir: fileURLToPath(new URL('dist', import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 400,
    // Lists each entry's chunks and what they import: the bench sums what the first load fetches.
    manifest: true,
  },
});
