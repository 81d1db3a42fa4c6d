import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

// Our sources live in src-main/ and src-renderer/, not electron-vite's
// default src/main, src/preload, src/renderer: every input is explicit.
const root = __dirname;
const at = (...p: string[]): string => resolve(root, ...p);

export default defineConfig({
  main: {
    build: {
      outDir: at('out/main'),
      // `node out/main/cli.js` must run on plain Node (engines: >=20.19) as well as in Electron.
      target: 'node20.19',
      // `import src from './lua/x.lua?raw'` needs nothing here: vite's ?raw loader inlines the text.
      // Dependencies stay in node_modules (electron-vite's default), electron and node built-ins too.
      externalizeDeps: true,
      rolldownOptions: {
        input: {
          index: at('src-main/index.ts'),
          cli: at('src-main/cli/main.ts'),
          // Each worker thread of the pool runs this file.
          'thread-entry': at('src-main/pool/thread-entry.ts'),
        },
        output: { format: 'cjs', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
      },
    },
  },
  preload: {
    build: {
      outDir: at('out/preload'),
      // A sandboxed preload can only require('electron') and a few built-ins: bundle everything else into one CommonJS file.
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: at('src-main/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].js', codeSplitting: false },
      },
    },
  },
  renderer: {
    root: at('src-renderer'),
    plugins: [react()],
    build: {
      outDir: at('out/renderer'),
      // Shipped minified (issue #17: 2.2 MB unminified), with source maps beside it for stack traces.
      minify: true,
      sourcemap: true,
      rolldownOptions: {
        input: { index: at('src-renderer/index.html') },
        output: {
          // React in its own chunk (it changes less often than the app); the charts are a dynamic import of their own.
          advancedChunks: { groups: [{ name: 'react', test: /node_modules[\\/](react|react-dom|scheduler)[\\/]/ }] },
        },
      },
    },
  },
});
