import { EventEmitter } from 'node:events';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PROJECT_ID_RE } from '../../api/index.js';
import type { Logger } from '../../log/index.js';
import type { HostProjectStatus } from '../control-contract.js';
import { defaultProjectEntry } from './default-entry.js';
import { DesiredState } from './desired-state.js';
import { type ProjectEndpoint, ProjectSupervisor } from './project-supervisor.js';
import { RestartBackoff } from './restart-backoff.js';
import { SocketDir } from './socket-dir.js';

export type { ProjectEndpoint } from './project-supervisor.js';

export interface ProjectRuntimeOptions {
  /** One directory per project (`<projectsDir>/<id>/`) and the desired-state file. */
  projectsDir: string;
  /** The project server's entry script; default `dist/server/projects/workspace/main.js`. */
  entry?: string;
  logger: Logger;
  /** Delays between restarts after crashes: initial, doubling, capped; reset after `resetAfterMs` up. */
  restart?: { initialMs: number; maxMs: number; resetAfterMs?: number };
  /** How long a server has to report listening (30 s). */
  startTimeoutMs?: number;
  /** How long a server has to exit after SIGTERM before SIGKILL (5 s). */
  stopGraceMs?: number;
}

export interface ProjectRuntimeEvents {
  /** A project's state or error changed. */
  change: [HostProjectStatus];
}

export class InvalidProjectIdError extends Error {
  constructor(id: string) {
    super(`not a project id (a uuid): ${JSON.stringify(id).slice(0, 80)}`);
    this.name = 'InvalidProjectIdError';
  }
}

/**
 * The host's project servers: one child process per running project, each in its directory
 * under `projectsDir`, restarted when it crashes, and remembered in `.running.json` so a
 * restarted host agent brings back (resumeAll) what the hub had started.
 */
export class ProjectRuntime extends EventEmitter<ProjectRuntimeEvents> {
  readonly #opts: ProjectRuntimeOptions;
  readonly #log: Logger;
  readonly #desired: DesiredState;
  readonly #projects = new Map<string, ProjectSupervisor>();
  readonly #sockets = new SocketDir();
  #entry: string | undefined;
  #closed = false;

  constructor(opts: ProjectRuntimeOptions) {
    super();
    this.#opts = opts;
    this.#log = opts.logger;
    this.#entry = opts.entry;
    this.#desired = new DesiredState(opts.projectsDir, (reason) =>
      this.#log.error({ reason }, 'projects: cannot read which projects were running; resuming none'),
    );
  }

  /** Starts the project (creating its directory); resolves once it runs or with state 'error'. */
  async start(id: string, name: string): Promise<HostProjectStatus> {
    checkId(id);
    if (this.#closed) return { id, state: 'error', error: 'the host agent is shutting down' };
    this.#remember(() => this.#desired.add(id, name));
    const project = this.#supervisor(id);
    await project.start();
    return statusOf(project);
  }

  /** Stops the project (SIGTERM, SIGKILL after the grace period); it is not resumed later. */
  async stop(id: string): Promise<HostProjectStatus> {
    checkId(id);
    this.#remember(() => this.#desired.remove(id));
    const project = this.#projects.get(id);
    if (project) await project.stop();
    return { id, state: 'stopped', error: null };
  }

  /** Stops the project and forgets it; with `files` its directory is deleted too. */
  async delete(id: string, opts: { files: boolean }): Promise<HostProjectStatus> {
    const status = await this.stop(id);
    this.#projects.delete(id);
    if (opts.files) {
      await rm(join(this.#opts.projectsDir, id), { recursive: true, force: true });
      this.#log.info({ project: id }, 'project files deleted');
    }
    return status;
  }

  /** What is not stopped: running, starting (or waiting to restart) and failed projects. */
  list(): HostProjectStatus[] {
    return [...this.#projects.values()].filter((p) => p.state !== 'stopped').map(statusOf);
  }

  status(id: string): HostProjectStatus {
    const project = this.#projects.get(id);
    return project ? statusOf(project) : { id, state: 'stopped', error: null };
  }

  /** Where to forward a request for the project: only while it runs. */
  portOf(id: string): ProjectEndpoint | null {
    const project = this.#projects.get(id);
    return project?.state === 'running' ? project.endpoint : null;
  }

  /** Starts every project that should be running (after the host agent restarted). */
  async resumeAll(): Promise<HostProjectStatus[]> {
    const wanted = this.#desired.list();
    if (wanted.length) this.#log.info({ projects: wanted.length }, 'projects: resuming what was running');
    return Promise.all(wanted.map((p) => this.start(p.id, p.name)));
  }

  /**
   * Stops every project server for the agent's shutdown. The desired state is kept: the next
   * start of the agent resumes them.
   */
  async stopAll(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#projects.values()].map((p) => p.stop()));
    this.#sockets.remove();
  }

  #supervisor(id: string): ProjectSupervisor {
    let project = this.#projects.get(id);
    if (!project) {
      const restart = this.#opts.restart;
      project = new ProjectSupervisor({
        id,
        dir: join(this.#opts.projectsDir, id),
        socketPath: this.#sockets.pathOf(id),
        entry: () => {
          this.#entry ??= defaultProjectEntry();
          return this.#entry;
        },
        logger: this.#log,
        backoff: new RestartBackoff(restart?.initialMs, restart?.maxMs, restart?.resetAfterMs),
        startTimeoutMs: this.#opts.startTimeoutMs ?? 30_000,
        stopGraceMs: this.#opts.stopGraceMs ?? 5_000,
        onChange: () => this.emit('change', statusOf(project as ProjectSupervisor)),
      });
      this.#projects.set(id, project);
    }
    return project;
  }

  // The projects run whether or not the list could be saved; a failed save only costs the resume.
  #remember(update: () => void): void {
    try {
      update();
    } catch (err) {
      this.#log.error({ err }, 'projects: cannot save which projects should run');
    }
  }
}

function checkId(id: string): void {
  // The id becomes a directory name: only a uuid may reach the file system.
  if (!PROJECT_ID_RE.test(id)) throw new InvalidProjectIdError(id);
}

function statusOf(project: ProjectSupervisor): HostProjectStatus {
  return { id: project.id, state: project.state, error: project.error };
}
