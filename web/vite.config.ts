import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { build, defineConfig, type Plugin } from 'vite';

const webRoot = fileURLToPath(new URL('.', import.meta.url));

/** `npm run build` also builds the `sapflow/react` library, after the app (whose build empties dist/). */
function buildReactLibrary(): Plugin {
  return {
    name: 'sapflow-react-library',
    apply: 'build',
    async closeBundle() {
      await build({ configFile: fileURLToPath(new URL('./vite.react.config.ts', import.meta.url)) });
    },
  };
}

export default defineConfig({
  root: webRoot,
  plugins: [react(), buildReactLibrary()],
  // the AI SDK and dagre make one ~550 kB bundle; fine for a tool served from the gateway itself
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 800 },
  server: { proxy: { '/api': 'http://127.0.0.1:3000' } },
});
