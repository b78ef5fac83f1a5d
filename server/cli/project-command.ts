import { type Command, Option } from 'commander';
import {
  createProjectRequestSchema,
  type ProjectView,
  projectListResponseSchema,
  projectResponseSchema,
} from '../api/index.js';
import {
  addDeleteCommand,
  addListCommand,
  formatTable,
  hubRefusal,
  relativeTime,
  type SubcommandContext,
} from './subcommand.js';

interface ProjectOptions {
  json?: boolean;
  dataDir?: string;
}

interface DeleteOptions {
  deleteFiles?: boolean;
}

/** Sends one project request and prints the project it answers with (a one-row table, or JSON). */
async function projectCall(
  ctx: SubcommandContext,
  opts: ProjectOptions,
  path: string,
  body: unknown,
  expected: number,
): Promise<number> {
  const res = await ctx.client(opts.dataDir).call('POST', path, body);
  if (res.status !== expected) throw hubRefusal(res);
  const answer = projectResponseSchema.parse(res.body);
  ctx.io.out(opts.json ? `${JSON.stringify(answer, null, 2)}\n` : formatProjects([answer.project]));
  return 0;
}

/** `launchpad project <start|stop> ID`: POST `/api/projects/<id>/<action>`. */
function addProjectAction(
  project: Command,
  ctx: SubcommandContext,
  action: 'start' | 'stop',
  description: string,
) {
  project
    .command(action)
    .description(description)
    .argument('<id>', 'the project id (from `launchpad project list`)')
    .option('--json', 'print the project as JSON')
    .addOption(ctx.dataDirOption())
    .action((id: string, _opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<ProjectOptions>();
      ctx.setResult(projectCall(ctx, opts, `/api/projects/${encodeURIComponent(id)}/${action}`, {}, 200));
    });
}

/** `launchpad project list|create|start|stop|delete`: the projects of the running hub, as its admin. */
export function registerProjectCommands(program: Command, ctx: SubcommandContext): void {
  const project = program.command('project').description("projects: workspaces that run on the hub's hosts");

  addListCommand(project, ctx, {
    description: 'list projects: host, state, last active, created',
    path: '/api/projects',
    schema: projectListResponseSchema,
    format: ({ projects }) => formatProjects(projects),
  });

  project
    .command('create')
    .description('create a project on a host and start it')
    .argument('<name>', 'what the project is called (at most 100 characters)')
    .option(
      '--host <id>',
      'the host to run it on (from `launchpad host list`); default: the least busy online host',
    )
    .option('--json', 'print the project as JSON')
    .addOption(ctx.dataDirOption())
    .action((name: string, _opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<ProjectOptions & { host?: string }>();
      const parsed = createProjectRequestSchema.safeParse({
        name,
        ...(opts.host !== undefined ? { hostId: opts.host } : {}),
      });
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const what = issue?.path[0] === 'hostId' ? "option '--host <id>'" : "argument 'name'";
        cmd.error(`error: ${what}: ${issue?.message ?? 'is not valid'}`, { exitCode: 2 });
      }
      ctx.setResult(projectCall(ctx, opts, '/api/projects', parsed.data, 201));
    });

  addProjectAction(project, ctx, 'start', 'start a project on its host');
  addProjectAction(project, ctx, 'stop', 'stop a project (its files stay)');

  addDeleteCommand<DeleteOptions>(project, ctx, {
    name: 'delete',
    description: 'delete a project from the hub; its files stay on the host unless --delete-files',
    idHelp: 'the project id (from `launchpad project list`)',
    path: '/api/projects',
    options: [new Option('--delete-files', "also delete the project's files on its host")],
    query: (o) => `?deleteFiles=${o.deleteFiles === true}`,
    confirm: (id, o) =>
      o.deleteFiles
        ? `Delete project ${id} and its files on the host?`
        : `Delete project ${id}? (its files stay on the host)`,
    done: (id, o) =>
      o.deleteFiles
        ? `Deleted project ${id} and its files`
        : `Deleted project ${id}; its files are kept on its host`,
  });
}

export function formatProjects(projects: ProjectView[], now = Date.now()): string {
  if (projects.length === 0) return 'No projects. Make one with `launchpad project create NAME`.\n';
  return formatTable(
    ['ID', 'NAME', 'HOST', 'LAST ACTIVE', 'CREATED', 'STATE'],
    projects.map((p) => [
      p.id,
      p.name,
      `${p.hostName} (${p.hostOnline ? 'online' : 'offline'})`,
      relativeTime(p.lastActiveAt, now),
      relativeTime(p.createdAt, now),
      p.state === 'error' && p.error ? `error: ${p.error}` : p.state,
    ]),
  );
}
