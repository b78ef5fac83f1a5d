import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentUsageError } from './errors.js';
import { DEFAULT_SERVICE_PORT } from './host-service.js';
import { assertJoinableDataDir, readJoinToken } from './join.js';
import { generateHostKeys } from './keys.js';
import { resolveServicePort } from './service-port.js';
import { type AgentState, agentPaths, isJoined, loadAgentState, saveAgentState } from './state.js';

const dirs: string[] = [];
function tempDataDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'lp-agent-state-'));
  dirs.push(d);
  return join(d, 'data');
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const STATE: AgentState = {
  v: 1,
  hostId: 'host_abc',
  name: 'worker-1',
  credential: 'cred',
  serviceSecret: 'svc',
  hub: { host: '127.0.0.1', httpsPort: 9200, tls: 'AA:BB', ssh: 'SHA256:xyz' },
  sshd: { host: '127.0.0.1', port: 9201 },
  ports: { http: 9210, ssh: 9211 },
  backup: { repoPath: '/', password: 'pw' },
  joinedAt: '2030-01-01T00:00:00.000Z',
  joinedVia: 'https',
};

describe('agent state', () => {
  it('is saved under agent/ (0700) with every file 0600, and read back', () => {
    const dataDir = tempDataDir();
    expect(isJoined(dataDir)).toBe(false);
    const keys = generateHostKeys('worker 1');
    saveAgentState(dataDir, STATE, keys);
    const p = agentPaths(dataDir);
    expect(statSync(p.dir).mode & 0o777).toBe(0o700);
    for (const f of [p.state, p.tunnelKey, `${p.tunnelKey}.pub`, p.sftpKey, `${p.sftpKey}.pub`]) {
      expect(statSync(f).mode & 0o777).toBe(0o600);
    }
    expect(isJoined(dataDir)).toBe(true);
    expect(loadAgentState(dataDir)).toEqual({ state: STATE, tunnelPrivateKey: keys.tunnel.privateKey });
    expect(keys.tunnel.publicKey).toMatch(/^ssh-ed25519 \S+ launchpad-tunnel@worker-1$/);
    expect(keys.tunnel.privateKey).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----/);
    expect(keys.sftp.publicKey).not.toBe(keys.tunnel.publicKey);
  });

  it('a damaged state is a usage error that says how to recover', () => {
    const dataDir = tempDataDir();
    mkdirSync(agentPaths(dataDir).dir, { recursive: true });
    writeFileSync(agentPaths(dataDir).state, '{"v":1}');
    expect(() => loadAgentState(dataDir)).toThrow(AgentUsageError);
    expect(() => loadAgentState(dataDir)).toThrow(/damaged; remove .*agent and join again/);
  });
});

describe('a data dir to join with', () => {
  it('must not be a hub nor already joined', () => {
    const hubDir = tempDataDir();
    mkdirSync(hubDir, { recursive: true });
    writeFileSync(join(hubDir, 'launchpad.db'), '');
    expect(() => assertJoinableDataDir(hubDir)).toThrow(/is a hub's/);

    const joined = tempDataDir();
    saveAgentState(joined, STATE, generateHostKeys('w'));
    expect(() => assertJoinableDataDir(joined)).toThrow(/already belongs to host host_abc \(worker-1\)/);

    expect(() => assertJoinableDataDir(tempDataDir())).not.toThrow();
  });
});

describe('a join token', () => {
  it('that is malformed is a usage error naming the problem', () => {
    expect(() => readJoinToken('abc')).toThrow(AgentUsageError);
    expect(() => readJoinToken('abc')).toThrow(/^--join: This is not a Launchpad join token/);
    expect(() => readJoinToken('lp1_%%%')).toThrow(/^--join: The join token is damaged/);
  });
});

describe('the service port', () => {
  it('comes from --service-port, else COCALC_HOST_SERVICE_PORT, else 9002; 0 is allowed', () => {
    expect(resolveServicePort(undefined, {})).toBe(DEFAULT_SERVICE_PORT);
    expect(resolveServicePort(undefined, { COCALC_HOST_SERVICE_PORT: '' })).toBe(DEFAULT_SERVICE_PORT);
    expect(resolveServicePort(undefined, { COCALC_HOST_SERVICE_PORT: '9100' })).toBe(9100);
    expect(resolveServicePort('0', { COCALC_HOST_SERVICE_PORT: '9100' })).toBe(0);
  });

  it('refuses what is not a port, naming where it came from', () => {
    expect(() => resolveServicePort('http', {})).toThrow(/^--service-port: 'http' is not a port/);
    expect(() => resolveServicePort(undefined, { COCALC_HOST_SERVICE_PORT: '70000' })).toThrow(
      /^COCALC_HOST_SERVICE_PORT: '70000' is not a port/,
    );
    expect(() => resolveServicePort('-1', {})).toThrow(AgentUsageError);
  });
});
