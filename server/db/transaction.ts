import type { Db } from './open.js';

/**
 * Runs `fn` in a transaction that takes sqlite's write lock at BEGIN (BEGIN IMMEDIATE). Use it
 * for read-then-write work such as "find the lowest free port, then insert it": with a plain
 * (deferred) BEGIN two connections can both read, and the second to write then fails with
 * SQLITE_BUSY instead of waiting; IMMEDIATE makes the second wait (busy_timeout) and then read
 * what the first committed. Inside another transaction it becomes a savepoint of that one.
 */
export function writeTransaction<T>(db: Db, fn: () => T): T {
  return db.transaction(fn).immediate();
}
