/**
 * Builds the queue bench into out/bench/, plain Node scripts:
 *   queue-bench.js        the bench itself
 *   thread-entry.js       the WorkerPool's thread entry, from the same sources
 *                         (so the bench never runs a stale out/main)
 *   bullmq-processor.js   BullMQ's sandboxed processor file
 *   proc-worker.js        a worker process of the multi-process measurement
 *   redis-cpu-per-job.js  the scripts measurement's module, also runnable alone
 *                         (REDIS_URL=… node out/bench/redis-cpu-per-job.js)
 * The adapter imports its Lua with vite's `?raw` suffix, so the bench is
 * bundled by vite rather than run by tsx. An SSR build keeps node built-ins
 * and everything in node_modules (ioredis, bullmq, bee-queue, zod) external; code the
 * entries share goes to out/bench/chunks/.
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
    ssr: true,
    outDir: at('out/bench'),
    emptyOutDir: true,
    target: 'node20.19',
    // Names stay readable, and the maps let bench/cpu-profile-top.mjs point profiles at the sources.
    minify: false,
    sourcemap: true,
    rolldownOptions: {
      input: {
        'queue-bench': at('bench/queue-bench.ts'),
        'thread-entry': at('src-main/pool/thread-entry.ts'),
        'bullmq-processor': at('bench/bullmq-processor.ts'),
        'proc-worker': at('bench/proc-worker.ts'),
        // Its own module (also runnable alone), so its `require.main === module` stays false inside the bench.
        'redis-cpu-per-job': at('bench/redis-cpu-per-job.ts'),
      },
      output: { format: 'cjs', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
    },
  },
});
