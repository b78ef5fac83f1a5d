import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  hubFetch,
  PACKAGE_VERSION,
  runCli,
  signIn,
  startHub,
  tempDir,
  withHubHarness,
} from './support/hub-process.js';

withHubHarness();

describe('launchpad --server', () => {
  it('serves TLS from its own CA, keeps its identity and data across a restart, and the CLI reports it', async () => {
    const hub = await startHub();
    const leafPem = readFileSync(join(hub.dataDir, 'tls', 'leaf.crt'), 'utf8');
    const leaf = new X509Certificate(leafPem);
    const ca = new X509Certificate(hub.caPem);

    // The leaf is signed by the generated CA and names the loopback addresses.
    expect(ca.ca).toBe(true);
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(leaf.subjectAltName).toContain('DNS:localhost');
    expect(leaf.subjectAltName).toContain('IP Address:127.0.0.1');

    // Verified against the CA with Node's default hostname check, by IP and by name.
    const byIp = await hubFetch(hub.port, '/api/status', { ca: hub.caPem });
    const byName = await hubFetch(hub.port, '/api/status', { ca: hub.caPem, host: 'localhost' });
    expect(byIp.status).toBe(200);
    expect(byName.status).toBe(200);
    expect(byIp.peerFingerprint).toBe(leaf.fingerprint256);
    expect(byIp.json).toMatchObject({
      product: 'plus',
      deploymentMode: null,
      version: PACKAGE_VERSION,
      ports: { https: hub.port, sshd: hub.port + 1, http: null },
      tls: { leafFingerprint: leaf.fingerprint256, caFingerprint: ca.fingerprint256, custom: false },
      restartRequired: false,
      signedIn: false,
    });
    // Without trusting the CA the connection is refused: verification is really on.
    await expect(hubFetch(hub.port, '/api/status')).rejects.toThrow(/certificate/i);

    // The CLI talks to the running hub and shows where each value comes from, without secrets.
    const status = await runCli(['status', '--json', '--data-dir', hub.dataDir]);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      running: true,
      tls: { leafFingerprint: leaf.fingerprint256 },
      detail: { pid: hub.pid, dataDir: hub.dataDir },
    });
    const config = await runCli(['config', '--json', '--data-dir', hub.dataDir], {
      COCALC_BASE_PORT: String(hub.port),
    });
    expect(config.code).toBe(0);
    const described = JSON.parse(config.stdout);
    expect(described.tls).toEqual({
      kind: 'local CA',
      leafFingerprint: leaf.fingerprint256,
      caFingerprint: ca.fingerprint256,
    });
    expect(described.values.basePort).toMatchObject({ value: hub.port, source: 'env' });
    expect(described.values.product).toMatchObject({ value: 'plus', source: 'setting' });
    expect(described.values.dataDir).toMatchObject({ value: hub.dataDir, source: 'cli' });
    const adminSecret = readFileSync(join(hub.dataDir, 'secrets', 'admin-secret'), 'utf8').trim();
    const sessionKey = readFileSync(join(hub.dataDir, 'secrets', 'session-key'), 'utf8').trim();
    expect(adminSecret.length).toBeGreaterThan(20);
    expect(sessionKey.length).toBeGreaterThan(20);
    const plainConfig = await runCli(['config', '--data-dir', hub.dataDir]);
    for (const out of [config.stdout, plainConfig.stdout, status.stdout]) {
      expect(out).not.toContain(adminSecret);
      expect(out).not.toContain(sessionKey);
    }

    // A setting stored before the restart (basePort, to the same value: it moves from env to setting).
    const cookie = await signIn(hub, hub.loginUrl);
    const patched = await hubFetch(hub.port, '/api/settings', {
      method: 'PATCH',
      body: { basePort: hub.port },
      cookie,
      ca: hub.caPem,
    });
    expect(patched.status).toBe(200);

    expect(await hub.stop('SIGTERM')).toBe(0);
    const stopped = await runCli(['status', '--data-dir', hub.dataDir]);
    expect(stopped.code).toBe(1);
    expect(stopped.stdout).toMatch(/not running/);

    // Same data dir: same certificates, same settings, and still signed in.
    const again = await startHub({ dataDir: hub.dataDir, port: hub.port });
    expect(again.caPem).toBe(hub.caPem);
    const after = await hubFetch(again.port, '/api/status', { ca: again.caPem });
    expect(after.json.tls).toMatchObject({
      leafFingerprint: leaf.fingerprint256,
      caFingerprint: ca.fingerprint256,
    });
    expect(after.peerFingerprint).toBe(leaf.fingerprint256);
    const settings = await hubFetch(again.port, '/api/settings', { cookie, ca: again.caPem });
    expect(settings.status).toBe(200);
    expect(settings.json.settings).toContainEqual(
      expect.objectContaining({ key: 'basePort', value: hub.port, source: 'setting', running: hub.port }),
    );
    expect(await again.stop('SIGTERM')).toBe(0);
  });
});

describe.concurrent('launchpad command line', () => {
  it('--help exits 0 and lists the commands', async () => {
    const res = await runCli(['--help']);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/Usage: launchpad/);
    for (const word of ['--server', 'config', 'login-url', 'status']) expect(res.stdout).toContain(word);
  });

  it('--version prints the package version', async () => {
    const res = await runCli(['--version']);
    expect(res.code).toBe(0);
    expect(res.stdout.trim()).toBe(PACKAGE_VERSION);
  });

  it('an unknown flag exits 2 and names it', async () => {
    const res = await runCli(['--no-such-flag']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--no-such-flag');
  });

  it('status without a running hub exits 1 and says it is not running', async () => {
    const dataDir = join(tempDir(), 'data');
    const res = await runCli(['status', '--data-dir', dataDir]);
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/not running/);
    const json = await runCli(['status', '--json', '--data-dir', dataDir]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({ running: false, dataDir });
    // Asking does not create the data dir.
    expect(existsSync(dataDir)).toBe(false);
  });
});
