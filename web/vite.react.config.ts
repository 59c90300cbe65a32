import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const webRoot = fileURLToPath(new URL('.', import.meta.url));

/** The `sapflow/react` library: one ESM file, React left to the host app. Built by web/vite.config.ts after the UI. */
export default defineConfig({
  root: webRoot,
  plugins: [react()],
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: 'dist/react',
    emptyOutDir: true,
    sourcemap: true,
    minify: false,
    lib: { entry: 'src/react/index.ts', formats: ['es'], fileName: () => 'index.js' },
    rolldownOptions: { external: ['react', 'react-dom', 'react/jsx-runtime'] },
  },
});
