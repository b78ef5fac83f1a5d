import { z } from 'zod';
import {
  backupIntervalHoursSchema,
  basePortSchema,
  CONTROL_PLANES,
  DEPLOYMENT_MODES,
  filePathSchema,
  PRODUCTS,
  portSchema,
  publicHostSchema,
  type SettingKey,
  TUNNEL_PORT_OFFSET,
  tunnelPortCountSchema,
} from '../api/index.js';
import { ConfigError } from './errors.js';

/** How one setting is read from its env variable and what its stored form must look like. */
interface SettingDef {
  envVar: string;
  /** Turns the env string into the setting's value, or says what is wrong with it. */
  fromEnv: (raw: string) => unknown;
  schema: z.ZodType;
  /** What to do when this value is wrong, beyond naming it. */
  fix: string;
}

function enumFromEnv(values: readonly string[], envVar: string) {
  return (raw: string) => {
    const v = raw.trim().toLowerCase();
    if (!values.includes(v)) {
      throw new ConfigError(envVar, `unknown value "${raw}"`, `Use one of: ${values.join(', ')}`);
    }
    return v;
  };
}

function portFromEnv(envVar: string) {
  return (raw: string) => {
    const v = raw.trim();
    if (!/^\d+$/.test(v)) {
      throw new ConfigError(
        envVar,
        `"${raw}" is not a port number`,
        'Use a whole number between 1 and 65535',
      );
    }
    return Number(v);
  };
}

function wholeNumberFromEnv(envVar: string) {
  return (raw: string) => {
    const v = raw.trim();
    if (!/^\d+$/.test(v)) throw new ConfigError(envVar, `"${raw}" is not a whole number`, 'Use e.g. 1000');
    return Number(v);
  };
}

const asIs = (raw: string) => raw.trim();

export const SETTING_DEFS: Record<SettingKey, SettingDef> = {
  product: {
    envVar: 'COCALC_PRODUCT',
    fromEnv: enumFromEnv(PRODUCTS, 'COCALC_PRODUCT'),
    schema: z.enum(PRODUCTS),
    fix: `Use one of: ${PRODUCTS.join(', ')}`,
  },
  deploymentMode: {
    envVar: 'COCALC_DEPLOYMENT_MODE',
    fromEnv: enumFromEnv(DEPLOYMENT_MODES, 'COCALC_DEPLOYMENT_MODE'),
    schema: z.enum(DEPLOYMENT_MODES),
    fix: `Use one of: ${DEPLOYMENT_MODES.join(', ')}`,
  },
  rocketControlPlane: {
    envVar: 'COCALC_ROCKET_CONTROL_PLANE',
    fromEnv: enumFromEnv(CONTROL_PLANES, 'COCALC_ROCKET_CONTROL_PLANE'),
    schema: z.enum(CONTROL_PLANES),
    fix: `Use one of: ${CONTROL_PLANES.join(', ')}`,
  },
  basePort: {
    envVar: 'COCALC_BASE_PORT',
    fromEnv: portFromEnv('COCALC_BASE_PORT'),
    schema: basePortSchema,
    fix: 'Choose another base port (HTTPS uses it, SSH the next one)',
  },
  publicHost: {
    envVar: 'COCALC_PUBLIC_HOST',
    fromEnv: asIs,
    schema: publicHostSchema,
    fix: 'Give the bare name or IP address hosts and browsers use, e.g. hub.lan or 192.168.1.10',
  },
  httpPort: {
    envVar: 'COCALC_HTTP_PORT',
    fromEnv: portFromEnv('COCALC_HTTP_PORT'),
    schema: portSchema,
    fix: 'Use a whole number between 1 and 65535, or unset it to disable the plain-HTTP redirect',
  },
  tunnelPortCount: {
    envVar: 'COCALC_TUNNEL_PORT_COUNT',
    fromEnv: wholeNumberFromEnv('COCALC_TUNNEL_PORT_COUNT'),
    schema: tunnelPortCountSchema,
    fix: `Use an even number of ports (two per host); the range starts ${TUNNEL_PORT_OFFSET} above the base port and must end below 65536`,
  },
  tlsCert: {
    envVar: 'COCALC_TLS_CERT',
    fromEnv: asIs,
    schema: filePathSchema,
    fix: 'Give the path of a PEM certificate file',
  },
  tlsKey: {
    envVar: 'COCALC_TLS_KEY',
    fromEnv: asIs,
    schema: filePathSchema,
    fix: 'Give the path of the PEM private key of the certificate',
  },
  backupIntervalHours: {
    envVar: 'COCALC_BACKUP_INTERVAL_HOURS',
    fromEnv: wholeNumberFromEnv('COCALC_BACKUP_INTERVAL_HOURS'),
    schema: backupIntervalHoursSchema,
    fix: 'Use a whole number of hours between 1 and 720 (default 24)',
  },
};
