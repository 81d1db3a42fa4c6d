import { useEffect, useState, type FormEvent } from 'react';
import { useApi, useApp, useStoreApi } from '../../app/shell-context';
import { Cmd } from '../../components/Cmd';
import { ErrorMessage } from '../../components/ErrorMessage';
import { NumberField } from '../../components/NumberField';
import { describeError, toUiError } from '../../lib/errors';
import { formatCount } from '../../lib/format';

/** This process's own pool: its numbers, and a resize while it runs. */
export function PoolPanel() {
  const pool = useApp((s) => s.pool);
  const api = useApi();
  const store = useStoreApi();
  const [threads, setThreads] = useState('');
  const [concurrency, setConcurrency] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  // Start the inputs at the pool's size; keep the person's edits afterwards.
  useEffect(() => {
    if (pool?.running && threads === '' && concurrency === '') {
      setThreads(String(pool.threads));
      setConcurrency(String(pool.concurrency));
    }
  }, [pool?.running, pool?.threads, pool?.concurrency, threads, concurrency]);

  if (!pool) return null;
  if (!pool.running) {
    return (
      <section className="panel" aria-labelledby="pool-title" data-testid="pool-status" data-running="false">
        <h2 id="pool-title">Local pool</h2>
        <p className="muted">
          This control center runs no worker pool of its own, so there is nothing to resize here. Workers on any host show below; start one
          with <Cmd>conveyor worker</Cmd>.
        </p>
      </section>
    );
  }

  const t = Number(threads);
  const c = Number(concurrency);
  const threadsError = Number.isInteger(t) && t >= 1 && t <= 256 ? undefined : 'A whole number from 1 to 256.';
  const concurrencyError = Number.isInteger(c) && c >= 1 && c <= 1000 ? undefined : 'A whole number from 1 to 1,000.';

  // An edit makes the last outcome stale: "Pool resized" must not sit beside an input that no longer says that size.
  const edit = (set: (v: string) => void, v: string): void => {
    set(v);
    setResult(null);
  };

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (threadsError || concurrencyError) return;
    setBusy(true);
    setResult(null);
    try {
      const next = await api.call('pool.resize', { threads: t, concurrency: c });
      store.setState({ pool: next });
      setResult({ ok: true, text: `Pool resized to ${next.threads}×${next.concurrency}.` });
    } catch (err) {
      setResult({ ok: false, text: describeError(toUiError(err)) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel" aria-labelledby="pool-title" data-testid="pool-status" data-running="true">
      <h2 id="pool-title">Local pool</h2>
      <div className="pool-layout">
        <dl className="facts">
          <div>
            <dt>Size</dt>
            <dd data-testid="pool-size">
              {pool.threads} {pool.threads === 1 ? 'thread' : 'threads'} × {pool.concurrency} {pool.concurrency === 1 ? 'job' : 'jobs'}
            </dd>
          </div>
          <div>
            <dt>Running now</dt>
            <dd data-testid="pool-active">{formatCount(pool.active)}</dd>
          </div>
          <div>
            <dt>Processed</dt>
            <dd data-testid="pool-processed">{formatCount(pool.processed)}</dd>
          </div>
          <div>
            <dt>Failed</dt>
            <dd data-testid="pool-failed">{formatCount(pool.failed)}</dd>
          </div>
          <div>
            <dt>Queues</dt>
            <dd data-testid="pool-queues">{pool.queues.join(', ')}</dd>
          </div>
        </dl>
        <form
          className="form pool-form"
          onSubmit={(e) => void submit(e)}
          noValidate
          aria-label="Resize the local pool"
          data-testid="pool-resize-form"
        >
          <NumberField
            label="Threads"
            hint="1–256"
            error={threads === '' ? undefined : threadsError}
            testId="pool-threads"
            min={1}
            max={256}
            value={threads}
            onChange={(v) => edit(setThreads, v)}
          />
          <NumberField
            label="Jobs per thread"
            hint="1–1,000"
            error={concurrency === '' ? undefined : concurrencyError}
            testId="pool-concurrency"
            min={1}
            max={1000}
            value={concurrency}
            onChange={(v) => edit(setConcurrency, v)}
          />
          <button type="submit" className="primary" disabled={busy || Boolean(threadsError ?? concurrencyError)} data-testid="pool-resize">
            {busy ? 'Resizing…' : 'Resize'}
          </button>
        </form>
      </div>
      {result ? (
        result.ok ? (
          <p role="status" className="ok-text" data-testid="pool-resize-result">
            {result.text}
          </p>
        ) : (
          <ErrorMessage testId="pool-resize-result">{result.text}</ErrorMessage>
        )
      ) : null}
    </section>
  );
}
