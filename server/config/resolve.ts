import { resolve as resolvePath } from 'node:path';
import {
  BACKUP_INTERVAL_HOURS,
  type ControlPlane,
  type DeploymentMode,
  type Product,
  SETTING_KEYS,
  type SettingKey,
  TUNNEL_PORT_COUNT,
  TUNNEL_PORT_OFFSET,
  type ValueSource,
} from '../api/index.js';
import { ConfigError } from './errors.js';
import { type DataDirLayout, dataDirLayout, defaultDataDir, detectLanAddress } from './paths.js';
import { SETTING_DEFS } from './settings.js';

export const DEFAULT_BASE_PORT = 9200;

export interface Config {
  readonly product: Product;
  readonly deploymentMode: DeploymentMode | null;
  readonly rocketControlPlane: ControlPlane | null;
  readonly dataDir: string;
  readonly layout: DataDirLayout;
  readonly basePort: number;
  readonly ports: {
    readonly https: number;
    readonly sshd: number;
    readonly http: number | null;
    readonly tunnel: { readonly first: number; readonly last: number };
  };
  readonly publicHost: string;
  /** Where the hub listens: all interfaces only for a LAN hub; loopback for Plus and cloud (Cloudflare dials in locally). */
  readonly bindHost: string;
  /** A custom certificate, or null for the automatic local CA. */
  readonly tls: { readonly certPath: string | undefined; readonly keyPath: string | undefined } | null;
  /** Hours between scheduled backups of a running project. */
  readonly backupIntervalHours: number;
}

export type ConfigKey = SettingKey | 'dataDir';

export interface ResolvedConfig {
  readonly config: Config;
  readonly sources: Readonly<Record<ConfigKey, ValueSource>>;
  /** Env variables that are set but overridden by stored settings, with why. */
  readonly ignoredEnv: readonly string[];
}

export interface ResolveInput {
  env: NodeJS.ProcessEnv;
  /** `--data-dir` from the command line, which wins over COCALC_DATA_DIR. */
  dataDirFlag?: string | undefined;
  /** Stored settings (the sqlite settings table); they win over env. */
  settings: Readonly<Record<string, unknown>>;
}

/** The product, mode and control plane define what a data dir is, so they come from one place together. */
const IDENTITY_KEYS: readonly SettingKey[] = ['product', 'deploymentMode', 'rocketControlPlane'];

/** An env variable's value for setting `key`, validated; throws ConfigError naming the variable. */
function parseEnv(key: SettingKey, raw: string): unknown {
  const def = SETTING_DEFS[key];
  const parsed = def.schema.safeParse(def.fromEnv(raw));
  if (!parsed.success) {
    throw new ConfigError(
      def.envVar,
      `"${raw}" ${parsed.error.issues[0]?.message ?? 'is invalid'}`,
      def.fix,
      key,
    );
  }
  return parsed.data;
}

function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v;
}

/**
 * Env + stored settings + defaults -> one validated, frozen Config.
 * Precedence per value: stored setting > env variable > default. Throws ConfigError
 * naming the variable at fault. Pure apart from reading the machine's network interfaces.
 */
