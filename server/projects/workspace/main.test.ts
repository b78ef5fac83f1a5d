// The compiled entry as the host runtime starts it (`npm run build:server` first).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_TOKEN_HEADER } from '../control-contract.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const MAIN = join(ROOT, 'dist', 'server', 'projects', 'workspace', 'main.js');
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

function run(args: string[], env: Record<string, string> = {}) {
  if (!existsSync(MAIN)) throw new Error(`run npm run build:server first (${MAIN} is missing)`);
  const child = spawn(process.execPath, [MAIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  return { child, stderr: () => stderr };
}

describe('main.js', () => {
  it('prints one listening line, serves with the token, and exits 0 on SIGTERM', async () => {
    const sandbox = await mkdtemp(join(tmpdir(), 'lp-main-'));
    dirs.push(sandbox);
    const dir = join(sandbox, 'projects', 'p1');
    const id = randomUUID();
    const { child, stderr } = run(['--project-id', id, '--dir', dir, '--port', '0'], {
      LAUNCHPAD_PROJECT_TOKEN: 'tok',
    });
    const lines: string[] = [];
    const rl = createInterface({ input: child.stdout });
    rl.on('line', (l) => lines.push(l));
    const deadline = Date.now() + 20_000;
    while (lines.length === 0) {
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error(`no listening line; stderr: ${stderr()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const line = JSON.parse(lines[0] as string) as { event: string; port: number };
    expect(line).toEqual({ event: 'listening', port: expect.any(Number) });
    expect((await stat(dir)).isDirectory()).toBe(true);

    const base = `http://127.0.0.1:${line.port}/${id}/api/files`;
    expect((await fetch(base)).status).toBe(403);
    expect((await fetch(base, { headers: { [PROJECT_TOKEN_HEADER]: 'tok' } })).status).toBe(200);

    // Logs are pino JSON lines on stderr.
    const firstLog = JSON.parse(stderr().split('\n')[0] as string) as { msg: string };
    expect(firstLog.msg).toBe('project server listening');

    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
    expect(lines).toHaveLength(1);
  });

  it('exits 2 with a message for bad arguments', async () => {
    for (const args of [
      ['--dir', '/tmp/x'],
      ['--project-id', 'not-a-uuid', '--dir', '/tmp/x'],
      ['--project-id', randomUUID(), '--dir', 'relative/dir'],
      ['--project-id', randomUUID(), '--dir', '/tmp/x', '--port', '70000'],
    ]) {
      const { child, stderr } = run(args);
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code, args.join(' ')).toBe(2);
      expect(stderr()).toMatch(/error/i);
    }
  });
});
