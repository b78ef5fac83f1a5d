import { createInterface } from 'node:readline/promises';
import type { Command, Option } from 'commander';
import type { z } from 'zod';
import { apiErrorSchema } from '../api/index.js';
import type { HubResponse, hubClient } from './hub-client.js';

/** What a subcommand module gets from main.ts, so it needs nothing else from there. */
export interface SubcommandContext {
  io: { out: (s: string) => void; err: (s: string) => void };
  /** Hands the command's exit code to runCli. */
  setResult(p: Promise<number>): void;
  /** `--data-dir <dir>`, the same option every command takes. */
  dataDirOption(): Option;
  /** The admin client of the hub on the data dir (`--data-dir`, read with optsWithGlobals()). */
  client(dataDir: string | undefined): ReturnType<typeof hubClient>;
}

/** The hub's error message from an API error body, or the body itself. */
export function hubRefusal(res: HubResponse): Error {
  const parsed = apiErrorSchema.safeParse(res.body);
  return new Error(
    parsed.success
      ? parsed.data.error.message
      : `The hub answered HTTP ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`,
  );
}

/** Rows as aligned columns with a header line. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

/** `5s ago`, `3m ago`, `2h ago`, `4d ago`, or `in 40m` for a time ahead; `—` for none. */
export function relativeTime(iso: string | null, now = Date.now()): string {
  if (iso === null) return '—';
  const diff = Math.round((now - Date.parse(iso)) / 1000);
  const abs = Math.abs(diff);
  const text =
    abs < 60
      ? `${abs}s`
      : abs < 3600
        ? `${Math.floor(abs / 60)}m`
        : abs < 86400
          ? `${Math.floor(abs / 3600)}h`
          : `${Math.floor(abs / 86400)}d`;
  return diff >= 0 ? `${text} ago` : `in ${text}`;
}

/** `<group> list [--json]`: GET `path`, parse it, print JSON or the formatted table. */
export function addListCommand<T>(
  group: Command,
  ctx: SubcommandContext,
  spec: { description: string; path: string; schema: z.ZodType<T>; format: (body: T) => string },
): void {
  group
    .command('list')
    .description(spec.description)
    .option('--json', 'as JSON')
    .addOption(ctx.dataDirOption())
    .action((_opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<{ json?: boolean; dataDir?: string }>();
      ctx.setResult(
        (async () => {
          const res = await ctx.client(opts.dataDir).call('GET', spec.path);
          if (res.status !== 200) throw hubRefusal(res);
          const body = spec.schema.parse(res.body);
          ctx.io.out(opts.json ? `${JSON.stringify(body, null, 2)}\n` : spec.format(body));
          return 0;
        })(),
      );
    });
}

/** Asks a yes/no `question` on the terminal (stderr, so stdout stays the command's output). */
export async function askYesNo(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

interface DeleteSpec<O> {
  name: string;
  description: string;
  idHelp: string;
  path: string;
  done: (id: string, opts: O) => string;
  /** More options of the command (their values reach `query`, `confirm` and `done`). */
  options?: Option[];
  /** The query string of the request, e.g. `?deleteFiles=true`. */
  query?: (opts: O) => string;
  /**
   * The question to ask before deleting. With one, the command takes `-y, --yes` to skip it, and
   * without a terminal to ask on it needs --yes (a usage error otherwise).
   */
  confirm?: (id: string, opts: O) => string;
}

/** `<group> <name> ID`: DELETE `<path>/<id>` (asking first when `confirm` says so) and say what happened. */
export function addDeleteCommand<O extends object = object>(
  group: Command,
  ctx: SubcommandContext,
  spec: DeleteSpec<O>,
): void {
  const command = group.command(spec.name).description(spec.description).argument('<id>', spec.idHelp);
  for (const option of spec.options ?? []) command.addOption(option);
  if (spec.confirm) command.option('-y, --yes', 'do not ask for confirmation');
  command.addOption(ctx.dataDirOption()).action((id: string, _opts: unknown, cmd: Command) => {
    const opts = cmd.optsWithGlobals<O & { dataDir?: string; yes?: boolean }>();
    const question = spec.confirm && !opts.yes ? spec.confirm(id, opts) : null;
    if (question !== null && !process.stdin.isTTY) {
      cmd.error(
        `error: \`${group.name()} ${spec.name}\` asks before deleting and stdin is not a terminal: pass --yes to ${spec.name} without asking`,
        { exitCode: 2 },
      );
    }
    ctx.setResult(
      (async () => {
        if (question !== null && !(await askYesNo(question))) {
          ctx.io.err('Nothing was deleted.\n');
          return 1;
        }
        const path = `${spec.path}/${encodeURIComponent(id)}${spec.query?.(opts) ?? ''}`;
        const res = await ctx.client(opts.dataDir).call('DELETE', path);
        if (res.status !== 200 && res.status !== 204) throw hubRefusal(res);
        ctx.io.out(`${spec.done(id, opts)}\n`);
        return 0;
      })(),
    );
  });
}
