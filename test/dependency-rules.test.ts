// ARCHITECTURE.md's dependency rules, checked on the source: electron/ reaches the server only
// through its public start API (server/hub), the desktop decisions (server/desktop) and the
// contract (server/api); renderer/ only through server/api.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './support/hub-process.js';

const IMPORT = /(?:from\s+|import\s*\(\s*)['"](\.[^'"]+)['"]/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|tsx|mts)$/.test(e.name))
    .map((e) => join(e.parentPath, e.name));
}

/** The server folders each file under `dir` imports (relative imports that land in server/). */
function serverImports(dir: string): { file: string; target: string }[] {
  const out: { file: string; target: string }[] = [];
  for (const file of sourceFiles(join(ROOT, dir))) {
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const target = relative(ROOT, resolve(file, '..', m[1] as string));
      if (target.startsWith('server/')) out.push({ file: relative(ROOT, file), target });
    }
  }
  return out;
}

describe('dependency rules', () => {
  it('electron/ imports only server/hub, server/desktop and server/api', () => {
    const found = serverImports('electron');
    expect(found.length).toBeGreaterThan(0);
    expect(found.filter((i) => !/^server\/(hub|desktop|api)\//.test(i.target))).toEqual([]);
  });

  it.each(['renderer/src', 'renderer/workspace'])('%s imports only server/api', (dir) => {
    const found = serverImports(dir);
    expect(found.length).toBeGreaterThan(0);
    expect(found.filter((i) => !i.target.startsWith('server/api/'))).toEqual([]);
  });
});
