import { useState } from 'react';
import type { FileEntry } from '../../../server/api/index.js';
import { ConfirmDialog } from '../../src/components/ConfirmDialog.js';
import { useWorkspace } from '../store.js';
import { FileRow } from './FileRow.js';

/** The open folder's entries, or why there are none (loading, empty, an error). */
export function FileList() {
  const listing = useWorkspace((s) => s.listing);
  const refresh = useWorkspace((s) => s.refresh);
  const remove = useWorkspace((s) => s.remove);
  const [renaming, setRenaming] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<FileEntry | null>(null);

  if (listing.error) {
    return (
      <div className="files-state form-error" role="alert">
        <p>Could not list this folder: {listing.error.message}</p>
        <button type="button" className="button button-small" onClick={() => void refresh()}>
          Try again
        </button>
      </div>
    );
  }
  if (listing.entries === null) {
    return (
      <div className="files-state files-loading" role="status">
        <span className="spinner" aria-hidden="true" /> Loading files…
      </div>
    );
  }
  if (listing.entries.length === 0) {
    return (
      <p className="files-state files-empty" role="status">
        This folder is empty — upload or create a file
      </p>
    );
  }
  return (
    <>
      <ul className="file-list" aria-label="Files" aria-busy={listing.loading}>
        {listing.entries.map((entry) => (
          <FileRow
            key={entry.name}
            entry={entry}
            renaming={renaming === entry.name}
            onRename={() => setRenaming(entry.name)}
            onRenameDone={() => setRenaming(null)}
            onDelete={() => setDeleting(entry)}
          />
        ))}
      </ul>
      {deleting && (
        <ConfirmDialog
          title={`Delete ${deleting.name}?`}
          confirmLabel="Delete"
          onConfirm={() => remove(deleting)}
          onClose={() => setDeleting(null)}
        >
          {deleting.type === 'dir'
            ? 'The folder is deleted with everything in it. This cannot be undone.'
            : 'The file is deleted. This cannot be undone.'}
        </ConfirmDialog>
      )}
    </>
  );
}
