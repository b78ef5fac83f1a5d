// The db capability's public surface; other folders import from here only.

export { EventsRepo, type HubEventRecord } from './events.js';
export {
  AGENT_LOCK_PORT,
  acquireLock,
  type HeldLock,
  HubAlreadyRunningError,
  type LockInfo,
  lockFilePath,
  readLiveLock,
} from './lock.js';
export { LoginTokensRepo } from './login-tokens.js';
export { DatabaseTooNewError, migrate, schemaVersion } from './migrate.js';
export { LATEST_SCHEMA_VERSION, type Migration, migrations } from './migrations.js';
export { type Db, openDatabase } from './open.js';
export { readSchemaVersionReadOnly } from './read-only.js';
export { type NewSession, SessionsRepo, type ValidSession } from './sessions.js';
export { readSettingsReadOnly, SettingsRepo } from './settings.js';
export { writeTransaction } from './transaction.js';
