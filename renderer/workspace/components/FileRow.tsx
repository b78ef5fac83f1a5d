import { useId } from 'react';
import type { FileEntry } from '../../../server/api/index.js';
import { downloadUrl } from '../api.js';
import { formatSize } from '../format.js';
import { joinPath } from '../project.js';
import { useWorkspace } from '../store.js';
import { DownloadIcon, FileIcon, FolderIcon, LinkIcon, PencilIcon, TrashIcon } from './Icons.js';
import { NameForm } from './NameForm.js';

interface Props {
  entry: FileEntry;
  renaming: boolean;
  onRename: () => void;
  onRenameDone: () => void;
  onDelete: () => void;
}

function EntryIcon({ type }: { type: FileEntry['type'] }) {
  if (type === 'dir') return <FolderIcon />;
  if (type === 'symlink') return <LinkIcon />;
  return <FileIcon />;
}

/** One entry: open it (folder: go in; file: edit), download, rename or delete it. */
export function FileRow({ entry, renaming, onRename, onRenameDone, onDelete }: Props) {
  const dir = useWorkspace((s) => s.listing.dir);
  const openDir = useWorkspace((s) => s.openDir);
  const openFile = useWorkspace((s) => s.openFile);
  const rename = useWorkspace((s) => s.rename);
  const path = joinPath(dir, entry.name);
  const isDir = entry.type === 'dir';
  const sizeId = useId();
  const current = useWorkspace((s) => {
    const active = s.tabs.find((t) => t.id === s.activeTab);
    return active?.kind === 'editor' && active.path === path;
  });

  if (renaming) {
    return (
      <li className="file-row file-row-editing">
        <NameForm
          label={`Rename ${entry.name} to`}
          submitLabel="Rename"
          initial={entry.name}
          onSubmit={async (name) => {
            await rename(entry, name);
            onRenameDone();
          }}
          onCancel={onRenameDone}
        />
      </li>
    );
  }

  return (
    <li className={`file-row file-row-${entry.type}${current ? ' file-row-current' : ''}`}>
      <button
        type="button"
        className="file-open"
        onClick={() => (isDir ? void openDir(path) : openFile(path))}
        title={isDir ? `Open folder ${entry.name}` : `Edit ${entry.name}`}
        aria-describedby={isDir ? undefined : sizeId}
        aria-current={current ? 'true' : undefined}
      >
        <EntryIcon type={entry.type} />
        <span className="file-name">{entry.name}</span>
        {!isDir && (
          <span className="file-size" id={sizeId} aria-hidden="true">
            {formatSize(entry.size)}
          </span>
        )}
      </button>
      <span className="file-actions">
        {!isDir && (
          <a
            className="icon-button"
            href={downloadUrl(path)}
            download={entry.name}
            aria-label={`Download ${entry.name}`}
          >
            <DownloadIcon />
          </a>
        )}
        <button type="button" className="icon-button" onClick={onRename} aria-label={`Rename ${entry.name}`}>
          <PencilIcon />
        </button>
        <button
          type="button"
          className="icon-button icon-danger"
          onClick={onDelete}
          aria-label={`Delete ${entry.name}`}
        >
          <TrashIcon />
        </button>
      </span>
    </li>
  );
}
