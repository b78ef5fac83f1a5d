import { useWorkspace } from '../store.js';

/** The open folder as a path of buttons, the project root first; the last one is where you are. */
export function Breadcrumbs() {
  const dir = useWorkspace((s) => s.listing.dir);
  const openDir = useWorkspace((s) => s.openDir);
  const parts = dir === '' ? [] : dir.split('/');
  const crumbs = [
    { name: 'Project', path: '' },
    ...parts.map((name, i) => ({ name, path: parts.slice(0, i + 1).join('/') })),
  ];
  return (
    <nav className="crumbs" aria-label="Folder">
      <ol>
        {crumbs.map((c, i) => {
          const current = i === crumbs.length - 1;
          return (
            <li key={c.path}>
              <button
                type="button"
                className="crumb"
                aria-current={current ? 'location' : undefined}
                onClick={() => void openDir(c.path)}
              >
                {c.name}
              </button>
            </li>
          );
        })}
      </ol>
    </nav>
  );
}
