import type { ReactNode } from 'react';

/**
 * The frame of a top-level view: a section labelled by its heading, with
 * `view-<name>` as its test id, and room in the header for a side note.
 */
export function ViewFrame({ name, title, aside, children }: { name: string; title: string; aside?: ReactNode; children?: ReactNode }) {
  return (
    <section className="view" aria-labelledby={`${name}-title`} data-testid={`view-${name}`}>
      <header className="view-header">
        <h1 id={`${name}-title`}>{title}</h1>
        {aside}
      </header>
      {children}
    </section>
  );
}
