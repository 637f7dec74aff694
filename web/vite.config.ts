import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The web UI builds into dist/web, which `postroom serve` serves at `/`.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: {
    outDir: `${import.meta.dirname}/../dist/web`,
    emptyOutDir: true,
    sourcemap: true,
  },
  server: {
    // `npx vite --config web/vite.config.ts` during development: the API is a running `postroom serve`.
    proxy: { '/api': 'http://127.0.0.1:8025' },
  },
});
