import { useState } from 'react';
import { useApp } from '../../app/shell-context';
import { DepthBar } from '../../components/DepthBar';
import { Field } from '../../components/Field';
import { NumberField } from '../../components/NumberField';
import { QueueOptions } from '../../components/QueueSelect';
import { tabPanelProps, Tabs } from '../../components/Tabs';
import { selectMostRelevantQueue, selectQueueNames } from '../../store/selectors';
import { BulkEnqueueForm } from './BulkEnqueueForm';
import type { EnqueueOptionsDraft, InputMode } from './enqueue-input';
import { parseOptions } from './enqueue-input';
import { SingleEnqueueForm } from './SingleEnqueueForm';
import { ViewFrame } from '../../components/ViewFrame';
import { NoQueues } from '../../components/NoQueues';

/** What both forms share: where the job goes, which agent runs it, how its input is read. */
export interface EnqueueTarget {
  queue: string;
  agent: string;
  mode: InputMode;
  options: EnqueueOptionsDraft;
}

export function EnqueueView() {
  const names = useApp(selectQueueNames);
  const loaded = useApp((s) => s.queuesLoaded);
  const agents = useApp((s) => s.agents);
  const [queuePick, setQueue] = useState('');
  const [agentPick, setAgent] = useState('');
  const [mode, setMode] = useState<InputMode>('text');
  const [options, setOptions] = useState<EnqueueOptionsDraft>({ priority: '', delayMs: '', jobId: '' });
  const [tab, setTab] = useState<'one' | 'many'>('one');
  const relevant = useApp(selectMostRelevantQueue);
  const queue = names.includes(queuePick) ? queuePick : (relevant ?? names[0] ?? '');
  const agentList = agents?.agents ?? [];
  const agent = agentPick !== '' ? agentPick : (agentList[0]?.name ?? '');
  const summary = useApp((s) => s.queues.get(queue));
  const { errors } = parseOptions(options);

  if (loaded && names.length === 0) {
    return (
      <ViewFrame name="enqueue" title="Enqueue">
        <NoQueues />
      </ViewFrame>
    );
  }

  const target: EnqueueTarget = { queue, agent, mode, options };
  const description = agentList.find((a) => a.name === agent);
  return (
    <ViewFrame name="enqueue" title="Enqueue">
      <div className="panel form" data-testid="enqueue-target">
        <div className="form-grid enqueue-grid">
          <Field label="Queue" testId="enqueue-queue">
            {(p) => (
              <select {...p} value={queue} onChange={(e) => setQueue(e.target.value)} data-testid="enqueue-queue">
                <QueueOptions names={names} />
              </select>
            )}
          </Field>
          <Field
            label="Agent"
            hint={
              description
                ? `${description.description} (${description.kind})`
                : agents === null
                  ? 'Loading agents…'
                  : 'No agents are registered.'
            }
            testId="enqueue-agent"
          >
            {(p) => (
              <select
                {...p}
                value={agent}
                onChange={(e) => setAgent(e.target.value)}
                data-testid="enqueue-agent"
                disabled={agentList.length === 0}
              >
                {agentList.map((a) => (
                  <option key={a.name} value={a.name}>
                    {a.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <fieldset className="field">
            <legend>Input is</legend>
            <label className="inline">
              <input
                type="radio"
                name="enqueue-mode"
                checked={mode === 'text'}
                onChange={() => setMode('text')}
                data-testid="enqueue-mode-text"
              />{' '}
              text
            </label>{' '}
            <label className="inline">
              <input
                type="radio"
                name="enqueue-mode"
                checked={mode === 'json'}
                onChange={() => setMode('json')}
                data-testid="enqueue-mode-json"
              />{' '}
              JSON
            </label>
          </fieldset>
          <NumberField
            label="Priority"
            hint="higher runs first; -1,000,000 to 1,000,000 · default 0"
            error={errors.priority}
            testId="enqueue-priority"
            value={options.priority}
            placeholder="0"
            onChange={(priority) => setOptions({ ...options, priority })}
          />
          <NumberField
            label="Delay (ms)"
            hint="run no sooner than this; ≥ 0 · default 0"
            error={errors.delayMs}
            testId="enqueue-delay"
            min={0}
            value={options.delayMs}
            placeholder="0"
            onChange={(delayMs) => setOptions({ ...options, delayMs })}
          />
        </div>
        {summary ? <DepthBar queue={queue} depth={summary.depth} cap={summary.options.maxLength} full={summary.full} /> : null}
        {summary?.paused ? (
          <p className="warn-text" role="status" data-testid="enqueue-paused-warning">
            “{queue}” is paused: jobs enqueued now wait until it is resumed (Queues → Resume).
          </p>
        ) : null}
        {agents && agents.errors.length > 0 ? (
          <details className="warn-text" data-testid="agents-errors">
            <summary>{agents.errors.length} agent module(s) failed to load</summary>
            <ul>
              {agents.errors.map((e) => (
                <li key={e.path}>
                  <code>{e.path}</code>: {e.error}
                </li>
              ))}
            </ul>
          </details>
        ) : null}
      </div>
      <Tabs
        label="How many jobs"
        idPrefix="enqueue"
        value={tab}
        onChange={setTab}
        tabs={[
          { id: 'one', label: 'One job' },
          { id: 'many', label: 'Many jobs' },
        ]}
      />
      <div {...tabPanelProps('enqueue', tab)}>
        {tab === 'one' ? (
          <SingleEnqueueForm
            target={target}
            jobId={options.jobId}
            onJobId={(jobId) => setOptions({ ...options, jobId })}
            jobIdError={errors.jobId}
          />
        ) : (
          <BulkEnqueueForm target={target} />
        )}
      </div>
    </ViewFrame>
  );
}
