import { useRef, useState } from 'react';
import { useWorkspace } from '../store.js';
import { Breadcrumbs } from './Breadcrumbs.js';
import { FileList } from './FileList.js';
import { FilePlusIcon, FolderPlusIcon, RefreshIcon, UploadIcon } from './Icons.js';
import { NameForm } from './NameForm.js';
import { UploadList } from './UploadList.js';

type Creating = 'file' | 'folder' | null;

/** The left panel: where you are, what is here, and making, uploading and managing files. */
export function FileBrowser() {
  const createFile = useWorkspace((s) => s.createFile);
  const createFolder = useWorkspace((s) => s.createFolder);
  const upload = useWorkspace((s) => s.upload);
  const refresh = useWorkspace((s) => s.refresh);
  const loading = useWorkspace((s) => s.listing.loading);
  const [creating, setCreating] = useState<Creating>(null);
  const picker = useRef<HTMLInputElement>(null);

  return (
    <aside className="files" aria-label="Files in this project">
      <div className="files-head">
        <Breadcrumbs />
        <div className="files-toolbar">
          <button
            type="button"
            className="button button-small"
            onClick={() => setCreating('file')}
            aria-pressed={creating === 'file'}
          >
            <FilePlusIcon /> New file
          </button>
          <button
            type="button"
            className="button button-small"
            onClick={() => setCreating('folder')}
            aria-pressed={creating === 'folder'}
          >
            <FolderPlusIcon /> New folder
          </button>
          <button type="button" className="button button-small" onClick={() => picker.current?.click()}>
            <UploadIcon /> Upload
          </button>
          <button
            type="button"
            className="icon-button"
            onClick={() => void refresh()}
            aria-label="Refresh file list"
            disabled={loading}
          >
            <RefreshIcon />
          </button>
          <input
            ref={picker}
            type="file"
            multiple
            hidden
            aria-hidden="true"
            tabIndex={-1}
            onChange={(e) => {
              const files = Array.from(e.target.files ?? []);
              e.target.value = '';
              if (files.length > 0) upload(files);
            }}
          />
        </div>
        {creating && (
          <NameForm
            key={creating}
            label={creating === 'file' ? 'New file name' : 'New folder name'}
            submitLabel="Create"
            onSubmit={async (name) => {
              await (creating === 'file' ? createFile(name) : createFolder(name));
              setCreating(null);
            }}
            onCancel={() => setCreating(null)}
          />
        )}
        <UploadList />
      </div>
      <div className="files-body">
        <FileList />
      </div>
      <p className="files-hint muted">Drop files here to upload them to this folder.</p>
    </aside>
  );
}
