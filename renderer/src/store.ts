import { create } from 'zustand';
import type {
  CreateProjectRequest,
  CreateTokenRequest,
  CreateTokenResponse,
  ProjectView,
  SettingsPatch,
  SettingsResponse,
  SetupRequest,
  SetupResponse,
  Status,
} from '../../server/api/index.js';
import * as api from './api/client.js';
import { ApiError } from './api/client.js';
import type { Connection, HostsSnapshot } from './api/events.js';

/** Where the app as a whole is: deciding, hub down, needs a sign-in, or showing pages. */
export type Phase = 'loading' | 'unreachable' | 'signed-out' | 'ready';

export type Loadable<T> =
  | { state: 'idle' }
  | { state: 'loading' }
  | { state: 'error'; error: ApiError }
  | { state: 'ready'; data: T };

interface HubStore {
  phase: Phase;
  status: Status | null;
  loadError: ApiError | null;
  connection: Connection;
  /** "Not now" in the first-run wizard: do not send the user back to it during this visit. */
  setupDismissed: boolean;
  settings: Loadable<SettingsResponse>;
  /** Hosts and join tokens (Launchpad hubs only; a Plus hub answers 409 not_a_launchpad_hub). */
  hosts: Loadable<HostsSnapshot>;
  /** Every project of the hub, as the list and the `projects` event give them. */
  projects: Loadable<ProjectView[]>;

  /** Fetches the status and decides the phase (used at start and by Retry). */
  load(): Promise<void>;
  receiveStatus(status: Status): void;
  setConnection(connection: Connection): void;
  /** The hub said 401 mid-session: back to the sign-in page. */
  sessionLost(): void;
  dismissSetup(): void;
  loadSettings(): Promise<void>;
  /** Stores a settings change; throws ApiError (with `field`) when the hub refuses it. */
  saveSettings(patch: SettingsPatch): Promise<SettingsResponse>;
  applySetup(req: SetupRequest): Promise<SetupResponse>;
  signOut(everywhere: boolean): Promise<void>;
  receiveHosts(snapshot: HostsSnapshot): void;
  /** Fetches hosts and tokens unless the event stream already keeps them current. */
  loadHosts(): Promise<void>;
  /** Makes a join token; the answer holds the whole token, which the hub never shows again. */
  createToken(req: CreateTokenRequest): Promise<CreateTokenResponse>;
  revokeToken(id: string): Promise<void>;
  removeHost(id: string): Promise<void>;
  receiveProjects(projects: ProjectView[]): void;
  /** Fetches the projects unless the event stream already keeps them current. */
  loadProjects(): Promise<void>;
  /** Creates a project; throws ApiError (with `field`) when the hub refuses it. */
  createProject(req: CreateProjectRequest): Promise<ProjectView>;
  startProject(id: string): Promise<void>;
  stopProject(id: string): Promise<void>;
  /** Deletes a project; its files stay on the host unless `deleteFiles`. */
  deleteProject(id: string, deleteFiles: boolean): Promise<void>;
}

