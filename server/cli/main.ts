import { join } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { AgentUsageError, isJoined, type JoinTransport } from '../agent/index.js';
import { loginTokenResponseSchema } from '../api/index.js';
import { ConfigError, resolveConfig, resolveDataDir } from '../config/index.js';
import {
  DatabaseTooNewError,
  HubAlreadyRunningError,
  LATEST_SCHEMA_VERSION,
  readSchemaVersionReadOnly,
  readSettingsReadOnly,
} from '../db/index.js';
import { launchpadVersion, startHub } from '../hub/index.js';
import { runJoin, runJoinedHost } from './agent-command.js';
import { registerBackupCommands } from './backup-command.js';
import { serverBanner } from './banner.js';
import { describeConfig, formatConfig } from './config-command.js';
import { registerHostCommands } from './host-command.js';
import { HubNotRunningError, hubClient } from './hub-client.js';
import { registerProjectCommands } from './project-command.js';
import { runningStatus } from './status-command.js';
import type { SubcommandContext } from './subcommand.js';
import { registerTokenCommands } from './token-command.js';

/** Exit codes: 0 ok, 1 runtime failure, 2 usage or config error. */
export const EXIT = { ok: 0, runtime: 1, usage: 2 } as const;

/** Problems the user fixes by changing how they start Launchpad: exit 2 with the message alone. */
function isUserError(err: unknown): err is Error {
  return (
    err instanceof ConfigError ||
    err instanceof AgentUsageError ||
    err instanceof HubAlreadyRunningError ||
    err instanceof DatabaseTooNewError ||
    err instanceof CommanderError
  );
}

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}
const stdio: Io = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

/** Reads the config of a data dir without changing anything in it (for the subcommands). */
function readConfig(dataDirFlag: string | undefined) {
  const env = process.env;
  const { dataDir } = resolveDataDir(env, dataDirFlag);
  const dbPath = join(dataDir, 'launchpad.db');
  const found = readSchemaVersionReadOnly(dbPath);
  if (found !== null && found > LATEST_SCHEMA_VERSION)
    throw new DatabaseTooNewError(found, LATEST_SCHEMA_VERSION, dbPath);
  return resolveConfig({ env, dataDirFlag, settings: readSettingsReadOnly(dbPath) });
}

/** The root command's options (`launchpad --server …`). */
interface RootOptions {
  server?: boolean;
  join?: string;
  via: JoinTransport;
  name?: string;
  servicePort?: string;
  dataDir?: string;
}

const dataDirOption = () => new Option('--data-dir <dir>', 'data directory (same as COCALC_DATA_DIR)');

