import { useEffect, useId, useRef, useState } from 'react';
import { describeError, toUiError } from '../lib/errors';
import { selectQueueList } from '../store/selectors';
import { upsertQueue } from '../store/slices/queues';
import { paletteItems, type PaletteItem } from './palette-items';
import { useApi, useApp, useStoreApi } from './shell-context';
import { goTo } from './use-hash-route';

/**
 * Ctrl/Cmd+K: go to a view or a queue, open a job by id, run an action.
 * A native <dialog> (focus trapped, Escape closes); arrows pick, Enter runs.
 */
export function CommandPalette() {
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const [note, setNote] = useState<string | null>(null);
  const ref = useRef<HTMLDialogElement>(null);
  const listId = useId();
  const queues = useApp(selectQueueList);
  const currentQueue = useApp((s) => s.jobsFilter.queue);
  const setJobsFilter = useApp((s) => s.setJobsFilter);
  const theme = useApp((s) => s.theme);
  const setTheme = useApp((s) => s.setTheme);
  const api = useApi();
  const store = useStoreApi();
  const items = paletteItems(query, queues, currentQueue);

  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        setOpen((o) => !o);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) {
      setQuery('');
      setActive(0);
      setNote(null);
      d.showModal();
    }
    if (!open && d.open) d.close();
  }, [open]);

  const run = async (item: PaletteItem): Promise<void> => {
    const a = item.action;
    if (a.kind === 'route') {
      if (a.queue !== undefined) setJobsFilter({ queue: a.queue, ...(a.flows === undefined ? {} : { flows: a.flows }) });
      goTo(a.route);
      setOpen(false);
    } else if (a.kind === 'theme') {
      setTheme(
        theme === 'dark' ? 'light' : theme === 'light' ? 'dark' : document.documentElement.dataset['theme'] === 'dark' ? 'light' : 'dark',
      );
      setOpen(false);
    } else {
      try {
        const summary = await api.call(a.kind === 'pause' ? 'queues.pause' : 'queues.resume', { queue: a.queue });
        store.setState((s) => ({ queues: upsertQueue(s.queues, summary) }));
        setOpen(false);
      } catch (err) {
        setNote(describeError(toUiError(err)));
      }
    }
  };

  return (
    <dialog ref={ref} className="dialog palette" aria-label="Command palette" onClose={() => setOpen(false)} data-testid="command-palette">
      <input
        type="text"
        role="combobox"
        aria-expanded="true"
        aria-controls={listId}
        aria-activedescendant={items[active] ? `${listId}-${active}` : undefined}
        aria-label="Go to a view or queue, open a job by id (queue/id), or run an action"
        placeholder="Go to…, queue/job-id, Pause…"
        value={query}
        autoFocus
        onChange={(e) => {
          setQuery(e.target.value);
          setActive(0);
        }}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') setActive((i) => Math.min(i + 1, items.length - 1));
          else if (e.key === 'ArrowUp') setActive((i) => Math.max(i - 1, 0));
          else if (e.key === 'Enter' && items[active]) void run(items[active]);
          else return;
          e.preventDefault();
        }}
        data-testid="palette-input"
      />
      <ul id={listId} role="listbox" className="palette-list" aria-label="Matches">
        {items.map((item, i) => (
          <li
            key={item.id}
            id={`${listId}-${i}`}
            role="option"
            aria-selected={i === active}
            className={i === active ? 'is-active' : undefined}
            onMouseEnter={() => setActive(i)}
            onClick={() => void run(item)}
            data-testid="palette-item"
          >
            <span>{item.label}</span>
            <span className="muted small">{item.group}</span>
          </li>
        ))}
        {items.length === 0 ? <li className="muted">Nothing matches.</li> : null}
      </ul>
      {note ? (
        <p className="error-text small" role="alert">
          {note}
        </p>
      ) : null}
      <p className="muted small palette-hint">↑↓ to pick · Enter to run · Esc to close · Ctrl/⌘K anywhere</p>
    </dialog>
  );
}