export const useHub = create<HubStore>()((set, get) => {
  /** Runs an API call; a 401 ends the session in the UI before the caller sees the error. */
  async function guarded<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (err instanceof ApiError && err.unauthenticated) get().sessionLost();
      throw err;
    }
  }

  /** A settings answer also tells whether a restart is pending; show it without waiting for the stream. */
  function noteRestart(restartRequired: boolean) {
    const status = get().status;
    if (status && status.restartRequired !== restartRequired) set({ status: { ...status, restartRequired } });
  }

  // Whether `hosts` events arrive on the live stream. Until they do (a hub without them, or a
  // stream that dropped), hosts and tokens are fetched on page load and after the page's own actions.
  let hostsStreamed = false;
  // Counts hosts events, so a fetch that an event overtook does not put older data back.
  let hostsEvents = 0;

  async function fetchHosts(): Promise<void> {
    const seen = hostsEvents;
    const hadData = get().hosts.state === 'ready';
    if (!hadData) set({ hosts: { state: 'loading' } });
    try {
      const [{ hosts }, { tokens }] = await guarded(() => Promise.all([api.getHosts(), api.getTokens()]));
      if (hostsEvents === seen) set({ hosts: { state: 'ready', data: { hosts, tokens } } });
    } catch (err) {
      // A refresh behind data already shown keeps that data; the connection indicator tells
      // when the hub is away.
      if (hadData) console.warn('launchpad: could not refresh hosts', err);
      else set({ hosts: { state: 'error', error: asApiError(err) } });
    }
  }

  /** Applies the answer of one of the page's own actions at once; the stream (or a fetch) confirms it. */
  function updateHosts(change: (data: HostsSnapshot) => HostsSnapshot): void {
    const hosts = get().hosts;
    if (hosts.state === 'ready') set({ hosts: { state: 'ready', data: change(hosts.data) } });
    if (!hostsStreamed) void fetchHosts();
  }

  // The same for projects: streamed once a `projects` event arrived, counted against stale fetches.
  let projectsStreamed = false;
  let projectsEvents = 0;

  async function fetchProjects(): Promise<void> {
    const seen = projectsEvents;
    const hadData = get().projects.state === 'ready';
    if (!hadData) set({ projects: { state: 'loading' } });
    try {
      const { projects } = await guarded(api.getProjects);
      if (projectsEvents === seen) set({ projects: { state: 'ready', data: projects } });
    } catch (err) {
      if (hadData) console.warn('launchpad: could not refresh projects', err);
      else set({ projects: { state: 'error', error: asApiError(err) } });
    }
  }

  /**
   * Shows a project action's answer at once; the stream (or a fetch) confirms it. An event that
   * arrived since the action began (`since`) is at least as new as the answer: it stays.
   */
  function updateProjects(since: number, change: (projects: ProjectView[]) => ProjectView[]): void {
    const projects = get().projects;
    const overtaken = projectsStreamed && projectsEvents !== since;
    if (projects.state === 'ready' && !overtaken) {
      set({ projects: { state: 'ready', data: change(projects.data) } });
    }
    if (!projectsStreamed) void fetchProjects();
  }

  /** Puts `project` in place of its old view, or first when it is new. */
  const upsert = (project: ProjectView) => (list: ProjectView[]) =>
    list.some((p) => p.id === project.id)
      ? list.map((p) => (p.id === project.id ? project : p))
      : [project, ...list];

  return {
    phase: 'loading',
    status: null,
    loadError: null,
    connection: 'connecting',
    setupDismissed: false,
    settings: { state: 'idle' },
    hosts: { state: 'idle' },
    projects: { state: 'idle' },

    async load() {
      set({ phase: 'loading', loadError: null });
      try {
        const status = await api.getStatus();
        set({ status, phase: status.signedIn ? 'ready' : 'signed-out' });
      } catch (err) {
        set({ phase: 'unreachable', loadError: asApiError(err) });
      }
    },

    receiveStatus(status) {
      if (!status.signedIn) get().sessionLost();
      else set({ status });
    },

    setConnection(connection) {
      // A new stream sends a fresh snapshot on connect; until then nothing says hosts are current.
      if (connection !== 'live') {
        hostsStreamed = false;
        projectsStreamed = false;
      }
      set({ connection });
    },

    sessionLost() {
      const status = get().status;
      set({
        phase: 'signed-out',
        status: status ? withoutSession(status) : null,
        settings: { state: 'idle' },
        hosts: { state: 'idle' },
        projects: { state: 'idle' },
        connection: 'connecting',
      });
      hostsStreamed = false;
      projectsStreamed = false;
    },

    dismissSetup() {
      set({ setupDismissed: true });
    },

    async loadSettings() {
      set({ settings: { state: 'loading' } });
      try {
        const data = await guarded(api.getSettings);
        set({ settings: { state: 'ready', data } });
        noteRestart(data.restartRequired);
      } catch (err) {
        set({ settings: { state: 'error', error: asApiError(err) } });
      }
    },

    async saveSettings(patch) {
      const data = await guarded(() => api.patchSettings(patch));
      set({ settings: { state: 'ready', data } });
      noteRestart(data.restartRequired);
      return data;
    },

    async applySetup(req) {
      const res = await guarded(() => api.postSetup(req));
      set({ settings: { state: 'ready', data: res.settings } });
      noteRestart(res.settings.restartRequired);
      return res;
    },

    async signOut(everywhere) {
      await guarded<unknown>(everywhere ? api.signOutEverywhere : api.signOut);
      get().sessionLost();
    },

    receiveHosts(snapshot) {
      hostsStreamed = true;
      hostsEvents += 1;
      set({ hosts: { state: 'ready', data: snapshot } });
    },

    async loadHosts() {
      if (hostsStreamed && get().hosts.state === 'ready') return;
      await fetchHosts();
    },

    async createToken(req) {
      const res = await guarded(() => api.createToken(req));
      updateHosts((d) => ({ ...d, tokens: [res.view, ...d.tokens.filter((t) => t.id !== res.view.id)] }));
      return res;
    },

    async revokeToken(id) {
      await guarded(() => api.revokeToken(id));
      updateHosts((d) => ({
        ...d,
        tokens: d.tokens.map((t) => (t.id === id ? { ...t, state: 'revoked' as const } : t)),
      }));
    },

    async removeHost(id) {
      await guarded(() => api.removeHost(id));
      updateHosts((d) => ({ ...d, hosts: d.hosts.filter((h) => h.id !== id) }));
    },

    receiveProjects(projects) {
      projectsStreamed = true;
      projectsEvents += 1;
      set({ projects: { state: 'ready', data: projects } });
    },

    async loadProjects() {
      if (projectsStreamed && get().projects.state === 'ready') return;
      await fetchProjects();
    },

    async createProject(req) {
      const since = projectsEvents;
      const { project } = await guarded(() => api.createProject(req));
      updateProjects(since, upsert(project));
      return project;
    },

    async startProject(id) {
      const since = projectsEvents;
      const { project } = await guarded(() => api.startProject(id));
      updateProjects(since, upsert(project));
    },

    async stopProject(id) {
      const since = projectsEvents;
      const { project } = await guarded(() => api.stopProject(id));
      updateProjects(since, upsert(project));
    },

    async deleteProject(id, deleteFiles) {
      const since = projectsEvents;
      await guarded(() => api.deleteProject(id, deleteFiles));
      updateProjects(since, (list) => list.filter((p) => p.id !== id));
    },
  };
});

function withoutSession(status: Status): Status {
  const { detail: _detail, ...rest } = status;
  return { ...rest, signedIn: false };
}

/** Anything thrown below the client is a bug; show it like an API error rather than crash the page. */
export function asApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  return new ApiError(-1, 'client_error', err instanceof Error ? err.message : String(err));
}
