// The workspace's state: the open directory, the tabs (editors and terminals), uploads and the
// realtime connection. Editor contents live in their CodeMirror views; the store knows only
// whether a tab has unsaved changes.
import { create } from 'zustand';
import type { FileEntry } from '../../server/api/index.js';
import * as api from './api.js';
import { asWorkspaceError, type WorkspaceError } from './api.js';
import { baseName, joinPath, normalizeDir, projectId } from './project.js';
import { type ChannelState, channel } from './realtime.js';

export interface EditorTabState {
  kind: 'editor';
  id: string;
  path: string;
  dirty: boolean;
}

export interface TerminalTabState {
  kind: 'terminal';
  id: string;
  title: string;
  /** The shell's exit code once it ended (null code: killed by a signal). */
  exit?: { code: number | null };
}

export type TabState = EditorTabState | TerminalTabState;

export interface Upload {
  id: string;
  file: File;
  path: string;
  loaded: number;
  total: number;
  state: 'uploading' | 'done' | 'conflict' | 'error';
  error?: string;
  abort?: () => void;
}

export interface Listing {
  dir: string;
  entries: FileEntry[] | null;
  loading: boolean;
  error: WorkspaceError | null;
}

interface WorkspaceStore {
  connection: ChannelState;
  projectName: string | null;
  listing: Listing;
  tabs: TabState[];
  activeTab: string | null;
  /** A dirty tab whose close waits for the user's confirmation. */
  closing: string | null;
  uploads: Upload[];

  openDir(dir: string): Promise<void>;
  refresh(): Promise<void>;
  createFile(name: string): Promise<void>;
  createFolder(name: string): Promise<void>;
  rename(entry: FileEntry, newName: string): Promise<void>;
  remove(entry: FileEntry): Promise<void>;
  upload(files: File[]): void;
  resolveConflict(id: string, overwrite: boolean): void;
  dismissUpload(id: string): void;

  openFile(path: string): void;
  openTerminal(): void;
  activate(id: string): void;
  /** Closes a tab; a dirty editor asks first (see `closing`) unless `force`. */
  closeTab(id: string, force?: boolean): void;
  cancelClose(): void;
  setDirty(id: string, dirty: boolean): void;
  terminalExited(id: string, code: number | null): void;
}

const STORAGE_KEY = `launchpad.workspace.${projectId}`;
const DONE_UPLOAD_VISIBLE_MS = 4000;

interface Saved {
  dir: string;
  terminals: { id: string; title: string }[];
  files: string[];
  active: string | null;
}

/** What this browser tab had open before a reload (sessionStorage: per tab, gone with it). */
function loadSaved(): Saved {
  const empty: Saved = { dir: '', terminals: [], files: [], active: null };
  const raw = sessionStorage.getItem(STORAGE_KEY);
  if (!raw) return empty;
  try {
    const saved = JSON.parse(raw) as Partial<Saved>;
    return {
      dir: typeof saved.dir === 'string' ? saved.dir : '',
      terminals: Array.isArray(saved.terminals) ? saved.terminals : [],
      files: Array.isArray(saved.files) ? saved.files : [],
      active: typeof saved.active === 'string' ? saved.active : null,
    };
  } catch (err) {
    console.warn('workspace: ignoring unreadable saved tabs', err);
    return empty;
  }
}

let editorSeq = 0;
/** Editor tabs keep their id when their file is renamed (the view and its edits stay). */
const newEditorTabId = () => `e${++editorSeq}`;

/** A tab's identity across reloads: its file, or its terminal id. */
const tabKey = (tab: TabState) => (tab.kind === 'editor' ? `file:${tab.path}` : tab.id);

/** A terminal id the server accepts (/^[A-Za-z0-9_-]{1,64}$/), unique enough per project. */
function newTerminalId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(9));
  return `t${Array.from(bytes, (b) => b.toString(36).padStart(2, '0')).join('')}`;
}

function nextTerminalTitle(tabs: TabState[]): string {
  const used = new Set(tabs.filter((t) => t.kind === 'terminal').map((t) => t.title));
  for (let n = 1; ; n++) if (!used.has(`Terminal ${n}`)) return `Terminal ${n}`;
}

const saved = loadSaved();

