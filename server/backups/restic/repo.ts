import { mkdir, open, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isNoRepository, ResticError } from './errors.js';
import { failure } from './fail.js';
import { type ResticRepo, runRestic } from './spawn.js';

/** Local repository paths (`/…` or `local:/…`); everything else is a remote backend. */
export function localPathOf(repository: string): string | null {
  if (repository.startsWith('local:')) return repository.slice('local:'.length);
  return repository.startsWith('/') ? repository : null;
}

/** Opens the repository and decrypts its config: proves it exists and the password fits. */
async function openConfig(repo: ResticRepo): Promise<'ok' | 'missing'> {
  const run = await runRestic(repo, ['cat', 'config']);
  if (run.code === 0) return 'ok';
  const err = await failure(repo, 'cat config', run);
  if (err.code === 'repository_unreachable' && isNoRepository(run.stderr)) return 'missing';
  throw err;
}

async function initOnce(repo: ResticRepo): Promise<void> {
  if ((await openConfig(repo)) === 'ok') return;
  const run = await runRestic(repo, ['init']);
  if (run.code === 0) return;
  // Someone else made it between our look and our init: fine if our password opens it.
  if (/config file already exists/i.test(run.stderr) && (await openConfig(repo)) === 'ok') return;
  throw await failure(repo, 'init', run);
}

/** An init lock older than this belongs to a process that died mid-init. */
const STALE_INIT_LOCK_MS = 120_000;
const INIT_LOCK_WAIT_MS = 180_000;

/**
 * Cross-process exclusion for initialising a local repository: a `<repo>.init-lock` file made
 * with O_EXCL next to the repository (not in it: restic owns that directory's contents).
 */
async function withLocalInitLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const lock = `${path.replace(/\/+$/, '')}.init-lock`;
  await mkdir(dirname(lock), { recursive: true });
  const deadline = Date.now() + INIT_LOCK_WAIT_MS;
  for (;;) {
    try {
      const fh = await open(lock, 'wx', 0o600);
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const age = await stat(lock).then(
        (st) => Date.now() - st.mtimeMs,
        // Released between our open and our stat: just try again.
        () => 0,
      );
      if (age > STALE_INIT_LOCK_MS) await rm(lock, { force: true });
      else if (Date.now() > deadline)
        throw new ResticError(
          'locked',
          `the backup repository ${path} is being created by another process (${lock} exists); remove that file if no Launchpad process is running`,
        );
      else await sleep(250);
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { force: true });
  }
}

/** One ensureRepo per repository at a time in this process (the hub and "this machine" share one). */
const inFlight = new Map<string, Promise<void>>();

/**
 * Makes the repository when there is none yet (`restic init`), and checks the password opens it
 * when there is. Concurrent `restic init`s of one repository corrupt it (each writes its own
 * key and config; restic 0.14 then fails with "config or key … is damaged", seen here 8 times in
 * 15 races), so callers are serialised: per repository in this process, and with a lock file
 * for local repositories across processes. Two agents initialising the same *remote* repository
 * in the same instant are not covered; the hub makes its local repository before any host backs
 * up, which closes that window.
 */
export function ensureRepo(repo: ResticRepo): Promise<void> {
  const key = repo.repository;
  const previous = inFlight.get(key) ?? Promise.resolve();
  const local = localPathOf(repo.repository);
  const next = previous
    .catch(() => undefined)
    .then(() => (local ? withLocalInitLock(local, () => initOnce(repo)) : initOnce(repo)));
  inFlight.set(key, next);
  const cleanup = () => {
    if (inFlight.get(key) === next) inFlight.delete(key);
  };
  next.then(cleanup, cleanup);
  return next;
}
