import type { Command } from 'commander';
import {
  type BackupRunView,
  backupListResponseSchema,
  backupStartResponseSchema,
  PROJECT_ID_RE,
  projectListResponseSchema,
  restoreRequestSchema,
  restoreResponseSchema,
  type SnapshotView,
  snapshotListResponseSchema,
} from '../api/index.js';
import { formatBytes, progressReporter } from './backup-progress.js';
import type { hubClient } from './hub-client.js';
import { formatTable, hubRefusal, type SubcommandContext } from './subcommand.js';

interface BackupOptions {
  json?: boolean;
  dataDir?: string;
  path?: string;
}

type Client = ReturnType<typeof hubClient>;

/** How often `backup run` asks the hub about its run. */
const POLL_MS = 500;
/** A restore answers when the host is done; a large project takes a while. */
const RESTORE_TIMEOUT_MS = 6 * 3_600_000;

/** A project given by id or by its (unique) name, as its id. */
async function projectIdOf(client: Client, given: string): Promise<{ id: string; name: string }> {
  const res = await client.call('GET', '/api/projects');
  if (res.status !== 200) throw hubRefusal(res);
  const { projects } = projectListResponseSchema.parse(res.body);
  const byId = PROJECT_ID_RE.test(given) ? projects.find((p) => p.id === given) : undefined;
  if (byId) return byId;
  const named = projects.filter((p) => p.name === given);
  if (named.length === 1 && named[0]) return named[0];
  if (named.length > 1)
    throw new Error(
      `${named.length} projects are called "${given}": give the id (see \`launchpad project list\`)`,
    );
  throw new Error(`No project "${given}" on this hub (see \`launchpad project list\`)`);
}

/** Starts a backup and follows it to its end; 0 when it succeeded, 1 with the reason when not. */
async function runBackup(ctx: SubcommandContext, given: string, opts: BackupOptions): Promise<number> {
  const client = ctx.client(opts.dataDir);
  const project = await projectIdOf(client, given);
  const started = await client.call('POST', `/api/projects/${project.id}/backups`, {});
  if (started.status !== 202) throw hubRefusal(started);
  let run: BackupRunView = backupStartResponseSchema.parse(started.body).run;
  const progress = progressReporter(ctx.io.err, !opts.json && process.stderr.isTTY === true);
  if (!opts.json && run.state === 'running') ctx.io.err(`Backing up ${project.name}…\n`);
  // Polling is simpler than the event stream and the hub throttles progress to a few a second anyway.
  while (run.state === 'running') {
    await new Promise((r) => setTimeout(r, POLL_MS));
    const res = await client.call('GET', '/api/backups');
    if (res.status !== 200) throw hubRefusal(res);
    const entry = backupListResponseSchema.parse(res.body).projects.find((p) => p.projectId === project.id);
    if (!entry) throw new Error(`${project.name} was deleted during its backup`);
    if (entry.lastRun?.id !== run.id)
      throw new Error(`another backup of ${project.name} started; this one's end is not known`);
    run = entry.lastRun;
    if (!opts.json) progress.update(run.progress);
  }
  progress.end();
  if (opts.json) ctx.io.out(`${JSON.stringify({ run }, null, 2)}\n`);
  if (run.state === 'failed') {
    ctx.io.err(`launchpad: the backup of ${project.name} failed: ${run.error ?? 'no reason given'}\n`);
    return 1;
  }
  if (!opts.json) {
    const s = run.summary;
    ctx.io.out(
      `Backed up ${project.name}: snapshot ${run.snapshotId?.slice(0, 8) ?? '?'}` +
        (s ? ` (${s.totalFiles} files, ${formatBytes(s.totalBytes)}; ${formatBytes(s.dataAdded)} new)` : '') +
        '\n',
    );
  }
  return 0;
}

async function listSnapshots(ctx: SubcommandContext, given: string, opts: BackupOptions): Promise<number> {
  const client = ctx.client(opts.dataDir);
  const project = await projectIdOf(client, given);
  const res = await client.call('GET', `/api/projects/${project.id}/snapshots`);
  if (res.status !== 200) throw hubRefusal(res);
  const body = snapshotListResponseSchema.parse(res.body);
  ctx.io.out(
    opts.json ? `${JSON.stringify(body, null, 2)}\n` : formatSnapshots(project.name, body.snapshots),
  );
  return 0;
}

