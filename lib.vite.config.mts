/**
 * Builds Conveyor as a library for plain Node programs (no Electron, no
 * renderer) into dist/: queue.js, pool.js, agents.js, schedules.js and the pool's
 * thread-entry.js, CommonJS, dependencies left to node_modules. Types come
 * from tsconfig.lib.json. package.json `exports` points at both.
 *
 *   npm run build:lib
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const at = (p: string): string => fileURLToPath(new URL(`./${p}`, import.meta.url));

export default defineConfig({
  root: at(''),
  logLevel: 'warn',
  publicDir: false,
  build: {
    // An SSR build keeps node built-ins and node_modules external; the Lua scripts (`?raw`) are inlined.
    ssr: true,
    outDir: at('dist'),
    emptyOutDir: false,
    target: 'node20.19',
    minify: false,
    sourcemap: true,
    rolldownOptions: {
      input: {
        queue: at('src-main/queue/index.ts'),
        pool: at('src-main/pool/index.ts'),
        agents: at('src-main/agents/index.ts'),
        schedules: at('src-main/schedules/index.ts'),
        // WorkerPool finds it beside its own bundle.
        'thread-entry': at('src-main/pool/thread-entry.ts'),
      },
      output: { format: 'cjs', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
    },
  },
});