function initialTabs(): TabState[] {
  const files: TabState[] = saved.files.map((path) => ({
    kind: 'editor',
    id: newEditorTabId(),
    path,
    dirty: false,
  }));
  const terminals: TabState[] = saved.terminals
    .filter((t) => /^[A-Za-z0-9_-]{1,64}$/.test(t.id))
    .map((t) => ({ kind: 'terminal', id: t.id, title: String(t.title) }));
  return [...files, ...terminals];
}

const restoredTabs = initialTabs();

export const useWorkspace = create<WorkspaceStore>()((set, get) => {
  let listRequest = 0;
  let uploadSeq = 0;

  async function load(dir: string): Promise<void> {
    const seq = ++listRequest;
    try {
      const res = await api.listFiles(dir);
      if (seq !== listRequest) return;
      set({ listing: { dir, entries: res.entries, loading: false, error: null } });
    } catch (err) {
      if (seq !== listRequest) return;
      set((s) => ({ listing: { ...s.listing, loading: false, error: asWorkspaceError(err) } }));
    }
  }

  function patchUpload(id: string, patch: Partial<Upload>): void {
    set((s) => ({ uploads: s.uploads.map((u) => (u.id === id ? { ...u, ...patch } : u)) }));
  }

  function runUpload(id: string, overwrite: boolean): void {
    const upload = get().uploads.find((u) => u.id === id);
    if (!upload) return;
    const handle = api.uploadFile(upload.path, upload.file, overwrite, (loaded, total) =>
      patchUpload(id, { loaded, total }),
    );
    patchUpload(id, { state: 'uploading', loaded: 0, error: undefined, abort: handle.abort });
    handle.done.then(
      () => {
        patchUpload(id, { state: 'done', loaded: upload.file.size, abort: undefined });
        setTimeout(() => get().dismissUpload(id), DONE_UPLOAD_VISIBLE_MS);
        void get().refresh();
      },
      (err: unknown) => {
        const e = asWorkspaceError(err);
        if (e.code === 'aborted') get().dismissUpload(id);
        else if (e.status === 409) patchUpload(id, { state: 'conflict', abort: undefined });
        else patchUpload(id, { state: 'error', error: e.message, abort: undefined });
      },
    );
  }

  return {
    connection: channel.state,
    projectName: null,
    listing: { dir: normalizeDir(saved.dir), entries: null, loading: true, error: null },
    tabs: restoredTabs,
    activeTab: (restoredTabs.find((t) => tabKey(t) === saved.active) ?? restoredTabs[0])?.id ?? null,
    closing: null,
    uploads: [],

    openDir: async (dir) => {
      const next = normalizeDir(dir);
      const prev = get().listing.dir;
      if (next !== prev) {
        channel.send({ t: 'fs.unwatch', path: prev });
        channel.send({ t: 'fs.watch', path: next });
      }
      set({ listing: { dir: next, entries: null, loading: true, error: null } });
      await load(next);
    },

    refresh: async () => {
      const { dir } = get().listing;
      set((s) => ({ listing: { ...s.listing, loading: true } }));
      await load(dir);
    },

    createFile: async (name) => {
      const path = joinPath(get().listing.dir, name);
      await api.newFile(path);
      await get().refresh();
      get().openFile(path);
    },

    createFolder: async (name) => {
      await api.makeDir(joinPath(get().listing.dir, name));
      await get().refresh();
    },

    rename: async (entry, newName) => {
      const { dir } = get().listing;
      const from = joinPath(dir, entry.name);
      const to = joinPath(dir, newName);
      await api.renamePath(from, to);
      // Open editors follow their file (or a file inside a renamed folder).
      const moved = (path: string) =>
        path === from || path.startsWith(`${from}/`) ? to + path.slice(from.length) : path;
      set((s) => ({ tabs: s.tabs.map((t) => (t.kind === 'editor' ? { ...t, path: moved(t.path) } : t)) }));
      await get().refresh();
    },

    remove: async (entry) => {
      await api.deletePath(joinPath(get().listing.dir, entry.name));
      await get().refresh();
    },

    upload: (files) => {
      const { dir } = get().listing;
      const added: Upload[] = files.map((file) => ({
        id: `u${++uploadSeq}`,
        file,
        path: joinPath(dir, file.name),
        loaded: 0,
        total: file.size,
        state: 'uploading',
      }));
      set((s) => ({ uploads: [...s.uploads, ...added] }));
      for (const u of added) runUpload(u.id, false);
    },

    resolveConflict: (id, overwrite) => {
      if (overwrite) runUpload(id, true);
      else get().dismissUpload(id);
    },

    dismissUpload: (id) => {
      get()
        .uploads.find((u) => u.id === id)
        ?.abort?.();
      set((s) => ({ uploads: s.uploads.filter((u) => u.id !== id) }));
    },

    openFile: (path) => {
      const open = get().tabs.find((t) => t.kind === 'editor' && t.path === path);
      if (open) {
        set({ activeTab: open.id });
        return;
      }
      const id = newEditorTabId();
      set((s) => ({ tabs: [...s.tabs, { kind: 'editor', id, path, dirty: false }], activeTab: id }));
    },

    openTerminal: () => {
      const id = newTerminalId();
      set((s) => ({
        tabs: [...s.tabs, { kind: 'terminal', id, title: nextTerminalTitle(s.tabs) }],
        activeTab: id,
      }));
    },

    activate: (id) => set({ activeTab: id }),

    closeTab: (id, force = false) => {
      const tab = get().tabs.find((t) => t.id === id);
      if (!tab) return;
      if (tab.kind === 'editor' && tab.dirty && !force) {
        set({ closing: id });
        return;
      }
      if (tab.kind === 'terminal' && !tab.exit) channel.send({ t: 'term.close', term: id });
      set((s) => {
        const index = s.tabs.findIndex((t) => t.id === id);
        const tabs = s.tabs.filter((t) => t.id !== id);
        const neighbour = tabs[Math.min(index, tabs.length - 1)];
        return {
          tabs,
          closing: null,
          activeTab: s.activeTab === id ? (neighbour?.id ?? null) : s.activeTab,
        };
      });
    },

    cancelClose: () => set({ closing: null }),

    setDirty: (id, dirty) =>
      set((s) => ({ tabs: s.tabs.map((t) => (t.id === id && t.kind === 'editor' ? { ...t, dirty } : t)) })),

    terminalExited: (id, code) =>
      set((s) => ({
        tabs: s.tabs.map((t) => (t.id === id && t.kind === 'terminal' ? { ...t, exit: { code } } : t)),
      })),
  };
});

