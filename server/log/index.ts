import { join } from 'node:path';
import { type Logger, pino } from 'pino';

export type { Logger } from 'pino';

export interface LoggerOptions {
  /** Directory for rotated log files (`<data dir>/logs`); no file logging when absent. */
  logDir?: string;
  /** Also write JSON lines to stdout (the headless hub does; the desktop does not need to). */
  stdout?: boolean;
  level?: string;
}

/**
 * Fields that may carry credentials. Pino replaces them before a line is written anywhere,
 * so neither stdout nor logs/ ever holds a token, cookie or secret.
 */
const REDACT = [
  'req.headers.cookie',
  'req.headers.authorization',
  'res.headers["set-cookie"]',
  '*.token',
  '*.secret',
  '*.password',
  '*.adminSecret',
];

/** Request lines without the query string: the login URL carries its token there. */
function requestSerializer(req: {
  method?: string;
  url?: string;
  ip?: string;
  socket?: { remoteAddress?: string };
}) {
  return {
    method: req.method,
    path: req.url?.split('?')[0],
    remoteAddress: req.ip ?? req.socket?.remoteAddress,
  };
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? process.env.LAUNCHPAD_LOG_LEVEL ?? 'info';
  const targets: { target: string; level: string; options: Record<string, unknown> }[] = [];
  if (opts.stdout) targets.push({ target: 'pino/file', level, options: { destination: 1 } });
  if (opts.logDir) {
    targets.push({
      target: 'pino-roll',
      level,
      options: { file: join(opts.logDir, 'launchpad'), size: '10m', limit: { count: 5 }, mkdir: true },
    });
  }
  const base = {
    level,
    redact: { paths: REDACT, censor: '[redacted]' },
    serializers: { req: requestSerializer },
  };
  if (targets.length === 0) return pino({ ...base, enabled: false });
  return pino(base, pino.transport({ targets }));
}

/** Waits until buffered lines reach their destinations (call before exiting). */
export function flushLogger(logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    logger.flush(() => resolve());
  });
}
