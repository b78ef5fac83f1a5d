import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
  type CreateProjectRequest,
  createProjectRequestSchema,
  PROJECT_ID_RE,
  type ProjectView,
  THIS_MACHINE_HOST_ID,
} from '../../api/index.js';
import type { Db } from '../../db/index.js';
import { callHostService, type ServiceEndpoint, serviceErrorMessage } from '../../hosts/index.js';
import { ApiError, fromZodError } from '../../http/index.js';
import type { Logger } from '../../log/index.js';
import type { ProjectRoute } from '../../proxy/index.js';
import {
  CONTROL_PREFIX,
  type HostProjectStatus,
  hostProjectStatusSchema,
  hostProjectsResponseSchema,
} from '../control-contract.js';
import { type ProjectRecord, ProjectsRepo } from './projects-repo.js';

/** A host as projects see it: where its service is and whether it is reachable now. */
export interface ProjectHost {
  id: string;
  name: string;
  online: boolean;
  lastSeenAt: number | null;
  /** Null while a joined host has no tunnel port (never for "this machine"). */
  endpoint: ServiceEndpoint | null;
}

/** The hosts projects can run on; the hub composes it from its joined hosts and "this machine". */
export interface ProjectHostsSource {
  get(hostId: string): ProjectHost | null;
  /** Every host that could take a new project now. */
  online(): ProjectHost[];
  /** Calls `listener` when hosts changed (online/offline, removal); returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
}

export interface HubProjectsOptions {
  db: Db;
  hosts: ProjectHostsSource;
  logger: Logger;
  now?: () => number;
  /** How long a start may take on the host before the hub gives up waiting (the host keeps trying). */
  startTimeoutMs?: number;
}

const REMOVED_HOST = 'a removed host';
/** How often the hub asks a host about projects it is bringing back. */
const RESTART_POLL_MS = 1000;

/**
 * The project registry of a hub: create, start, stop and delete projects on their hosts through
 * the host service's control API, and the route of every project for the proxy. Records are
 * cached in memory (this process is the only writer) because the proxy asks on every request.
 */
export class HubProjects {
  readonly #repo: ProjectsRepo;
  readonly #hosts: ProjectHostsSource;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #startTimeoutMs: number;
  readonly #cache = new Map<string, ProjectRecord>();
  readonly #starting = new Map<string, Promise<ProjectView>>();
  readonly #emitter = new EventEmitter();
  readonly #wasOnline = new Set<string>();
  readonly #reconciling = new Map<string, Promise<void>>();
  readonly #unsubscribeHosts: () => void;
  #changePending = false;
  #stopped = false;

