import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { PROJECT_ID_RE } from '../../api/index.js';
import { writePrivateFile } from '../../fs/private.js';

/**
 * Which projects should run on this host, with their names: `<projectsDir>/.running.json`. It is
 * what the hub last asked for (start adds, stop and delete remove), not what happens to run now,
 * so a host agent that was killed or restarted brings the same projects back on its own.
 */
export const DESIRED_STATE_FILE = '.running.json';

const fileSchema = z.object({
  version: z.literal(1),
  projects: z.array(z.object({ id: z.string().regex(PROJECT_ID_RE), name: z.string() })),
});

export interface DesiredProject {
  id: string;
  name: string;
}

export class DesiredState {
  readonly #path: string;
  readonly #projects = new Map<string, string>();

  /** Reads the file; a missing one means nothing should run, an unreadable one is reported. */
  constructor(projectsDir: string, onUnreadable: (reason: string) => void) {
    this.#path = join(projectsDir, DESIRED_STATE_FILE);
    if (!existsSync(this.#path)) return;
    try {
      const parsed = fileSchema.safeParse(JSON.parse(readFileSync(this.#path, 'utf8')));
      if (!parsed.success) {
        onUnreadable(`${this.#path}: ${parsed.error.issues[0]?.message ?? 'unexpected content'}`);
        return;
      }
      for (const p of parsed.data.projects) this.#projects.set(p.id, p.name);
    } catch (err) {
      // A torn or hand-edited file must not keep the agent from starting: start from nothing.
      onUnreadable(`${this.#path}: ${(err as Error).message}`);
    }
  }

  list(): DesiredProject[] {
    return [...this.#projects].map(([id, name]) => ({ id, name }));
  }

  /** Records that `id` should run; writes only when something changed. */
  add(id: string, name: string): void {
    if (this.#projects.get(id) === name) return;
    this.#projects.set(id, name);
    this.#write();
  }

  remove(id: string): void {
    if (!this.#projects.delete(id)) return;
    this.#write();
  }

  // Temp file + rename (0600): a crash mid-write leaves the previous list, never half of one.
  #write(): void {
    writePrivateFile(this.#path, `${JSON.stringify({ version: 1, projects: this.list() }, null, 2)}\n`);
  }
}
