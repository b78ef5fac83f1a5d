import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the project server's built entry lives: `dist/server/projects/workspace/main.js` under the
 * installation root. The root is found the way server/hub finds it (walk up to the package.json
 * named launchpad) but computed here, because the host side must not reach into server/hub.
 */
export function defaultProjectEntry(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate) && JSON.parse(readFileSync(candidate, 'utf8')).name === 'launchpad') {
      return join(dir, 'dist', 'server', 'projects', 'workspace', 'main.js');
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('launchpad: cannot find its package.json above the running code');
    dir = parent;
  }
}
