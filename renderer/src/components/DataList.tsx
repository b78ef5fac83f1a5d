import type { ReactNode } from 'react';

/** A card's label/value rows (a description list, so the pairing is announced). */
export function DataList({ children }: { children: ReactNode }) {
  return <dl className="data-list">{children}</dl>;
}

export function DataRow({
  label,
  children,
  action,
}: {
  label: string;
  children: ReactNode;
  action?: ReactNode;
}) {
  return (
    <div className="data-row">
      <dt>{label}</dt>
      <dd>
        <span className="data-value">{children}</span>
        {action}
      </dd>
    </div>
  );
}
