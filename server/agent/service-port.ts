import { canBind } from '../config/index.js';
import { AgentUsageError } from './errors.js';
import { DEFAULT_SERVICE_PORT } from './host-service.js';

export const SERVICE_PORT_ENV = 'COCALC_HOST_SERVICE_PORT';

/** The host service port: `--service-port` wins over COCALC_HOST_SERVICE_PORT over 9002; 0 picks a free one. */
export function resolveServicePort(flag: string | undefined, env: NodeJS.ProcessEnv): number {
  const fromEnv = env[SERVICE_PORT_ENV] || undefined;
  const raw = flag ?? fromEnv;
  if (raw === undefined) return DEFAULT_SERVICE_PORT;
  const source = flag !== undefined ? '--service-port' : SERVICE_PORT_ENV;
  const port = /^\d{1,5}$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isInteger(port) || port > 65535) {
    throw new AgentUsageError(
      `${source}: '${raw}' is not a port; give a number from 1 to 65535, or 0 for a free one`,
    );
  }
  return port;
}

/** Fails early (before a token is spent) when the chosen service port is taken. */
export async function assertServicePortFree(port: number): Promise<void> {
  if (port !== 0 && !(await canBind('127.0.0.1', port))) throw servicePortInUse(port);
}

export function servicePortInUse(port: number): AgentUsageError {
  return new AgentUsageError(
    `--service-port: port ${port} on 127.0.0.1 is already in use (another agent?); choose another with --service-port or ${SERVICE_PORT_ENV} (0 picks a free one)`,
  );
}
