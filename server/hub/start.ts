import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { startHostService } from '../agent/index.js';
import {
  type HealthReport,
  type HostView,
  type Status,
  THIS_MACHINE_HOST_ID,
  type TokenView,
} from '../api/index.js';
import {
  BackupScheduler,
  BackupService,
  HostBackups,
  hubRepository,
  liveIntervalHours,
  localBackupRepo,
  registerBackupRoutes,
} from '../backups/index.js';
import {
  assertPortsFree,
  type Config,
  ConfigError,
  portInUseError,
  type ResolvedConfig,
  resolveConfig,
  resolveDataDir,
} from '../config/index.js';
import {
  acquireLock,
  DatabaseTooNewError,
  type Db,
  HubAlreadyRunningError,
  LATEST_SCHEMA_VERSION,
  LoginTokensRepo,
  migrate,
  openDatabase,
  readLiveLock,
  readSchemaVersionReadOnly,
  readSettingsReadOnly,
  SessionsRepo,
  SettingsRepo,
} from '../db/index.js';
import { ensurePrivateDir } from '../fs/private.js';
import {
  HealthService,
  healthIntervalFromEnv,
  registerHealthKey,
  registerHealthRoute,
} from '../health/index.js';
import { HubHosts, registerHostRoutes, type ServiceEndpoint, tlsPinOf } from '../hosts/index.js';
import { Auth, buildApp, createRedirectServer, type HubApp, sessionUserOf } from '../http/index.js';
import { createLogger, flushLogger, type Logger } from '../log/index.js';
import { HubProjects, ProjectRuntime, projectHostsSource, registerProjectRoutes } from '../projects/index.js';
import { createProjectProxy } from '../proxy/index.js';
import { ensureSecret } from '../secrets/index.js';
import { ensureHostKey, type SshdHandle, SshKeysRepo, startSshd } from '../sshd/index.js';
import { ensureLocalTls, loadCustomTls, type TlsMaterial } from '../tls/index.js';
import { launchpadVersion, packageRoot } from './package-root.js';
import { SettingsService } from './settings-service.js';
import { hubUrls } from './urls.js';

export interface StartOptions {
  /** Environment to read COCALC_* from (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** `--data-dir`, which wins over COCALC_DATA_DIR. */
  dataDir?: string | undefined;
  /** JSON log lines on stdout too (the headless hub); the file log under logs/ is always on. */
  logToStdout?: boolean;
  /** Built renderer to serve (default: dist/renderer of this installation). */
  rendererDir?: string;
  /** Failed sign-ins per IP allowed per window before 429. */
  loginFailures?: { max: number; windowMs: number };
}

export interface RunningHub {
  readonly config: Config;
  readonly resolved: ResolvedConfig;
  readonly tls: TlsMaterial;
  readonly urls: { loopback: string; lan: string | null; preferred: string };
  readonly logger: Logger;
  /** A fresh one-time sign-in URL, on the LAN URL when there is one (`preferred`) or on 127.0.0.1. */
  createLoginUrl(on?: 'preferred' | 'loopback'): string;
  /** The full (signed-in) status, as `GET /api/status` gives an admin. */
  status(): Status;
  /** Calls `listener` when the status may have changed; returns the unsubscribe function. */
  onChange(listener: () => void): () => void;
  /** The embedded SSH server; null in Plus, which runs no launchpad services. */
  readonly sshd: SshdHandle | null;
  /** Hosts (with "this machine" first in Launchpad) and join tokens now, e.g. for the tray's online/offline counts. */
  hosts(): { hosts: HostView[]; tokens: TokenView[] };
  /** Calls `listener` when hosts or tokens changed; returns the unsubscribe function. */
  onHostsChange(listener: () => void): () => void;
  /** The latest health report (checks and the Ready/Degraded/Error summary), e.g. for the tray. */
  health(): HealthReport;
  /** Calls `listener` when a check changed status or message; returns the unsubscribe function. */
  onHealthChange(listener: () => void): () => void;
  /** Graceful stop: no new connections, in-flight requests get up to 5 s, then db closed and lock released. */
  stop(): Promise<void>;
}

