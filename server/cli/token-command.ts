import { type Command, InvalidArgumentError, Option } from 'commander';
import {
  createTokenRequestSchema,
  createTokenResponseSchema,
  type TokenView,
  tokenListResponseSchema,
} from '../api/index.js';
import {
  addDeleteCommand,
  addListCommand,
  formatTable,
  hubRefusal,
  relativeTime,
  type SubcommandContext,
} from './subcommand.js';

const TTL_UNITS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400 };
const MIN_TTL_S = 60;
const MAX_TTL_S = 30 * 86400;

/** `--ttl`: seconds, or a number with s, m, h or d; 1 minute to 30 days. */
export function parseTtl(value: string): number {
  const m = /^(\d{1,9})([smhd]?)$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError('Use a duration such as 30m, 1h, 2d or 3600 (seconds).');
  const seconds = Number(m[1]) * (TTL_UNITS[m[2] ?? ''] ?? 1);
  if (seconds < MIN_TTL_S || seconds > MAX_TTL_S) {
    throw new InvalidArgumentError('A token lives from 1 minute (60) to 30 days (30d).');
  }
  return seconds;
}

function parseUses(value: string): number {
  const n = /^\d{1,4}$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!(n >= 1 && n <= 1000)) throw new InvalidArgumentError('Use a whole number from 1 to 1000.');
  return n;
}

interface CreateOptions {
  uses: number;
  ttl: number;
  name?: string;
  json?: boolean;
  dataDir?: string;
}

/** `launchpad token create|list|revoke`: join tokens of the running hub, as its admin. */
export function registerTokenCommands(program: Command, ctx: SubcommandContext): void {
  const token = program
    .command('token')
    .description('join tokens: let other machines join this hub as hosts');

  token
    .command('create')
    .description(
      'make a join token and print it (alone on stdout); run `launchpad --server --join <token>` on the host',
    )
    .addOption(new Option('--uses <n>', 'how many hosts may join with it').argParser(parseUses).default(1))
    .addOption(
      new Option('--ttl <duration>', 'lifetime: 30m, 1h, 2d or seconds')
        .argParser(parseTtl)
        .default(3600, '1h'),
    )
    // The root command has a --name too (for --join) and commander parses global options
    // wherever they stand, so the value is read with optsWithGlobals() and checked here.
    .option('--name <name>', 'a label for lists (at most 64 characters)')
    .option('--json', 'print the whole answer (token, command, view) as JSON')
    .addOption(ctx.dataDirOption())
    .action((_opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<CreateOptions>();
      const name = opts.name?.trim();
      if (name !== undefined && name.length > 64) {
        cmd.error("error: option '--name <name>' is too long: at most 64 characters", { exitCode: 2 });
      }
      ctx.setResult(
        (async () => {
          const body = createTokenRequestSchema.parse({
            uses: opts.uses,
            ttlSeconds: opts.ttl,
            ...(name ? { name } : {}),
          });
          const res = await ctx.client(opts.dataDir).call('POST', '/api/tokens', body);
          if (res.status !== 201) throw hubRefusal(res);
          const created = createTokenResponseSchema.parse(res.body);
          if (opts.json) {
            ctx.io.out(`${JSON.stringify(created, null, 2)}\n`);
          } else {
            ctx.io.out(`${created.token}\n`);
            const v = created.view;
            ctx.io.err(
              `Join token ${v.id}: ${v.usesLeft} use${v.usesLeft === 1 ? '' : 's'}, expires ${v.expiresAt}.\n` +
                'On the host, run: launchpad --server --join <the token above>\n',
            );
          }
          return 0;
        })(),
      );
    });

  addListCommand(token, ctx, {
    description: 'list join tokens (by prefix; the secret is never shown again)',
    path: '/api/tokens',
    schema: tokenListResponseSchema,
    format: ({ tokens }) => formatTokens(tokens),
  });
  addDeleteCommand(token, ctx, {
    name: 'revoke',
    description: 'revoke a join token: it can no longer be used',
    idHelp: 'the token id (from `launchpad token list`)',
    path: '/api/tokens',
    done: (id) => `Revoked join token ${id}`,
  });
}

export function formatTokens(tokens: TokenView[], now = Date.now()): string {
  if (tokens.length === 0) return 'No join tokens. Make one with `launchpad token create`.\n';
  return formatTable(
    ['ID', 'PREFIX', 'NAME', 'CREATED', 'EXPIRES', 'USES LEFT', 'LAST USED', 'STATE'],
    tokens.map((t) => [
      t.id,
      t.prefix,
      t.name ?? '—',
      relativeTime(t.createdAt, now),
      relativeTime(t.expiresAt, now),
      String(t.usesLeft),
      relativeTime(t.lastUsedAt, now),
      t.state,
    ]),
  );
}
