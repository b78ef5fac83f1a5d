import { formatSize } from '../format.js';
import { type Upload, useWorkspace } from '../store.js';

function UploadItem({ upload }: { upload: Upload }) {
  const resolveConflict = useWorkspace((s) => s.resolveConflict);
  const dismiss = useWorkspace((s) => s.dismissUpload);
  const name = upload.file.name;
  const percent = upload.total > 0 ? Math.round((upload.loaded / upload.total) * 100) : 100;
  return (
    <li className={`upload upload-state-${upload.state}`}>
      <div className="upload-head">
        <span className="upload-name mono">{name}</span>
        <span className="upload-size">{formatSize(upload.file.size)}</span>
      </div>
      {upload.state === 'uploading' && (
        <div className="upload-progress">
          <progress max={100} value={percent} aria-label={`Uploading ${name}`} />
          <span>{percent}%</span>
          <button
            type="button"
            className="button button-quiet button-small"
            onClick={() => dismiss(upload.id)}
          >
            Cancel
          </button>
        </div>
      )}
      {upload.state === 'done' && <p className="upload-note upload-done">Uploaded</p>}
      {upload.state === 'conflict' && (
        <div className="upload-conflict" role="alert">
          <p>{name} already exists here. Replace it?</p>
          <div className="button-row">
            <button
              type="button"
              className="button button-danger button-small"
              onClick={() => resolveConflict(upload.id, true)}
            >
              Overwrite
            </button>
            <button
              type="button"
              className="button button-small"
              onClick={() => resolveConflict(upload.id, false)}
            >
              Skip
            </button>
          </div>
        </div>
      )}
      {upload.state === 'error' && (
        <div className="upload-conflict" role="alert">
          <p className="upload-error">Upload failed: {upload.error}</p>
          <button type="button" className="button button-small" onClick={() => dismiss(upload.id)}>
            Dismiss
          </button>
        </div>
      )}
    </li>
  );
}

/** Uploads in progress, just finished, or waiting for an answer (overwrite?). */
export function UploadList() {
  const uploads = useWorkspace((s) => s.uploads);
  if (uploads.length === 0) return null;
  return (
    <ul className="uploads" aria-label="Uploads">
      {uploads.map((u) => (
        <UploadItem key={u.id} upload={u} />
      ))}
    </ul>
  );
}
