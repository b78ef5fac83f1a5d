import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Run from the repository root (`vite build --config renderer/vite.config.ts`); paths are
// anchored here so the output lands where the hub serves it from.
const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    // The hub's CSP allows no inline script and no data: fonts; keep every asset a file.
    assetsInlineLimit: 0,
    // Two pages: the hub UI, and the workspace a project serves at /<project_id>/.
    rolldownOptions: {
      input: {
        main: fileURLToPath(new URL('./index.html', import.meta.url)),
        workspace: fileURLToPath(new URL('./workspace.html', import.meta.url)),
      },
    },
  },
});
