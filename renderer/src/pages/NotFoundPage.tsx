import { PageHeader } from '../components/PageHeader.js';
import { EmptyState } from '../components/Panels.js';
import { Link, ROUTES } from '../router.js';

export function NotFoundPage() {
  return (
    <>
      <PageHeader title="Page not found" />
      <EmptyState title="Nothing here">
        <p>
          This address is not a page of the hub. Go to the <Link to={ROUTES.overview}>Overview</Link>.
        </p>
      </EmptyState>
    </>
  );
}
