import type { ReactNode } from 'react';

/** A titled region of the page; its heading is its accessible name. */
export function Panel({
  id,
  title,
  children,
  actions,
}: {
  id: string;
  title: string;
  children?: ReactNode;
  actions?: ReactNode;
}) {
  return (
    <section className="panel" aria-labelledby={`${id}-title`} id={id}>
      <header className="panel-header">
        <h2 id={`${id}-title`}>{title}</h2>
        {actions}
      </header>
      <div className="panel-body">{children}</div>
    </section>
  );
}
