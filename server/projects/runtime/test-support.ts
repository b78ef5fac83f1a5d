import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { ProjectRuntime, type ProjectRuntimeOptions } from './project-runtime.js';

/** The stand-in project server (a real process following the project server contract). */
export const FIXTURE_ENTRY = fileURLToPath(new URL('./test-fixtures/project-server.mjs', import.meta.url));

/** A temp projects dir and runtimes on it running the fixture; `cleanup` stops them all. */
export function fixtureRuntimes() {
  const projectsDir = mkdtempSync(join(tmpdir(), 'lp-projects-'));
  const runtimes: ProjectRuntime[] = [];
  return {
    projectsDir,
    create(opts: Partial<ProjectRuntimeOptions> = {}): ProjectRuntime {
      const runtime = new ProjectRuntime({
        projectsDir,
        entry: FIXTURE_ENTRY,
        logger: pino({ enabled: false }),
        restart: { initialMs: 100, maxMs: 400 },
        ...opts,
      });
      runtimes.push(runtime);
      return runtime;
    },
    async cleanup(): Promise<void> {
      await Promise.all(runtimes.map((r) => r.stopAll()));
      rmSync(projectsDir, { recursive: true, force: true });
    },
  };
}

export const newProjectId = (): string => randomUUID();

/** Polls `check` until it returns something other than undefined (or throws after `ms`). */
export async function waitFor<T>(check: () => T | undefined, ms = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
