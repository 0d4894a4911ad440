import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The renderer bundle is the same in Electron and in a browser; only the
// transport behind the Client contract differs.
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  build: { outDir: '../dist/renderer', emptyOutDir: true },
});
