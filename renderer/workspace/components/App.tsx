import { useEffect, useRef, useState } from 'react';
import { ConfirmDialog } from '../../src/components/ConfirmDialog.js';
import { tabTitle, useWorkspace } from '../store.js';
import { FileBrowser } from './FileBrowser.js';
import { TopBar } from './TopBar.js';
import { WorkArea } from './WorkArea.js';

/** Leaving the page with unsaved edits asks first (the browser's own dialog). */
function useUnsavedChangesWarning(): void {
  useEffect(() => {
    const onBeforeUnload = (e: BeforeUnloadEvent) => {
      if (!useWorkspace.getState().tabs.some((t) => t.kind === 'editor' && t.dirty)) return;
      e.preventDefault();
      e.returnValue = '';
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => window.removeEventListener('beforeunload', onBeforeUnload);
  }, []);
}

function CloseDirtyTabDialog() {
  const closing = useWorkspace((s) => s.tabs.find((t) => t.id === s.closing));
  const closeTab = useWorkspace((s) => s.closeTab);
  const cancelClose = useWorkspace((s) => s.cancelClose);
  if (!closing) return null;
  return (
    <ConfirmDialog
      title={`Close ${tabTitle(closing)} without saving?`}
      confirmLabel="Close without saving"
      onConfirm={() => closeTab(closing.id, true)}
      onClose={cancelClose}
    >
      Your changes to this file are not saved and will be lost.
    </ConfirmDialog>
  );
}

const hasFiles = (e: React.DragEvent) => Array.from(e.dataTransfer.types).includes('Files');

/** Files dragged onto the page upload to the open folder. */
function useFileDrop() {
  const upload = useWorkspace((s) => s.upload);
  const depth = useRef(0);
  const [over, setOver] = useState(false);
  return {
    over,
    handlers: {
      onDragEnter: (e: React.DragEvent) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        depth.current += 1;
        setOver(true);
      },
      onDragOver: (e: React.DragEvent) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = 'copy';
      },
      onDragLeave: (e: React.DragEvent) => {
        if (!hasFiles(e)) return;
        depth.current = Math.max(0, depth.current - 1);
        if (depth.current === 0) setOver(false);
      },
      onDrop: (e: React.DragEvent) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        depth.current = 0;
        setOver(false);
        const files = Array.from(e.dataTransfer.files);
        if (files.length > 0) upload(files);
      },
    },
  };
}

function DropOverlay() {
  const dir = useWorkspace((s) => s.listing.dir);
  return (
    <div className="drop-overlay" aria-hidden="true">
      <p>Drop to upload to {dir === '' ? 'the project folder' : dir}</p>
    </div>
  );
}

/** The workspace: top bar, file browser on the left, editor and terminal tabs on the right. */
export function App() {
  useUnsavedChangesWarning();
  const drop = useFileDrop();
  return (
    <div className="workspace" {...drop.handlers}>
      <a className="skip-link" href="#main">
        Skip to editor
      </a>
      <TopBar />
      <div className="ws-body">
        <FileBrowser />
        <WorkArea />
      </div>
      {drop.over && <DropOverlay />}
      <CloseDirtyTabDialog />
    </div>
  );
}