const SHUTDOWN_GRACE_MS = 5000;
const PURGE_INTERVAL_MS = 3600_000;

/**
 * Validates everything that can be checked without writing (config, custom certificate,
 * database version, the data-dir lock, free ports), so a bad start leaves the data dir as it
 * was; then takes the lock and brings the hub up. Throws ConfigError, HubAlreadyRunningError
 * or DatabaseTooNewError for problems the user must fix.
 */
export async function startHub(opts: StartOptions = {}): Promise<RunningHub> {
  const env = opts.env ?? process.env;
  const startedAt = new Date();
  const { dataDir } = resolveDataDir(env, opts.dataDir);
  const dbPath = join(dataDir, 'launchpad.db');

  const found = readSchemaVersionReadOnly(dbPath);
  if (found !== null && found > LATEST_SCHEMA_VERSION)
    throw new DatabaseTooNewError(found, LATEST_SCHEMA_VERSION, dbPath);
  const resolved = resolveConfig({ env, dataDirFlag: opts.dataDir, settings: readSettingsReadOnly(dbPath) });
  const { config } = resolved;
  const healthIntervalMs = healthIntervalFromEnv(env);
  if (config.product === 'rocket') {
    throw new ConfigError(
      'COCALC_PRODUCT',
      'rocket (external PostgreSQL, several hubs) is not available in this version',
      'Use COCALC_PRODUCT=plus or COCALC_PRODUCT=launchpad',
      'product',
    );
  }
  const customTls = config.tls
    ? loadCustomTls({ certPath: config.tls.certPath, keyPath: config.tls.keyPath })
    : null;
  const live = readLiveLock(dataDir);
  if (live) throw new HubAlreadyRunningError(live, dataDir);
  await assertPortsFree(resolved);

  // Nothing was written so far. From here on we own the data dir.
  ensurePrivateDir(dataDir);
  const lock = acquireLock(dataDir, {
    pid: process.pid,
    startedAt: startedAt.getTime(),
    httpsPort: config.ports.https,
    hostname: hostname(),
  });
  const cleanup: (() => void | Promise<void>)[] = [() => lock.release()];
  const runCleanup = async () => {
    for (const fn of cleanup.reverse()) await fn();
    cleanup.length = 0;
  };

  try {
    mkdirSync(config.layout.logs, { recursive: true });
    const logger = createLogger({ logDir: config.layout.logs, stdout: opts.logToStdout ?? false });
    cleanup.push(() => flushLogger(logger));
    for (const line of resolved.ignoredEnv) logger.warn(line);

    const db = openDatabase(config.layout.db);
    cleanup.push(() => {
      db.close();
    });
    const migrated = migrate(db);
    if (migrated.from !== migrated.to) logger.info(migrated, 'database migrated');

    const settingsRepo = new SettingsRepo(db);
    persistIdentity(db, settingsRepo, config);

    const adminSecret = ensureSecret(config.layout.adminSecret).value;
    const sessionKey = ensureSecret(config.layout.sessionKey).value;
    const tls = customTls ?? (await issueLocalTls(config, logger));
    const auth = new Auth(new SessionsRepo(db), new LoginTokensRepo(db), sessionKey, adminSecret);
    const settings = new SettingsService(db, settingsRepo, resolved, env, opts.dataDir);
    const urls = hubUrls(config);
    const version = launchpadVersion();
    const loginUrl = (token: string, on: 'preferred' | 'loopback' = 'preferred') =>
      `${urls[on]}/login?token=${token}`;

    // Plus runs no launchpad services; a Launchpad hub's sshd carries tunnels, backups and pairing.
    // A listener problem never stops the hub: sshd retries with backoff and reports it in status.
    let sshd: SshdHandle | null = null;
    let hostKeyFingerprint = '';
    const hostKey = config.product === 'plus' ? null : ensureHostKey(config.layout.ssh);
    // Tokens, joins, the host registry and tunnel state; in Plus only an empty host list.
    const hosts = new HubHosts({
      db,
      logger,
      version,
      startedAt: startedAt.getTime(),
      launchpad: hostKey && {
        identity: {
          publicHost: config.publicHost,
          httpsPort: config.ports.https,
          sshdPort: config.ports.sshd,
          tlsPin: tlsPinOf(tls),
          sshFingerprint: hostKey.fingerprint,
          sshHostKey: hostKey.publicKey,
        },
        tunnelRange: config.ports.tunnel,
        backupPasswordFile: config.layout.backupRepoPassword,
      },
    });
    cleanup.push(() => hosts.stop());
    if (hostKey) {
      hostKeyFingerprint = hostKey.fingerprint;
      sshd = await startSshd({
        db,
        hostKey,
        host: config.bindHost,
        port: config.ports.sshd,
        sftpRoot: config.layout.backupRepo,
        pairingHandler: hosts.pairingHandler,
        logger: logger.child({ component: 'sshd' }),
        // In cloud mode SSH arrives through cloudflared on loopback: every client is 127.0.0.1, so
        // blocking that address after failures would lock every host out at once.
        ...(config.deploymentMode === 'cloud' ? { limits: { throttleExempt: ['127.0.0.1', '::1'] } } : {}),
      });
      const running = sshd;
      cleanup.push(() => running.close());
      hosts.attachSshd(running);
    }

    // The same-machine shortcut: projects of "this machine" run under this process, behind a host
    // service on a free loopback port (not 9002: an agent may run beside the hub) with a secret that
    // lives as long as the process. Plus always has it; a Launchpad hub lists it as "this machine".
    const runtime = new ProjectRuntime({
      projectsDir: config.layout.projects,
      logger: logger.child({ component: 'projects-runtime' }),
    });
    const localSecret = randomBytes(32).toString('base64url');
    const localService = await startHostService({
      port: 0,
      hostId: THIS_MACHINE_HOST_ID,
      serviceSecret: localSecret,
      version,
      logger: logger.child({ component: 'host-service' }),
      runtime,
      // This machine's projects go into the hub's own repository, at its local path.
      backups: new HostBackups({
        projectsDir: config.layout.projects,
        repo: localBackupRepo(config.layout),
        logger: logger.child({ component: 'backups' }),
      }),
    });
    cleanup.push(() => runtime.stopAll());
    cleanup.push(() => localService.close());
    const thisMachine: ServiceEndpoint = { port: localService.port, secret: localSecret };
    logger.info({ servicePort: localService.port }, 'this machine: host service listening on 127.0.0.1');

    // Projects on "this machine" (reached directly: no tunnel) and on joined hosts.
    const projectHosts = projectHostsSource(hosts, () => thisMachine);
    const projects = new HubProjects({ db, hosts: projectHosts, logger });
    cleanup.push(() => projects.stop());

    // Backups: runs on the projects' hosts into the hub's repository, on a schedule and on demand.
    const backupRepo = hubRepository(config.layout);
    const backups = new BackupService({
      db,
      projects,
      hosts: projectHosts,
      repo: backupRepo,
      logger,
      intervalHours: liveIntervalHours(
        () => settingsRepo.get('backupIntervalHours'),
        config.backupIntervalHours,
      ),
    });
    const backupSchedule = new BackupScheduler({ service: backups, maintenance: backupRepo, db, logger });
    cleanup.push(() => backups.stop());
    cleanup.push(() => backupSchedule.stop());

    const changes = new EventEmitter();
    // One listener per open page; the default limit of 10 would warn with a few tabs.
    changes.setMaxListeners(0);
    const subscribe = (listener: () => void) => {
      changes.on('status', listener);
      return () => {
        changes.off('status', listener);
      };
    };
    const status = (signedIn: boolean): Status => ({
      product: config.product,
      deploymentMode: config.deploymentMode,
      version,
      uptimeSeconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
      ports: { https: config.ports.https, sshd: config.ports.sshd, http: config.ports.http },
      tls: { leafFingerprint: tls.leafFingerprint, caFingerprint: tls.caFingerprint, custom: tls.custom },
      restartRequired: settings.restartRequired(),
      sshd: sshd ? sshdStatus(sshd, hostKeyFingerprint) : null,
      signedIn,
      ...(signedIn
        ? {
            detail: {
              dataDir: config.dataDir,
              publicHost: config.publicHost,
              urls: { loopback: urls.loopback, lan: urls.lan },
              pid: process.pid,
              startedAt: startedAt.toISOString(),
              tlsNotAfter: tls.notAfter.toISOString(),
              activeSessions: auth.activeSessions(),
              setupRequired: settings.setupRequired(),
            },
          }
        : {}),
    });

    const proxy = createProjectProxy({
      resolve: (id) => projects.route(id),
      authenticate: (req) => sessionUserOf(auth, req),
      start: async (id) => {
        const started = await projects.start(id);
        if (started.state === 'error') throw new Error(started.error ?? 'the project did not start');
      },
      touch: (id) => projects.touch(id),
      notRunning: (id) => projects.notRunning(id),
      ...(sshd ? { openTunnel: sshd.openForward.bind(sshd) } : {}),
      logger: logger.child({ component: 'proxy' }),
    });
    cleanup.push(() => proxy.close());

    // Health checks, the sshd's through its own sftp-role key (in memory, revoked at stop).
    const healthKey = sshd && registerHealthKey(new SshKeysRepo(db));
    if (sshd && healthKey) {
      const running = sshd;
      cleanup.push(async () => {
        await running.revokeKey(healthKey.fingerprint);
      });
    }
    const health = new HealthService({
      sshd:
        sshd && healthKey && hostKey
          ? { handle: sshd, hostKey: hostKey.publicKey, key: healthKey, repoDir: config.layout.backupRepo }
          : null,
      tls: { notAfter: tls.notAfter, custom: tls.custom },
      dataDir: config.dataDir,
      hosts,
      projects,
      backups,
      logger: logger.child({ component: 'health' }),
      intervalMs: healthIntervalMs,
    });
    cleanup.push(async () => {
      health.stop();
      await health.settled();
    });

    const app = await buildApp({
      // The local CA goes out with the leaf: a joining host checks the leaf is signed by the CA its
      // token pins (it has no other copy of the CA). A custom certificate file carries its own chain.
      tls: {
        key: tls.keyPem,
        cert: tls.caPem ? `${tls.certPem.trimEnd()}\n${tls.caPem}` : tls.certPem,
        custom: tls.custom,
      },
      auth,
      hub: {
        status,
        settings: () => settings.view(),
        applySettings: (patch) => settings.apply(patch),
        setup: (req) => settings.setup(req),
        loginUrl,
        subscribe,
        notify: () => changes.emit('status'),
        sshConnections: () => sshd?.connections() ?? [],
        hosts,
        projects,
        health: { report: () => health.report(), subscribe: (l) => health.subscribe(l) },
        backups,
        // Plus is one project: once set up, `/` is its workspace.
        home: () => {
          // Not while a restart is pending: the wizard may have chosen another product.
          if (config.product !== 'plus' || settings.setupRequired() || settings.restartRequired())
            return null;
          const only = projects.list()[0];
          return only ? only.url : null;
        },
      },
      logger,
      rendererDir: opts.rendererDir ?? join(packageRoot(), 'dist', 'renderer'),
      projectProxy: proxy,
      ...(opts.loginFailures ? { loginFailures: opts.loginFailures } : {}),
    });
    registerHostRoutes(app, hosts);
    registerProjectRoutes(app, projects);
    registerHealthRoute(app, health);
    registerBackupRoutes(app, backups);
    await listenOrExplain(app, resolved);
    cleanup.push(() => closeGracefully(app, logger));

    if (config.ports.http !== null) {
      const redirect = createRedirectServer(config.ports.https);
      await listenRedirect(redirect, resolved);
      cleanup.push(() => new Promise<void>((r) => redirect.close(() => r())));
      cleanup.push(() => redirect.closeAllConnections());
    }

    const purge = setInterval(() => {
      new SessionsRepo(db).purgeExpired();
      new LoginTokensRepo(db).purgeExpired();
    }, PURGE_INTERVAL_MS);
    purge.unref();
    cleanup.push(() => clearInterval(purge));

    sshd?.on('status', () => changes.emit('status'));
    health.start();
    backupSchedule.start();
    lock.update({ httpsPort: config.ports.https });
    // This machine's projects come back as they were (the runtime remembers what ran); Plus has
    // exactly one project, made now on first start. Neither holds up start-up.
    void runtime
      .resumeAll()
      .then(() => projects.reconcile(THIS_MACHINE_HOST_ID))
      .then(() => (config.product === 'plus' ? projects.ensureSingleProject('My project') : undefined))
      .catch((err: Error) => logger.error({ err }, 'could not bring this machine’s projects back'));
    logger.info(
      { product: config.product, mode: config.deploymentMode, urls, dataDir, version },
      'hub started',
    );
    let stopping: Promise<void> | undefined;
    return {
      config,
      resolved,
      tls,
      urls,
      logger,
      createLoginUrl: (on = 'preferred') => loginUrl(auth.createLoginToken().token, on),
      status: () => status(true),
      sshd,
      hosts: () => hosts.snapshot(),
      onHostsChange: (listener) => hosts.subscribe(listener),
      health: () => health.report(),
      onHealthChange: (listener) => health.subscribe(listener),
      onChange: subscribe,
      stop: () => {
        stopping ??= (async () => {
          logger.info('hub stopping');
          await runCleanup();
        })();
        return stopping;
      },
    };
  } catch (err) {
    await runCleanup();
    throw err;
  }
}

