import { ConfigError } from '../config/index.js';
import { DatabaseTooNewError, HubAlreadyRunningError } from '../db/index.js';

/** What the desktop shows when the hub cannot start. */
export interface StartProblem {
  title: string;
  /** The full explanation, including the fix when we know it. */
  message: string;
  /** True when the message tells the user what to change (config, another hub, a newer database). */
  userCanFix: boolean;
}

const TITLE = 'Launchpad cannot start its hub';

/** Native modules built for another runtime: typical of a dev checkout whose better-sqlite3 was built for Node. */
function isNativeModuleMismatch(err: Error): boolean {
  return (
    (err as NodeJS.ErrnoException).code === 'ERR_DLOPEN_FAILED' || /NODE_MODULE_VERSION/.test(err.message)
  );
}

/**
 * The dialog text for an error thrown by startHub. The hub's own user errors already name
 * the variable and the fix; an unexpected error says where the log is.
 */
export function describeStartError(err: unknown, logsDir?: string): StartProblem {
  if (
    err instanceof ConfigError ||
    err instanceof HubAlreadyRunningError ||
    err instanceof DatabaseTooNewError
  ) {
    return { title: TITLE, message: err.message, userCanFix: true };
  }
  const error = err instanceof Error ? err : new Error(String(err));
  if (isNativeModuleMismatch(error)) {
    return {
      title: TITLE,
      message:
        `A native module was built for another Node.js or Electron version: ${error.message}\n` +
        'In a development checkout run `npx electron-rebuild -f -w better-sqlite3` ' +
        '(and `npm rebuild better-sqlite3` before running the Node tests again).',
      userCanFix: true,
    };
  }
  const where = logsDir ? ` The hub's log is in ${logsDir}.` : '';
  return { title: TITLE, message: `Unexpected error: ${error.message}.${where}`, userCanFix: false };
}
