import { createServer } from 'node:net';
import { ConfigError } from './errors.js';
import type { Config, ResolvedConfig } from './resolve.js';
import { SETTING_DEFS } from './settings.js';

/** Resolves true when `port` can be bound on `host` right now (the probe socket is closed again). */
export function canBind(host: string, port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE' || err.code === 'EACCES') resolve(false);
      else reject(err);
    });
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** The message for a port someone else holds: which port, which variable moves it. */
export function portInUseError(
  resolved: ResolvedConfig,
  key: 'basePort' | 'httpPort',
  port: number,
  what: string,
): ConfigError {
  const envVar = SETTING_DEFS[key].envVar;
  const fromSetting = resolved.sources[key] === 'setting';
  const variable = fromSetting ? `setting ${key}` : envVar;
  const fix = fromSetting
    ? `Stop the program using it, or change ${key} in Settings (the stored setting wins over ${envVar})`
    : `Stop the program using it, or set ${envVar} to a free port`;
  return new ConfigError(
    variable,
    `port ${port} (${what}) is already in use on ${resolved.config.bindHost}`,
    fix,
    key,
  );
}

/**
 * Checks, before anything is written, that the ports the hub will listen on are free,
 * so a clash is a clear config error instead of a half-started hub.
 */
export async function assertPortsFree(resolved: ResolvedConfig): Promise<void> {
  const c: Config = resolved.config;
  if (!(await canBind(c.bindHost, c.ports.https)))
    throw portInUseError(resolved, 'basePort', c.ports.https, 'HTTPS');
  if (c.ports.http !== null && !(await canBind(c.bindHost, c.ports.http))) {
    throw portInUseError(resolved, 'httpPort', c.ports.http, 'plain-HTTP redirect');
  }
}
