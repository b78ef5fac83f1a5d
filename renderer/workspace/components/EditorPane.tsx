import { Compartment, Prec, type Text } from '@codemirror/state';
import { EditorView, keymap } from '@codemirror/view';
import { useCallback, useEffect, useRef, useState } from 'react';
import * as api from '../api.js';
import { asWorkspaceError, type WorkspaceError } from '../api.js';
import { basicSetup, languageFor, workspaceTheme } from '../editor-setup.js';
import { baseName } from '../project.js';
import { type EditorTabState, useWorkspace } from '../store.js';

type Load = { state: 'loading' } | { state: 'error'; error: WorkspaceError } | { state: 'ready' };
type Save =
  | { state: 'idle' }
  | { state: 'saving' }
  | { state: 'saved' }
  | { state: 'conflict' }
  | { state: 'error'; message: string };

/** Why a file cannot be edited here, in words; binary and huge files are for downloading. */
function loadProblem(error: WorkspaceError): string {
  if (error.status === 415) return 'This is a binary file — download it instead.';
  if (error.status === 413) return 'This file is too large to edit here (over 5 MiB) — download it instead.';
  return `Could not open the file: ${error.message}`;
}

function LoadProblem({ path, error, onRetry }: { path: string; error: WorkspaceError; onRetry: () => void }) {
  const downloadable = error.status === 415 || error.status === 413;
  return (
    <div className="pane-message">
      <p className={downloadable ? 'notice' : 'form-error'} role="alert">
        {loadProblem(error)}
      </p>
      <div className="button-row">
        {downloadable ? (
          <a className="button button-primary" href={api.downloadUrl(path)} download={baseName(path)}>
            Download {baseName(path)}
          </a>
        ) : (
          <button type="button" className="button" onClick={onRetry}>
            Try again
          </button>
        )}
      </div>
    </div>
  );
}

function SaveStatus({ save, dirty }: { save: Save; dirty: boolean }) {
  let text = '';
  if (save.state === 'saving') text = 'Saving…';
  else if (dirty) text = 'Unsaved changes';
  else if (save.state === 'saved') text = 'Saved';
  return (
    <output className={`save-status${dirty ? ' save-status-dirty' : ''}`} aria-live="polite">
      {text}
    </output>
  );
}

function ConflictBar({ onReload, onOverwrite }: { onReload: () => void; onOverwrite: () => void }) {
  return (
    <div className="editor-bar editor-conflict" role="alert">
      <p>This file changed on disk since you opened it. Reload it (your edits are lost) or overwrite it?</p>
      <div className="button-row">
        <button type="button" className="button button-small" onClick={onReload}>
          Reload from disk
        </button>
        <button type="button" className="button button-danger button-small" onClick={onOverwrite}>
          Overwrite
        </button>
      </div>
    </div>
  );
}