async function runServer(dataDir: string | undefined, io: Io): Promise<number> {
  const hub = await startHub({ dataDir, logToStdout: true });
  return new Promise((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      signals += 1;
      if (signals > 1) {
        io.err(`launchpad: ${signal} again; exiting without waiting\n`);
        resolve(EXIT.runtime);
        return;
      }
      hub.logger.info({ signal }, 'shutting down');
      hub.stop().then(
        () => resolve(EXIT.ok),
        (err: unknown) => {
          io.err(`launchpad: shutdown failed: ${(err as Error).message}\n`);
          resolve(EXIT.runtime);
        },
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    // Announce only once the handlers are in place: a signal sent on seeing the banner must stop gracefully.
    io.out(serverBanner(hub, hub.createLoginUrl()));
  });
}

function buildProgram(io: Io, setResult: (p: Promise<number>) => void): Command {
  const program = new Command('launchpad')
    .description('Launchpad: a compute hub on your own machines')
    .version(launchpadVersion(), '-V, --version')
    .option(
      '--server',
      'run the hub headless (prints its URL and a sign-in link); on a joined host, run the host agent',
    )
    .option('--join <token>', 'with --server: join the hub this token is for and run as its host')
    .addOption(
      new Option('--via <transport>', 'with --join: redeem the token over the HTTPS or the SSH port')
        .choices(['https', 'ssh'])
        .default('https'),
    )
    .option('--name <name>', 'with --join: how the hub lists this host (default: the host name)')
    .option(
      '--service-port <port>',
      'host service port on 127.0.0.1 (same as COCALC_HOST_SERVICE_PORT; 0 = a free one)',
    )
    .addOption(dataDirOption())
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError('(run `launchpad --help` for usage)')
    .action((opts: RootOptions, cmd: Command) => {
      if (!opts.server) {
        io.err(
          opts.join
            ? 'launchpad: --join needs --server: `launchpad --server --join <token>`\n'
            : 'launchpad: say what to do, e.g. `launchpad --server`\n',
        );
        program.outputHelp({ error: true });
        setResult(Promise.resolve(EXIT.usage));
        return;
      }
      if (opts.join !== undefined) {
        setResult(
          runJoin(
            {
              token: opts.join,
              via: opts.via,
              name: opts.name,
              dataDirFlag: opts.dataDir,
              servicePortFlag: opts.servicePort,
            },
            io,
          ),
        );
        return;
      }
      const joinOnly = ['via', 'name'].filter((k) => cmd.getOptionValueSource(k) === 'cli');
      if (joinOnly.length > 0) {
        io.err(`launchpad: --${joinOnly[0]} only goes with --join\n`);
        setResult(Promise.resolve(EXIT.usage));
        return;
      }
      if (isJoined(resolveDataDir(process.env, opts.dataDir).dataDir)) {
        setResult(runJoinedHost(opts.dataDir, opts.servicePort, io));
        return;
      }
      if (opts.servicePort !== undefined) {
        io.err('launchpad: --service-port is for a host (a data dir joined with --join), not for a hub\n');
        setResult(Promise.resolve(EXIT.usage));
        return;
      }
      setResult(runServer(opts.dataDir, io));
    });

  program
    .command('config')
    .description('print the effective configuration and where each value comes from')
    .option('--json', 'as JSON')
    .addOption(dataDirOption())
    .action((opts: { json?: boolean; dataDir?: string }) => {
      const d = describeConfig(readConfig(opts.dataDir ?? program.opts().dataDir));
      io.out(opts.json ? `${JSON.stringify(d, null, 2)}\n` : formatConfig(d));
      setResult(Promise.resolve(EXIT.ok));
    });

  program
    .command('login-url')
    .description('print a fresh one-time sign-in URL for the running hub')
    .addOption(dataDirOption())
    .action((opts: { dataDir?: string }) => {
      setResult(
        (async () => {
          const client = hubClient(readConfig(opts.dataDir ?? program.opts().dataDir).config);
          const res = await client.call('POST', '/api/auth/login-tokens', {});
          if (res.status !== 200) throw new Error(`The hub refused: ${JSON.stringify(res.body)}`);
          io.out(`${loginTokenResponseSchema.parse(res.body).url}\n`);
          return EXIT.ok;
        })(),
      );
    });

  program
    .command('status')
    .description('show whether the hub is running, and its state')
    .option('--json', 'as JSON')
    .addOption(dataDirOption())
    .action((opts: { json?: boolean; dataDir?: string }) => {
      setResult(
        (async () => {
          const resolved = readConfig(opts.dataDir ?? program.opts().dataDir);
          let client: ReturnType<typeof hubClient>;
          try {
            client = hubClient(resolved.config);
          } catch (err) {
            if (!(err instanceof HubNotRunningError)) throw err;
            io.out(
              opts.json
                ? `${JSON.stringify({ running: false, dataDir: resolved.config.dataDir })}\n`
                : `Launchpad hub: not running (data dir ${resolved.config.dataDir})\n`,
            );
            return EXIT.runtime;
          }
          // Exits with the health summary's code: 0 Ready, 1 Degraded, 2 Error.
          const { output, code } = await runningStatus(client, opts.json === true);
          io.out(output);
          return code;
        })(),
      );
    });
  const sub: SubcommandContext = {
    io,
    setResult,
    dataDirOption,
    client: (dataDir) => hubClient(readConfig(dataDir).config),
  };
  registerTokenCommands(program, sub);
  registerHostCommands(program, sub);
  registerProjectCommands(program, sub);
  registerBackupCommands(program, sub);
  return program;
}

/** Runs the CLI and resolves with the process exit code; never throws. */
export async function runCli(argv: string[], io: Io = stdio): Promise<number> {
  let result: Promise<number> = Promise.resolve(EXIT.ok);
  const program = buildProgram(io, (p) => {
    result = p;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return await result;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version'
        ? EXIT.ok
        : EXIT.usage;
    }
    if (isUserError(err)) {
      io.err(`launchpad: ${err.message}\n`);
      return EXIT.usage;
    }
    io.err(`launchpad: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.runtime;
  }
}
