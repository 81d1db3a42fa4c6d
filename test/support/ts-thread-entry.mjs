// Test-only worker thread entry: registers tsx inside the thread (a loader given
// to the host does not reach worker threads on Node 20), so the TypeScript
// fixture agents in test/fixtures/agents load as plug-ins, then runs the built entry.
import { register } from 'tsx/esm/api';
import { register as registerCjs } from 'tsx/cjs/api';

register();
registerCjs();
await import(new URL('../../out/main/thread-entry.js', import.meta.url).href);