function sshdStatus(sshd: SshdHandle, hostKeyFingerprint: string): NonNullable<Status['sshd']> {
  const s = sshd.status();
  return {
    listening: s.listening,
    port: s.port,
    hostKeyFingerprint,
    ...(s.lastError ? { lastError: s.lastError } : {}),
    connections: s.connections,
  };
}

/** On first start the data dir takes the product and mode it was started with: they define it. */
function persistIdentity(db: Db, repo: SettingsRepo, config: Config): void {
  if (repo.get('product') !== undefined) return;
  db.transaction(() => {
    repo.set('product', config.product);
    if (config.deploymentMode !== null) repo.set('deploymentMode', config.deploymentMode);
    if (config.rocketControlPlane !== null) repo.set('rocketControlPlane', config.rocketControlPlane);
  })();
}

async function issueLocalTls(config: Config, logger: Logger): Promise<TlsMaterial> {
  const t0 = performance.now();
  const tls = await ensureLocalTls({ dir: config.layout.tls, publicHost: config.publicHost });
  if (tls.issued !== 'none') {
    logger.info(
      { issued: tls.issued, ms: Math.round(performance.now() - t0), sans: tls.sans },
      'TLS certificate issued',
    );
  }
  return tls;
}

async function listenOrExplain(app: HubApp, resolved: ResolvedConfig): Promise<void> {
  try {
    await app.listen({ host: resolved.config.bindHost, port: resolved.config.ports.https });
  } catch (err) {
    // Someone took the port between our check and now.
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw portInUseError(resolved, 'basePort', resolved.config.ports.https, 'HTTPS');
    }
    throw err;
  }
}

function listenRedirect(server: Server, resolved: ResolvedConfig): Promise<void> {
  const port = resolved.config.ports.http as number;
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE' ? portInUseError(resolved, 'httpPort', port, 'plain-HTTP redirect') : err,
      ),
    );
    server.listen(port, resolved.config.bindHost, () => resolve());
  });
}

/** Stop accepting, let in-flight requests finish for up to 5 s, then cut what is left. */
async function closeGracefully(app: HubApp, logger: Logger): Promise<void> {
  const timer = setTimeout(() => {
    logger.warn('requests still running after 5 s; closing their connections');
    app.server.closeAllConnections();
  }, SHUTDOWN_GRACE_MS);
  try {
    await app.close();
  } finally {
    clearTimeout(timer);
  }
}
