import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { WorkerProcesses } from './measurements';
import type { FromWorker, ToWorker, WorkerSpec } from './worker-messages';

const READY_TIMEOUT_MS = 30_000;
const RUN_TIMEOUT_MS = 300_000;
const STOP_TIMEOUT_MS = 15_000;

/**
 * Forks `processes` copies of out/bench/proc-worker.js (beside this bundle),
 * each a consumer of `spec.queue`; resolves once every one said ready.
 */
export async function spawnWorkerProcesses(processes: number, spec: WorkerSpec): Promise<WorkerProcesses> {
  const children: ChildProcess[] = [];
  let completed = 0;
  let onCount: () => void = () => undefined;
  let onError: (err: Error) => void = () => undefined;
  const stopAll = async (): Promise<void> => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const kill = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
            child.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            if (child.connected) child.send({ type: 'stop' } satisfies ToWorker);
            else child.kill('SIGTERM');
          }),
      ),
    );
  };
  try {
    await Promise.all(
      Array.from({ length: processes }, (_, i) => {
        const child = fork(join(__dirname, 'proc-worker.js'), [JSON.stringify(spec)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
        children.push(child);
        return new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`worker process ${i + 1}: not ready after ${READY_TIMEOUT_MS} ms`)),
            READY_TIMEOUT_MS,
          );
          child.on('message', (msg: FromWorker) => {
            if (msg.type === 'ready') {
              clearTimeout(timer);
              resolve();
            } else if (msg.type === 'count') {
              completed += msg.n;
              onCount();
            } else {
              const err = new Error(`worker process ${i + 1}: ${msg.message}`);
              reject(err);
              onError(err);
            }
          });
          child.on('exit', (code, signal) => {
            const err = new Error(`worker process ${i + 1} exited (${signal ?? code})`);
            reject(err);
            onError(err);
          });
        });
      }),
    );
  } catch (err) {
    await stopAll();
    throw err;
  }
  let stopping = false;
  return {
    pids: children.map((c) => c.pid ?? 0).filter((p) => p > 0),
    run: (n) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`worker processes: ${completed} of ${n} jobs after ${RUN_TIMEOUT_MS} ms`)),
          RUN_TIMEOUT_MS,
        );
        onCount = () => {
          if (completed >= n) {
            clearTimeout(timer);
            resolve();
          }
        };
        onError = (err) => {
          if (stopping) return;
          clearTimeout(timer);
          reject(err);
        };
        for (const child of children) child.send({ type: 'go' } satisfies ToWorker);
      }),
    stop: () => {
      stopping = true;
      return stopAll();
    },
  };
}
