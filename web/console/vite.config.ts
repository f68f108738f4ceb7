import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The console's build: served under `/console/` (by the local stack beside the API, by CloudFront in
 * AWS). The route declarations it imports sit in files that also wire middy for the Lambda handlers;
 * `src/http/routes` is swapped for the declarations alone so none of that reaches the browser.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  plugins: [react()],
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
