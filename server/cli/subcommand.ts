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

/** `<group> <name> ID`: DELETE `<path>/<id>` and say what happened. */
export function addDeleteCommand(
  group: Command,
  ctx: SubcommandContext,
  spec: { name: string; description: string; idHelp: string; path: string; done: (id: string) => string },
): void {
  group
    .command(spec.name)
    .description(spec.description)
    .argument('<id>', spec.idHelp)
    .addOption(ctx.dataDirOption())
    .action((id: string, _opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<{ dataDir?: string }>();
      ctx.setResult(
        (async () => {
          const res = await ctx.client(opts.dataDir).call('DELETE', `${spec.path}/${encodeURIComponent(id)}`);
          if (res.status !== 200) throw hubRefusal(res);
          ctx.io.out(`${spec.done(id)}\n`);
          return 0;
        })(),
      );
    });
}
