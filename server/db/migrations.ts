/**
 * The schema, as a list of SQL migrations. To change the schema, append an entry with the next
 * version number; never edit or reorder an entry that has shipped, because databases in the
 * field record only the number of the last one they ran (PRAGMA user_version).
 *
 * All pending entries run inside ONE transaction (see migrate.ts), so their SQL must not contain
 * BEGIN/COMMIT, and `PRAGMA foreign_keys` has no effect there. Tables are STRICT so that a wrong
 * type (a float time, a string id) fails loudly instead of being stored as-is.
 * Times are INTEGER unix milliseconds.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: readonly Migration[] = Object.freeze([
  {
    version: 1,
    name: 'settings',
    sql: `
      -- Admin settings; value is JSON so one table holds every setting's type.
      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 2,
    name: 'auth',
    sql: `
      -- Web sessions; only a hash of the cookie token is stored.
      CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        token_hash TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL,
        ip TEXT,
        user_agent TEXT
      ) STRICT;
      -- Purging expired sessions and counting valid ones both range-scan on expiry.
      CREATE INDEX sessions_expires_at ON sessions (expires_at);

      -- One-time login links (printed by --server, handed to the desktop window).
      CREATE TABLE login_tokens (
        id INTEGER PRIMARY KEY,
        token_hash TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        used_at INTEGER
      ) STRICT;
    `,
  },
  {
    version: 3,
    name: 'ssh_keys',
    sql: `
      -- Public keys the embedded sshd accepts, each with the one role it may use.
      -- fingerprint is OpenSSH's 'SHA256:<base64>' of the key blob; the sshd looks keys up by it
      -- at every connection, so adding or revoking a key needs no restart.
      -- allowed_ports is JSON {"http": n, "ssh": n} for tunnel keys, NULL otherwise.
      CREATE TABLE ssh_keys (
        id INTEGER PRIMARY KEY,
        fingerprint TEXT NOT NULL UNIQUE,
        public_key TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('tunnel', 'sftp', 'pairing')),
        owner TEXT,
        allowed_ports TEXT,
        created_at INTEGER NOT NULL,
        last_used_at INTEGER,
        revoked_at INTEGER,
        expires_at INTEGER
      ) STRICT;
      -- Evicting or revoking all keys of one host looks them up by owner.
      CREATE INDEX ssh_keys_owner ON ssh_keys (owner);
    `,
  },
  {
    version: 4,
    name: 'hosts',
    sql: `
      -- Join tokens (lp1_…). Only sha256(secret) is stored; pairing_fingerprint is the ssh_keys
      -- fingerprint of the pairing key derived from the secret, revoked with the token.
      CREATE TABLE join_tokens (
        id TEXT PRIMARY KEY,
        secret_hash TEXT NOT NULL,
        name TEXT,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        uses_left INTEGER NOT NULL CHECK (uses_left >= 0),
        last_used_at INTEGER,
        revoked_at INTEGER,
        pairing_fingerprint TEXT
      ) STRICT;

      -- Hosts that joined. credential_hash is sha256 of the host's API credential; service_secret
      -- is kept as is because the hub signs its requests to the host's service port with it.
      -- A removed host keeps its row (removed_at set) so its later calls get "removed", not "unknown".
      CREATE TABLE hosts (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        platform TEXT NOT NULL,
        agent_version TEXT NOT NULL,
        credential_hash TEXT NOT NULL,
        service_secret TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        last_seen_at INTEGER,
        last_error TEXT,
        removed_at INTEGER,
        token_id TEXT
      ) STRICT;

      -- Tunnel ports allocated to hosts: a port belongs to at most one host (primary key), a host
      -- has at most one port of each kind. Rows are deleted when the host is removed.
      CREATE TABLE host_ports (
        port INTEGER PRIMARY KEY CHECK (port BETWEEN 1 AND 65535),
        host_id TEXT NOT NULL REFERENCES hosts (id),
        kind TEXT NOT NULL CHECK (kind IN ('http', 'ssh')),
        UNIQUE (host_id, kind)
      ) STRICT;

      -- What happened to tokens and hosts (created, joined, revoked, removed); detail is JSON.
      CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        kind TEXT NOT NULL,
        subject TEXT,
        detail TEXT
      ) STRICT;
      CREATE INDEX events_at ON events (at);
    `,
  },
  {
    version: 5,
    name: 'host agent errors',
    sql: `
      -- What the host's agent last reported (e.g. it reaches the hub over HTTPS but not its SSH
      -- port), apart from last_error, which the hub's own probes overwrite.
      ALTER TABLE hosts ADD COLUMN agent_error TEXT;
      ALTER TABLE hosts ADD COLUMN agent_error_at INTEGER;
    `,
  },
  {
    version: 6,
    name: 'projects',
    sql: `
      -- The project registry. host_id is a hosts.id or 'this-machine' (the host inside the hub's
      -- process, which has no hosts row), so it carries no foreign key. state is what the hub
      -- last learned from the host; error says why when state is 'error'.
      CREATE TABLE projects (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        host_id TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('stopped', 'starting', 'running', 'error')),
        error TEXT,
        created_at INTEGER NOT NULL,
        last_active_at INTEGER
      ) STRICT;
      CREATE INDEX projects_host ON projects (host_id);
    `,
  },
  {
    version: 7,
    name: 'backup runs',
    sql: `
      -- Backups the hub ran (scheduled or manual), one row per run. project_id carries no foreign
      -- key: a deleted project's runs stay, since its snapshots stay in the repository. summary is
      -- restic's JSON summary of a finished backup; snapshot_id is set only when it succeeded.
      CREATE TABLE backup_runs (
        id TEXT PRIMARY KEY,
        project_id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('scheduled', 'manual')),
        state TEXT NOT NULL CHECK (state IN ('running', 'succeeded', 'failed')),
        started_at INTEGER NOT NULL,
        finished_at INTEGER,
        error TEXT,
        snapshot_id TEXT,
        summary TEXT
      ) STRICT;
      CREATE INDEX backup_runs_project ON backup_runs (project_id, started_at);
      CREATE INDEX backup_runs_snapshot ON backup_runs (snapshot_id);
    `,
  },
]);

export const LATEST_SCHEMA_VERSION: number = migrations.length;