/** A text file in CodeMirror: load, edit, save (Ctrl/Cmd-S), and the changed-on-disk conflict. */
export function EditorPane({ tab, active }: { tab: EditorTabState; active: boolean }) {
  const setDirty = useWorkspace((s) => s.setDirty);
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const language = useRef(new Compartment());
  const mtime = useRef<string | null>(null);
  const savedDoc = useRef<Text | null>(null);
  const path = useRef(tab.path);
  path.current = tab.path;
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const [save, setSave] = useState<Save>({ state: 'idle' });
  const [reloadCount, setReloadCount] = useState(0);

  const markDirty = useCallback(() => {
    const v = view.current;
    if (!v || !savedDoc.current) return;
    const dirty = !v.state.doc.eq(savedDoc.current);
    const current = useWorkspace.getState().tabs.find((t) => t.id === tab.id);
    if (current?.kind === 'editor' && current.dirty !== dirty) setDirty(tab.id, dirty);
  }, [tab.id, setDirty]);

  const saveNow = useCallback(
    async (overwrite = false) => {
      const v = view.current;
      if (!v) return;
      const doc = v.state.doc;
      setSave({ state: 'saving' });
      try {
        const res = await api.saveText({
          path: path.current,
          content: doc.toString(),
          ...(overwrite || mtime.current === null ? {} : { expectedMtime: mtime.current }),
        });
        mtime.current = res.mtime;
        savedDoc.current = doc;
        setSave({ state: 'saved' });
        markDirty();
      } catch (err) {
        const e = asWorkspaceError(err);
        if (e.status === 409) setSave({ state: 'conflict' });
        else setSave({ state: 'error', message: e.message });
      }
    },
    [markDirty],
  );
  const saveRef = useRef(saveNow);
  saveRef.current = saveNow;

  // Load the file and make the view (again on "Try again").
  // biome-ignore lint/correctness/useExhaustiveDependencies: reloadCount re-runs the load on purpose
  useEffect(() => {
    let cancelled = false;
    setLoad({ state: 'loading' });
    api.readText(path.current).then(
      (file) => {
        if (cancelled || !host.current) return;
        mtime.current = file.mtime;
        const v = new EditorView({
          parent: host.current,
          doc: file.content,
          extensions: [
            Prec.highest(
              keymap.of([
                {
                  key: 'Mod-s',
                  preventDefault: true,
                  run: () => {
                    void saveRef.current();
                    return true;
                  },
                },
              ]),
            ),
            basicSetup,
            workspaceTheme,
            language.current.of([]),
            EditorView.contentAttributes.of({ 'aria-label': `Contents of ${baseName(path.current)}` }),
            EditorView.updateListener.of((u) => {
              if (u.docChanged) markDirty();
            }),
          ],
        });
        view.current = v;
        savedDoc.current = v.state.doc;
        setLoad({ state: 'ready' });
      },
      (err: unknown) => {
        if (!cancelled) setLoad({ state: 'error', error: asWorkspaceError(err) });
      },
    );
    return () => {
      cancelled = true;
      view.current?.destroy();
      view.current = null;
    };
  }, [reloadCount, markDirty]);

  // The language follows the file name (a rename to .py turns Python on).
  useEffect(() => {
    if (load.state !== 'ready') return;
    let cancelled = false;
    languageFor(baseName(tab.path)).then(
      (lang) => {
        if (!cancelled) view.current?.dispatch({ effects: language.current.reconfigure(lang ?? []) });
      },
      (err: unknown) => console.warn(`workspace: no syntax highlighting for ${tab.path}`, err),
    );
    return () => {
      cancelled = true;
    };
  }, [tab.path, load.state]);

  // Focus the text when the tab is shown; Ctrl/Cmd-S saves even when focus is elsewhere on the page.
  const ready = load.state === 'ready';
  useEffect(() => {
    if (!active || !ready) return;
    view.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 's') {
        e.preventDefault();
        void saveRef.current();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [active, ready]);

  const reloadFromDisk = async () => {
    const v = view.current;
    if (!v) return;
    try {
      const file = await api.readText(path.current);
      mtime.current = file.mtime;
      v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: file.content } });
      savedDoc.current = v.state.doc;
      setSave({ state: 'idle' });
      markDirty();
    } catch (err) {
      setSave({ state: 'error', message: asWorkspaceError(err).message });
    }
  };

  return (
    <div className="editor">
      <div className="editor-bar">
        <span className="editor-path mono" title={tab.path}>
          {tab.path}
        </span>
        <SaveStatus save={save} dirty={tab.dirty} />
        {load.state !== 'error' && (
          <button
            type="button"
            className="button button-primary button-small"
            onClick={() => void saveNow()}
            disabled={load.state !== 'ready' || save.state === 'saving'}
            aria-keyshortcuts="Control+S Meta+S"
          >
            Save
          </button>
        )}
      </div>
      {save.state === 'conflict' && (
        <ConflictBar onReload={() => void reloadFromDisk()} onOverwrite={() => void saveNow(true)} />
      )}
      {save.state === 'error' && (
        <p className="editor-bar form-error" role="alert">
          Could not save: {save.message}
        </p>
      )}
      {load.state === 'loading' && (
        <div className="pane-message" role="status">
          <span className="spinner" aria-hidden="true" /> Opening {baseName(tab.path)}…
        </div>
      )}
      {load.state === 'error' && (
        <LoadProblem path={tab.path} error={load.error} onRetry={() => setReloadCount((n) => n + 1)} />
      )}
      <div ref={host} className="editor-host" hidden={load.state !== 'ready'} />
    </div>
  );
}
