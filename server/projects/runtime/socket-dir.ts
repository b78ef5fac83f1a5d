import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

/**
 * A private directory (mkdtemp makes it 0700) for the project servers' trusted sockets. Under the
 * temp dir rather than the projects dir: a Unix socket path must stay under about 104 bytes, and
 * a data dir can be deep. One per runtime; removed when the runtime stops.
 */
export class SocketDir {
  #dir: string | null = null;

  /** Where project `id`'s server listens for the agent (a named pipe on Windows). */
  pathOf(id: string): string {
    this.#dir ??= mkdtempSync(join(tmpdir(), 'lp-'));
    if (process.platform === 'win32') return `\\\\.\\pipe\\launchpad-${basename(this.#dir)}-${id}`;
    return join(this.#dir, `${id}.sock`);
  }

  remove(): void {
    if (this.#dir !== null) rmSync(this.#dir, { recursive: true, force: true });
    this.#dir = null;
  }
}