/** Display name of a tab. */
export function tabTitle(tab: TabState): string {
  return tab.kind === 'editor' ? baseName(tab.path) : tab.title;
}

/** Keeps the open tabs and folder in sessionStorage so a reload reattaches to the same terminals. */
function persist(): void {
  const s = useWorkspace.getState();
  const data: Saved = {
    dir: s.listing.dir,
    terminals: s.tabs
      .filter((t): t is TerminalTabState => t.kind === 'terminal' && !t.exit)
      .map((t) => ({ id: t.id, title: t.title })),
    files: s.tabs.filter((t): t is EditorTabState => t.kind === 'editor').map((t) => t.path),
    active: (() => {
      const active = s.tabs.find((t) => t.id === s.activeTab);
      return active ? tabKey(active) : null;
    })(),
  };
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(data));
}

/** Wires the realtime channel to the store: connection state, directory watch, fs.changed. */
export function startWorkspace(): void {
  useWorkspace.subscribe(persist);

  let refreshTimer: ReturnType<typeof setTimeout> | null = null;
  channel.onState((connection) => useWorkspace.setState({ connection }));
  channel.onMessage((msg) => {
    if (msg.t === 'fs.changed' && normalizeDir(msg.path) === useWorkspace.getState().listing.dir) {
      // Changes come in bursts (an upload, `git checkout`): one listing for the burst.
      if (refreshTimer) clearTimeout(refreshTimer);
      refreshTimer = setTimeout(() => {
        refreshTimer = null;
        void useWorkspace.getState().refresh();
      }, 150);
    } else if (msg.t === 'term.exit') {
      useWorkspace.getState().terminalExited(msg.term, msg.code);
    }
  });
  let connectedBefore = false;
  channel.onOpen(() => {
    channel.send({ t: 'fs.watch', path: useWorkspace.getState().listing.dir });
    // Whatever changed while the channel was down was not announced.
    if (connectedBefore) void useWorkspace.getState().refresh();
    connectedBefore = true;
  });
  channel.start();
  void useWorkspace.getState().openDir(useWorkspace.getState().listing.dir);
  api.projectName().then(
    (projectName) => useWorkspace.setState({ projectName }),
    (err: unknown) => console.info('workspace: no project name from the hub', err),
  );
}
