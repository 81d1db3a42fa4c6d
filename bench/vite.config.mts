/**
 * Builds the queue bench into out/bench/queue-bench.js, a plain Node script.
 * The adapter imports its Lua with vite's `?raw` suffix, so the bench is
 * bundled by vite rather than run by tsx. An SSR build keeps node built-ins
 * and everything in node_modules (ioredis, bullmq, zod) external.
 *
 *   vite build -c bench/vite.config.mts && node out/bench/queue-bench.js --help
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const at = (p: string): string => fileURLToPath(new URL(`../${p}`, import.meta.url));

export default defineConfig({
  root: at(''),
  logLevel: 'warn',
  publicDir: false,
  build: {
    ssr: at('bench/queue-bench.ts'),
    outDir: at('out/bench'),
    emptyOutDir: true,
    target: 'node20.19',
    // Names stay readable, and the map lets bench/cpu-profile-top.mjs point profiles at the sources.
    minify: false,
    sourcemap: true,
    rolldownOptions: {
      output: { format: 'cjs', entryFileNames: '[name].js', codeSplitting: false },
    },
  },
});