  constructor(o: HubProjectsOptions) {
    this.#repo = new ProjectsRepo(o.db);
    this.#hosts = o.hosts;
    this.#log = o.logger.child({ component: 'projects' });
    this.#now = o.now ?? Date.now;
    this.#startTimeoutMs = o.startTimeoutMs ?? 30_000;
    this.#emitter.setMaxListeners(0);
    for (const p of this.#repo.list()) this.#cache.set(p.id, p);
    this.#unsubscribeHosts = o.hosts.subscribe(() => this.#onHostsChanged());
  }

  stop(): void {
    this.#stopped = true;
    this.#unsubscribeHosts();
  }

  list(): ProjectView[] {
    return [...this.#cache.values()].map((p) => this.#view(p));
  }

  get(id: string): ProjectView {
    return this.#view(this.#record(id));
  }

  /** Creates a project on the chosen host (or the least busy online one) and starts it. */
  create(raw: unknown): ProjectView {
    const parsed = createProjectRequestSchema.safeParse(raw ?? {});
    if (!parsed.success) throw fromZodError(parsed.error);
    const req: CreateProjectRequest = parsed.data;
    const host = req.hostId === undefined ? this.#leastBusyHost() : this.#hosts.get(req.hostId);
    if (!host) throw new ApiError(404, 'host_not_found', `No host ${req.hostId} on this hub`, 'hostId');
    const record: ProjectRecord = {
      id: randomUUID(),
      name: parsed.data.name,
      hostId: host.id,
      state: 'stopped',
      error: null,
      createdAt: this.#now(),
      lastActiveAt: null,
    };
    this.#repo.insert(record);
    this.#cache.set(record.id, record);
    this.#log.info({ projectId: record.id, hostId: host.id, name: record.name }, 'project created');
    this.#changed();
    // A new project is meant to be used: start it now. Its progress reaches the UI as events.
    if (host.online)
      void this.start(record.id).catch((err: Error) => this.#log.warn({ err }, 'start failed'));
    return this.#view(record);
  }

  /**
   * Starts the project on its host and resolves once the host says it runs (or failed: state
   * 'error' with the host's reason). A start already under way is joined, not repeated.
   */
  start(id: string): Promise<ProjectView> {
    const p = this.#record(id);
    const running = this.#starting.get(id);
    if (running) return running;
    const host = this.#onlineHost(p);
    this.#setState(p, 'starting', null);
    const started = (async () => {
      const reply = await callHostService(host, 'POST', `${CONTROL_PREFIX}/${p.id}/start`, {
        body: { name: p.name },
        identity: { projectId: p.id },
        timeoutMs: this.#startTimeoutMs + 10_000,
      });
      const status = reply.ok && reply.status === 200 ? hostProjectStatusSchema.safeParse(reply.body) : null;
      if (status?.success) this.#apply(p.id, status.data);
      else
        this.#setState(p, 'error', `Could not start on ${this.#hostName(p)}: ${serviceErrorMessage(reply)}`);
      return this.get(id);
    })().finally(() => this.#starting.delete(id));
    this.#starting.set(id, started);
    return started;
  }

  async stopProject(id: string): Promise<ProjectView> {
    const p = this.#record(id);
    const host = this.#onlineHost(p);
    const reply = await callHostService(host, 'POST', `${CONTROL_PREFIX}/${p.id}/stop`, {
      identity: { projectId: p.id },
      timeoutMs: 20_000,
    });
    if (!reply.ok || reply.status !== 200)
      throw new ApiError(
        502,
        'host_error',
        `Could not stop on ${this.#hostName(p)}: ${serviceErrorMessage(reply)}`,
      );
    this.#setState(p, 'stopped', null);
    return this.get(id);
  }

  /**
   * Deletes the project: stopped on its host, its files deleted there only when asked. A host
   * that is offline cannot delete files, so that combination is refused rather than half done.
   */
  async delete(id: string, deleteFiles: boolean): Promise<void> {
    const p = this.#record(id);
    const host = this.#hosts.get(p.hostId);
    if (host?.online && host.endpoint) {
      const reply = await callHostService(
        host.endpoint,
        'DELETE',
        `${CONTROL_PREFIX}/${p.id}?files=${deleteFiles}`,
        { identity: { projectId: p.id }, timeoutMs: 30_000 },
      );
      if (!reply.ok || reply.status !== 200)
        throw new ApiError(
          502,
          'host_error',
          `Could not delete on ${host.name}: ${serviceErrorMessage(reply)}`,
        );
    } else if (deleteFiles) {
      throw new ApiError(
        409,
        'host_offline',
        `${host ? host.name : REMOVED_HOST} is offline, so the project's files cannot be deleted now. ` +
          'Delete it without its files, or when the host is back.',
        'deleteFiles',
      );
    }
    this.#repo.delete(p.id);
    this.#cache.delete(p.id);
    this.#log.info({ projectId: p.id, deleteFiles }, 'project deleted');
    this.#changed();
  }

  /** The proxy's view of a project; cheap (memory only). */
  route(id: string): ProjectRoute {
    const p = this.#cache.get(id);
    if (!p) return { kind: 'unknown' };
    const host = this.#hosts.get(p.hostId);
    if (!host?.online || !host.endpoint) {
      return {
        kind: 'host-offline',
        projectName: p.name,
        hostName: host?.name ?? REMOVED_HOST,
        lastSeenAt: host?.lastSeenAt ? new Date(host.lastSeenAt).toISOString() : null,
      };
    }
    if (p.state !== 'running')
      return { kind: 'not-running', projectName: p.name, state: p.state, error: p.error };
    return {
      kind: 'ok',
      target: { host: '127.0.0.1', port: host.endpoint.port },
      secret: host.endpoint.secret,
    };
  }

  /** Traffic reached the project (the proxy throttles the calls). */
  touch(id: string): void {
    const p = this.#cache.get(id);
    if (!p) return;
    p.lastActiveAt = this.#now();
    this.#repo.touch(id, p.lastActiveAt);
    this.#changed();
  }

  /**
   * The host says it does not run the project (it restarted without it, or the project crashed and
   * waits for its restart): ask the host what it runs, rather than guess which.
   */
  notRunning(id: string): void {
    const p = this.#cache.get(id);
    if (p) void this.reconcile(p.hostId);
  }

  /** Plus: exactly one project, made on first start and started on every start. */
  async ensureSingleProject(name: string): Promise<ProjectView> {
    const existing = [...this.#cache.values()][0];
    if (existing) {
      const view = this.#view(existing);
      return view.state === 'running' ? view : this.start(existing.id);
    }
    const created = this.create({ name, hostId: THIS_MACHINE_HOST_ID });
    return this.#starting.get(created.id) ?? this.start(created.id);
  }

  /**
   * Brings the registry in line with what a host runs (after it came online, or at hub start for
   * "this machine"): states are taken from the host, and projects the hub no longer knows
   * (deleted while the host was offline) are stopped there.
   */
  reconcile(hostId: string): Promise<void> {
    // One at a time per host: a burst of proxied requests must not become a burst of host calls.
    if (this.#stopped) return Promise.resolve();
    let pending = this.#reconciling.get(hostId);
    if (!pending) {
      pending = this.#reconcileNow(hostId).finally(() => this.#reconciling.delete(hostId));
      this.#reconciling.set(hostId, pending);
    }
    return pending;
  }

  async #reconcileNow(hostId: string): Promise<void> {
    const host = this.#hosts.get(hostId);
    if (!host?.online || !host.endpoint) return;
    const reply = await callHostService(host.endpoint, 'GET', CONTROL_PREFIX, { timeoutMs: 10_000 });
    const parsed = reply.ok && reply.status === 200 ? hostProjectsResponseSchema.safeParse(reply.body) : null;
    if (!parsed?.success) {
      this.#log.warn({ hostId, error: serviceErrorMessage(reply) }, 'could not read the projects of a host');
      return;
    }
    const onHost = new Map(parsed.data.projects.map((s) => [s.id, s]));
    let restarting = false;
    for (const p of this.#repo.listByHost(hostId)) {
      if (this.#starting.has(p.id)) continue;
      const s = onHost.get(p.id) ?? { id: p.id, state: 'stopped' as const, error: null };
      this.#apply(p.id, s);
      restarting ||= s.state === 'starting';
    }
    // The host brings projects back on its own (after its restart, or a crash): follow them until
    // they run, since the host does not call the hub.
    if (restarting) setTimeout(() => void this.reconcile(hostId), RESTART_POLL_MS).unref();
    for (const s of onHost.values()) {
      if (this.#cache.has(s.id) || s.state === 'stopped' || !PROJECT_ID_RE.test(s.id)) continue;
      this.#log.info({ hostId, projectId: s.id }, 'stopping a project this hub no longer has');
      void callHostService(host.endpoint, 'POST', `${CONTROL_PREFIX}/${s.id}/stop`, {
        identity: { projectId: s.id },
      });
    }
  }

  subscribe(listener: () => void): () => void {
    this.#emitter.on('change', listener);
    return () => {
      this.#emitter.off('change', listener);
    };
  }

  #onHostsChanged(): void {
    const online = new Set(this.#hosts.online().map((h) => h.id));
    for (const id of online) {
      if (!this.#wasOnline.has(id)) void this.reconcile(id);
    }
    this.#wasOnline.clear();
    for (const id of online) this.#wasOnline.add(id);
    // Host names and online flags are part of the project views.
    this.#changed();
  }

  #apply(id: string, s: HostProjectStatus): void {
    const p = this.#cache.get(id);
    if (p) this.#setState(p, s.state, s.error);
  }

  #setState(p: ProjectRecord, state: ProjectRecord['state'], error: string | null): void {
    if (p.state === state && p.error === error) return;
    p.state = state;
    p.error = error;
    this.#repo.setState(p.id, state, error);
    this.#log.info({ projectId: p.id, state, ...(error ? { error } : {}) }, 'project state');
    this.#changed();
  }

  #record(id: string): ProjectRecord {
    const p = PROJECT_ID_RE.test(id) ? this.#cache.get(id) : undefined;
    if (!p) throw new ApiError(404, 'project_not_found', `No project ${id} on this hub`, 'id');
    return p;
  }

  #hostName(p: ProjectRecord): string {
    return this.#hosts.get(p.hostId)?.name ?? REMOVED_HOST;
  }

  #onlineHost(p: ProjectRecord): ServiceEndpoint {
    const host = this.#hosts.get(p.hostId);
    if (!host?.online || !host.endpoint) {
      throw new ApiError(
        409,
        'host_offline',
        `The project's host ${host ? host.name : `(${REMOVED_HOST})`} is offline` +
          (host?.lastSeenAt ? ` since ${new Date(host.lastSeenAt).toISOString()}` : '') +
          ': start its agent (`launchpad --server` on that machine) and try again',
      );
    }
    return host.endpoint;
  }

  #leastBusyHost(): ProjectHost {
    const online = this.#hosts.online();
    if (online.length === 0) {
      throw new ApiError(
        409,
        'no_host_online',
        'No host is online to run the project: join a host (Hosts page) or start an agent',
        'hostId',
      );
    }
    const running = this.#repo.runningPerHost();
    return online.reduce((best, h) => ((running.get(h.id) ?? 0) < (running.get(best.id) ?? 0) ? h : best));
  }

  #view(p: ProjectRecord): ProjectView {
    const host = this.#hosts.get(p.hostId);
    return {
      id: p.id,
      name: p.name,
      hostId: p.hostId,
      hostName: host?.name ?? REMOVED_HOST,
      hostOnline: host?.online ?? false,
      state: p.state,
      error: p.error,
      createdAt: new Date(p.createdAt).toISOString(),
      lastActiveAt: p.lastActiveAt === null ? null : new Date(p.lastActiveAt).toISOString(),
      url: `/${p.id}/`,
    };
  }

  #changed(): void {
    if (this.#changePending) return;
    this.#changePending = true;
    setImmediate(() => {
      this.#changePending = false;
      this.#emitter.emit('change');
    });
  }
}
