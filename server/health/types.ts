import type { HealthCheck } from '../api/index.js';

/** One check's outcome as a check function returns it; the service adds `since`. */
export type CheckResult = Omit<HealthCheck, 'since'>;

/** A fresh result: ok results carry no fix (the contract says fix is null when ok). */
export function result(
  base: Pick<CheckResult, 'id' | 'title' | 'scope' | 'subject'>,
  status: CheckResult['status'],
  message: string,
  fix: string | null = null,
): CheckResult {
  return { ...base, status, message, fix: status === 'ok' ? null : fix };
}

/** Errors as people read them: the message without a stack; non-Errors stringified. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    // Node's errno codes are strings (ECONNREFUSED); ssh2's SFTP status codes are numbers, not worth showing.
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}