async function restore(
  ctx: SubcommandContext,
  given: string,
  snapshotId: string,
  opts: BackupOptions,
): Promise<number> {
  const client = ctx.client(opts.dataDir);
  const project = await projectIdOf(client, given);
  const body = { snapshotId, ...(opts.path !== undefined ? { path: opts.path } : {}) };
  if (!opts.json) ctx.io.err(`Restoring snapshot ${snapshotId} of ${project.name}…\n`);
  const res = await client.call('POST', `/api/projects/${project.id}/restore`, body, RESTORE_TIMEOUT_MS);
  if (res.status !== 200) throw hubRefusal(res);
  const done = restoreResponseSchema.parse(res.body);
  ctx.io.out(
    opts.json
      ? `${JSON.stringify(done, null, 2)}\n`
      : `Restored ${done.files} ${done.files === 1 ? 'file' : 'files'} (${formatBytes(done.bytes)}) into ${done.restoredTo} in ${project.name}\n`,
  );
  return 0;
}

/** `launchpad backup run|list|restore`: backups of the running hub's projects, as its admin. */
export function registerBackupCommands(program: Command, ctx: SubcommandContext): void {
  const backup = program
    .command('backup')
    .description("backups of projects into the hub's restic repository");
  const projectArg = ['<project>', 'the project id or name (from `launchpad project list`)'] as const;

  backup
    .command('run')
    .description('back up a project now and follow the run to its end (exit 1 when it fails)')
    .argument(...projectArg)
    .option('--json', 'print the finished run as JSON (no progress)')
    .addOption(ctx.dataDirOption())
    .action((project: string, _opts: unknown, cmd: Command) => {
      ctx.setResult(runBackup(ctx, project, cmd.optsWithGlobals<BackupOptions>()));
    });

  backup
    .command('list')
    .description("list a project's snapshots, newest first")
    .argument(...projectArg)
    .option('--json', 'as JSON')
    .addOption(ctx.dataDirOption())
    .action((project: string, _opts: unknown, cmd: Command) => {
      ctx.setResult(listSnapshots(ctx, project, cmd.optsWithGlobals<BackupOptions>()));
    });

  backup
    .command('restore')
    .description('restore a snapshot (or one path of it) into a new restore-… folder inside the project')
    .argument(...projectArg)
    .argument('<snapshot>', 'the snapshot id, or its first 8 characters (from `launchpad backup list`)')
    .option('--path <path>', 'only this file or folder, relative to the project (e.g. notes/a.md)')
    .option('--json', 'print the result as JSON')
    .addOption(ctx.dataDirOption())
    .action((project: string, snapshot: string, _opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<BackupOptions>();
      const parsed = restoreRequestSchema.safeParse({
        snapshotId: snapshot,
        ...(opts.path !== undefined ? { path: opts.path } : {}),
      });
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const what = issue?.path[0] === 'path' ? "option '--path <path>'" : "argument 'snapshot'";
        cmd.error(`error: ${what}: ${issue?.message ?? 'is not valid'}`, { exitCode: 2 });
      }
      ctx.setResult(restore(ctx, project, snapshot, opts));
    });
}

export function formatSnapshots(projectName: string, snapshots: SnapshotView[]): string {
  if (snapshots.length === 0)
    return `No snapshots of ${projectName} yet. Make one with \`launchpad backup run ${projectName}\`.\n`;
  return formatTable(
    ['ID', 'TIME', 'SIZE', 'FILES', 'TAGS'],
    snapshots.map((s) => [
      s.shortId,
      shortTime(s.time),
      s.sizeBytes === null ? '—' : formatBytes(s.sizeBytes),
      s.files === null ? '—' : String(s.files),
      s.tags.join(','),
    ]),
  );
}

/** restic's time (nanoseconds, maybe an offset) to the second, in UTC; as given when unreadable. */
function shortTime(time: string): string {
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? time : new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}
