// The project server as a child process of the host runtime:
//
//   node dist/server/projects/workspace/main.js --project-id <uuid> --dir <abs path>
//        [--port <n>] [--socket <path>] [--renderer-dir <path>]
//   env LAUNCHPAD_PROJECT_TOKEN  required header value of every request (when set)
//   env LAUNCHPAD_LOG_LEVEL      pino level (default info)
//
// stdout carries exactly one line, `{"event":"listening","port":N}`, once it listens on
// 127.0.0.1; logs are pino JSON lines on stderr. SIGTERM/SIGINT end it with 0 within 2 s.
// Exit codes: 0 ok, 1 runtime failure, 2 usage error.
import { isAbsolute } from 'node:path';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { type Logger, pino } from 'pino';
import { PROJECT_ID_RE } from '../../api/index.js';
import { startProjectServer } from './server.js';

const EXIT = { ok: 0, runtime: 1, usage: 2 } as const;
/** The runtime waits 2 s before it kills: leave before that even if a shell hangs. */
const SHUTDOWN_DEADLINE_MS = 1_800;

interface Args {
  projectId: string;
  dir: string;
  port: number;
  socket?: string;
  rendererDir?: string;
}

function parseArgs(argv: string[]): Args {
  const program = new Command('launchpad-project')
    .description('Serves one project directory (workspace, files, terminals, ports) on 127.0.0.1')
    .requiredOption('--project-id <uuid>', 'the project id (the first segment of every path)', (v) => {
      if (!PROJECT_ID_RE.test(v)) throw new InvalidArgumentError('must be a project id (a v4 uuid)');
      return v;
    })
    .requiredOption('--dir <path>', 'the project directory, absolute (created when missing)', (v) => {
      if (!isAbsolute(v)) throw new InvalidArgumentError('must be an absolute path');
      return v;
    })
    .option(
      '--port <n>',
      'port on 127.0.0.1 (0 picks a free one)',
      (v) => {
        if (!/^[0-9]{1,5}$/.test(v) || Number(v) > 65535) throw new InvalidArgumentError('must be 0..65535');
        return Number(v);
      },
      0,
    )
    .option(
      '--socket <path>',
      'also listen on this Unix socket, for the host agent (no token asked)',
      (v) => {
        if (!isAbsolute(v) && !v.startsWith('\\\\'))
          throw new InvalidArgumentError('must be an absolute path');
        return v;
      },
    )
    .option(
      '--renderer-dir <path>',
      'the renderer build (workspace.html, assets/); default <package>/dist/renderer',
    )
    .exitOverride()
    .parse(argv);
  return program.opts<Args>();
}

function createStderrLogger(): Logger {
  // Synchronous writes: the last lines before an exit must not be lost in a buffer.
  return pino(
    { level: process.env.LAUNCHPAD_LOG_LEVEL ?? 'info', base: { pid: process.pid } },
    pino.destination({ dest: 2, sync: true }),
  );
}

/** Set by the host runtime when stdin is its lifeline pipe (see below). */
const PARENT_PIPE_ENV = 'LAUNCHPAD_PARENT_PIPE';

async function main(): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(process.argv);
  } catch (err) {
    // Commander has already printed the problem (or the help) to stderr.
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    throw err;
  }
  const token = process.env.LAUNCHPAD_PROJECT_TOKEN;
  if (token === '') {
    process.stderr.write('LAUNCHPAD_PROJECT_TOKEN is set but empty: set a token or unset it\n');
    return EXIT.usage;
  }
  const log = createStderrLogger();
  process.on('uncaughtException', (err) => {
    log.fatal({ err }, 'uncaught exception');
    process.exit(EXIT.runtime);
  });

  const running = await startProjectServer({
    projectId: args.projectId,
    dir: args.dir,
    port: args.port,
    ...(args.rendererDir ? { rendererDir: args.rendererDir } : {}),
    ...(args.socket ? { socketPath: args.socket } : {}),
    ...(token !== undefined ? { token } : {}),
    log,
  });
  process.stdout.write(`${JSON.stringify({ event: 'listening', port: running.port })}\n`);

  const stop = (signal: NodeJS.Signals | 'parent-gone') => {
    log.info({ signal }, 'stopping');
    setTimeout(() => {
      log.warn('shutdown took too long: exiting anyway');
      process.exit(EXIT.ok);
    }, SHUTDOWN_DEADLINE_MS).unref();
    running.close().then(
      () => process.exit(EXIT.ok),
      (err: unknown) => {
        log.error({ err }, 'error while stopping');
        process.exit(EXIT.ok);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  // The runtime hands us a stdin pipe it never writes to: it closes when the runtime's process
  // ends, however it ends (SIGKILL included), so a project server never outlives its host.
  const lifeline = process.env[PARENT_PIPE_ENV] === '1';
  // Not for the shells of this project's terminals.
  delete process.env[PARENT_PIPE_ENV];
  if (lifeline) {
    process.stdin.on('data', () => undefined);
    process.stdin.once('end', () => stop('parent-gone'));
    process.stdin.once('error', () => stop('parent-gone'));
  }
  return EXIT.ok;
}

main().then(
  (code) => {
    if (code !== EXIT.ok) process.exit(code);
  },
  (err: unknown) => {
    process.stderr.write(`launchpad project server: cannot start: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(EXIT.runtime);
  },
);
