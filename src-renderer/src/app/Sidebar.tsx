import { useEffect, useRef, type KeyboardEvent } from 'react';
import { formatRoute, VIEW_LABELS, VIEWS, type ViewId } from '../lib/routes';
import { useApp } from './shell-context';

/**
 * The view list. Links, so Tab and Enter work as everywhere; arrow keys,
 * Home and End move between them, and Alt+1…6 jumps from anywhere.
 */
export function Sidebar() {
  const view = useApp((s) => s.route.view);
  const anyFull = useApp((s) => [...s.queues.values()].some((q) => q.full));
  const links = useRef<Array<HTMLAnchorElement | null>>([]);

  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent): void => {
      if (!e.altKey || e.ctrlKey || e.metaKey) return;
      const i = Number(e.key) - 1;
      const target = VIEWS[i];
      if (target) {
        e.preventDefault();
        window.location.hash = formatRoute({ view: target });
        links.current[i]?.focus();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const onKeyDown = (e: KeyboardEvent<HTMLUListElement>): void => {
    const current = links.current.findIndex((l) => l === document.activeElement);
    const last = VIEWS.length - 1;
    const next =
      e.key === 'ArrowDown'
        ? (current + 1) % VIEWS.length
        : e.key === 'ArrowUp'
          ? (current - 1 + VIEWS.length) % VIEWS.length
          : e.key === 'Home'
            ? 0
            : e.key === 'End'
              ? last
              : -1;
    if (next < 0) return;
    e.preventDefault();
    links.current[next]?.focus();
  };

  return (
    <nav className="sidebar" aria-label="Views" data-testid="sidebar">
      <div className="brand">Conveyor</div>
      <ul onKeyDown={onKeyDown}>
        {VIEWS.map((v: ViewId, i) => (
          <li key={v}>
            <a
              ref={(el) => {
                links.current[i] = el;
              }}
              href={formatRoute({ view: v })}
              aria-current={view === v ? 'page' : undefined}
              aria-keyshortcuts={`Alt+${i + 1}`}
              data-testid={`nav-${v}`}
            >
              {VIEW_LABELS[v]}
              {v === 'queues' && anyFull ? (
                <span className="nav-alert" aria-label="a queue is full" title="A queue is full">
                  ●
                </span>
              ) : null}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