export function resolveConfig(input: ResolveInput): ResolvedConfig {
  const { env, settings } = input;
  const sources = {} as Record<ConfigKey, ValueSource>;
  const values = {} as Record<SettingKey, unknown>;
  const ignoredEnv: string[] = [];
  const identityFromSettings = settings.product !== undefined;

  for (const key of SETTING_KEYS) {
    const def = SETTING_DEFS[key];
    const fromSettings = IDENTITY_KEYS.includes(key) ? identityFromSettings : settings[key] !== undefined;
    const raw = envValue(env, def.envVar);
    // A malformed env value is an error even when a stored setting overrides it: it is a typo to fix.
    const fromEnv = raw === undefined ? undefined : parseEnv(key, raw);
    if (fromSettings) {
      const stored = settings[key];
      if (raw !== undefined) ignoredEnv.push(`${def.envVar} is ignored: the stored setting ${key} wins`);
      if (stored === undefined || stored === null) continue;
      const parsed = def.schema.safeParse(stored);
      if (!parsed.success) {
        throw new ConfigError(
          `setting ${key}`,
          `stored value ${JSON.stringify(stored)} ${parsed.error.issues[0]?.message ?? 'is invalid'}`,
          'Change it in Settings',
          key,
        );
      }
      values[key] = parsed.data;
      sources[key] = 'setting';
    } else if (fromEnv !== undefined) {
      values[key] = fromEnv;
      sources[key] = 'env';
    }
  }

  const nameOf = (key: SettingKey) =>
    sources[key] === 'setting' || (identityFromSettings && IDENTITY_KEYS.includes(key))
      ? `setting ${key}`
      : SETTING_DEFS[key].envVar;

  const product = (values.product as Product | undefined) ?? 'plus';
  sources.product ??= 'default';
  let deploymentMode = (values.deploymentMode as DeploymentMode | undefined) ?? null;
  let rocketControlPlane = (values.rocketControlPlane as ControlPlane | undefined) ?? null;

  if (product === 'plus' && deploymentMode !== null) {
    throw new ConfigError(
      nameOf('deploymentMode'),
      'a deployment mode is only for launchpad and rocket; plus runs one local project and has none',
      `Unset ${SETTING_DEFS.deploymentMode.envVar}, or also set COCALC_PRODUCT=launchpad`,
      'deploymentMode',
    );
  }
  if (product !== 'plus' && deploymentMode === null) {
    throw new ConfigError(
      nameOf('deploymentMode'),
      `product ${product} needs a deployment mode`,
      identityFromSettings
        ? 'Set deploymentMode to local or cloud in Settings, together with the product'
        : 'Set COCALC_DEPLOYMENT_MODE=local (hosts on your network join this hub) or COCALC_DEPLOYMENT_MODE=cloud (reach the hub through a Cloudflare Tunnel)',
      'deploymentMode',
    );
  }
  if (product !== 'rocket' && rocketControlPlane !== null) {
    throw new ConfigError(
      nameOf('rocketControlPlane'),
      `the control plane is only for the rocket product, not ${product}`,
      `Unset ${SETTING_DEFS.rocketControlPlane.envVar}`,
      'rocketControlPlane',
    );
  }
  if (product === 'rocket' && rocketControlPlane === null) {
    rocketControlPlane = 'single';
    sources.rocketControlPlane = 'default';
  }
  deploymentMode ??= null;
  sources.deploymentMode ??= 'default';
  sources.rocketControlPlane ??= 'default';

  const basePort = (values.basePort as number | undefined) ?? DEFAULT_BASE_PORT;
  sources.basePort ??= 'default';
  const httpPort = (values.httpPort as number | undefined) ?? null;
  sources.httpPort ??= 'default';
  const tunnelPortCount = (values.tunnelPortCount as number | undefined) ?? TUNNEL_PORT_COUNT;
  sources.tunnelPortCount ??= 'default';
  const tunnel = {
    first: basePort + TUNNEL_PORT_OFFSET,
    last: basePort + TUNNEL_PORT_OFFSET + tunnelPortCount - 1,
  };
  if (tunnel.last > 65535) {
    const fits = 65535 - tunnel.first + 1;
    throw new ConfigError(
      nameOf('tunnelPortCount'),
      `${tunnelPortCount} host tunnel ports from ${tunnel.first} (base port ${basePort} + ${TUNNEL_PORT_OFFSET}) do not fit below 65536`,
      `Use at most ${fits - (fits % 2)} tunnel ports, or a lower base port`,
      'tunnelPortCount',
    );
  }
  if (
    httpPort !== null &&
    (httpPort === basePort ||
      httpPort === basePort + 1 ||
      (httpPort >= tunnel.first && httpPort <= tunnel.last))
  ) {
    throw new ConfigError(
      nameOf('httpPort'),
      `port ${httpPort} collides with the ports derived from the base port ${basePort} (HTTPS ${basePort}, SSH ${basePort + 1}, host tunnels ${tunnel.first}-${tunnel.last})`,
      'Choose a plain-HTTP port outside that range, e.g. 80 or 8080',
      'httpPort',
    );
  }

  let publicHost = values.publicHost as string | undefined;
  if (publicHost === undefined) {
    const lan = detectLanAddress();
    publicHost = lan ?? '127.0.0.1';
    sources.publicHost = lan ? 'detected' : 'default';
  }

  const certPath = values.tlsCert as string | undefined;
  const keyPath = values.tlsKey as string | undefined;
  sources.tlsCert ??= 'default';
  sources.tlsKey ??= 'default';
  const backupIntervalHours = (values.backupIntervalHours as number | undefined) ?? BACKUP_INTERVAL_HOURS;
  sources.backupIntervalHours ??= 'default';

  const { dataDir, source: dataDirSource } = resolveDataDir(env, input.dataDirFlag);
  sources.dataDir = dataDirSource;

  const bindHost = product !== 'plus' && deploymentMode === 'local' ? '0.0.0.0' : '127.0.0.1';
  const config: Config = deepFreeze({
    product,
    deploymentMode,
    rocketControlPlane,
    dataDir,
    layout: dataDirLayout(dataDir),
    basePort,
    ports: { https: basePort, sshd: basePort + 1, http: httpPort, tunnel },
    publicHost,
    bindHost,
    tls: certPath !== undefined || keyPath !== undefined ? { certPath, keyPath } : null,
    backupIntervalHours,
  });
  return Object.freeze({ config, sources: Object.freeze(sources), ignoredEnv: Object.freeze(ignoredEnv) });
}

/** The data dir alone (it is needed to find the stored settings): --data-dir > COCALC_DATA_DIR > platform default. */
export function resolveDataDir(
  env: NodeJS.ProcessEnv,
  flag: string | undefined,
): { dataDir: string; source: ValueSource } {
  if (flag !== undefined && flag.trim() !== '') return { dataDir: resolvePath(flag), source: 'cli' };
  const fromEnv = envValue(env, 'COCALC_DATA_DIR');
  if (fromEnv !== undefined) return { dataDir: resolvePath(fromEnv), source: 'env' };
  return { dataDir: defaultDataDir(env), source: 'default' };
}

/** A setting's effective value in a resolved config (null when unset). */
export function settingValue(c: Config, key: SettingKey): unknown {
  switch (key) {
    case 'product':
      return c.product;
    case 'deploymentMode':
      return c.deploymentMode;
    case 'rocketControlPlane':
      return c.rocketControlPlane;
    case 'basePort':
      return c.basePort;
    case 'publicHost':
      return c.publicHost;
    case 'httpPort':
      return c.ports.http;
    case 'tunnelPortCount':
      return c.ports.tunnel.last - c.ports.tunnel.first + 1;
    case 'tlsCert':
      return c.tls?.certPath ?? null;
    case 'tlsKey':
      return c.tls?.keyPath ?? null;
    case 'backupIntervalHours':
      return c.backupIntervalHours;
  }
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/** The values a stored-settings change affects; differing ones mean the running hub needs a restart. */
export function restartRelevant(c: Config): string {
  return JSON.stringify([c.product, c.deploymentMode, c.rocketControlPlane, c.ports, c.publicHost, c.tls]);
}
