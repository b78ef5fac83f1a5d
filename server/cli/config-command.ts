import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SETTING_KEYS } from '../api/index.js';
import { type ResolvedConfig, SETTING_DEFS, settingValue } from '../config/index.js';
import { readSecret, secretPrefix } from '../secrets/index.js';
import { fingerprintOfPublicKey, HOST_KEY_FILE } from '../sshd/index.js';
import { fingerprintOfPem } from '../tls/index.js';

function fingerprintOf(path: string | undefined): string | null {
  return path && existsSync(path) ? fingerprintOfPem(readFileSync(path, 'utf8')) : null;
}

function sshHostKeyFingerprint(pubPath: string): string | null {
  return existsSync(pubPath) ? fingerprintOfPublicKey(readFileSync(pubPath, 'utf8').trim()) : null;
}

/** The effective config with the source of each value, secrets shown only as set/unset. */
export function describeConfig(resolved: ResolvedConfig) {
  const c = resolved.config;
  const values: Record<string, { envVar: string; value: unknown; source: string }> = {
    dataDir: { envVar: 'COCALC_DATA_DIR', value: c.dataDir, source: resolved.sources.dataDir },
  };
  for (const key of SETTING_KEYS) {
    values[key] = {
      envVar: SETTING_DEFS[key].envVar,
      value: settingValue(c, key),
      source: resolved.sources[key],
    };
  }
  const secret = (path: string) => {
    const v = readSecret(path);
    return v === null ? 'not created yet' : `set (${secretPrefix(v, 4)})`;
  };
  return {
    values,
    derived: {
      httpsPort: c.ports.https,
      sshdPort: c.ports.sshd,
      tunnelPorts: `${c.ports.tunnel.first}-${c.ports.tunnel.last}`,
      bindAddress: c.bindHost,
    },
    tls: c.tls
      ? { kind: 'custom', leafFingerprint: fingerprintOf(c.tls.certPath), caFingerprint: null }
      : {
          kind: 'local CA',
          leafFingerprint: fingerprintOf(join(c.layout.tls, 'leaf.crt')),
          caFingerprint: fingerprintOf(join(c.layout.tls, 'ca.crt')),
        },
    ssh: {
      runs: c.product !== 'plus',
      hostKeyFingerprint: sshHostKeyFingerprint(join(c.layout.ssh, `${HOST_KEY_FILE}.pub`)),
    },
    secrets: { adminSecret: secret(c.layout.adminSecret), sessionKey: secret(c.layout.sessionKey) },
    ignoredEnv: resolved.ignoredEnv,
  };
}

export function formatConfig(d: ReturnType<typeof describeConfig>): string {
  const rows: [string, string, string][] = Object.entries(d.values).map(([key, v]) => [
    `${key} (${v.envVar})`,
    v.value === null || v.value === undefined ? '—' : String(v.value),
    v.source,
  ]);
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  const out = [`${'Setting'.padEnd(w0)}  ${'Value'.padEnd(w1)}  Source`];
  for (const r of rows) out.push(`${r[0].padEnd(w0)}  ${r[1].padEnd(w1)}  ${r[2]}`);
  out.push('', 'Derived');
  out.push(
    `  HTTPS port ${d.derived.httpsPort}, SSH port ${d.derived.sshdPort}, host tunnels ${d.derived.tunnelPorts}`,
  );
  out.push(`  listens on ${d.derived.bindAddress}`);
  out.push('', `TLS (${d.tls.kind})`);
  out.push(`  leaf SHA-256 ${d.tls.leafFingerprint ?? 'not issued yet (made at first start)'}`);
  if (d.tls.kind !== 'custom')
    out.push(`  CA SHA-256   ${d.tls.caFingerprint ?? 'not issued yet (made at first start)'}`);
  out.push('', 'SSH server');
  out.push(
    d.ssh.runs
      ? `  host key SHA-256 ${d.ssh.hostKeyFingerprint ?? 'not created yet (made at first start)'}`
      : '  not used by plus',
  );
  out.push('', 'Secrets');
  out.push(`  admin secret ${d.secrets.adminSecret}`, `  session key  ${d.secrets.sessionKey}`);
  if (d.ignoredEnv.length > 0) out.push('', 'Notes', ...d.ignoredEnv.map((l) => `  ${l}`));
  out.push('', 'Precedence: stored setting > environment variable > default.');
  return `${out.join('\n')}\n`;
}
