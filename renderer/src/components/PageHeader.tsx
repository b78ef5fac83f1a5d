import { type ReactNode, useEffect, useRef } from 'react';
import { userNavigated } from '../router.js';

/** The page's h1 and document title; after in-app navigation it takes focus so screen readers announce the page. */
export function PageHeader({ title, children }: { title: string; children?: ReactNode }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · Launchpad`;
    if (userNavigated()) heading.current?.focus();
  }, [title]);
  return (
    <header className="page-header">
      <h1 ref={heading} tabIndex={-1}>
        {title}
      </h1>
      {children && <div className="page-intro">{children}</div>}
    </header>
  );
}
