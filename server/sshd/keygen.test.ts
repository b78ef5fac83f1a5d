// Runs the compiled module in a child process (`npm run build:server` first): a deadlock in
// key generation blocks the thread for good, which no in-process timeout can interrupt.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DIST = join(ROOT, 'dist', 'server', 'sshd');
/** Far above the few seconds either run takes: reaching it means the child hangs. */
const LIMIT_MS = 60_000;

/**
 * Makes `count` key pairs in a child node and checks the first `parsed` of them with ssh2 and our
 * public-key parser. Resolves with what the child printed, or rejects if it has not exited after
 * LIMIT_MS (it is then killed).
 */
async function makeKeysInChild(count: number, parsed: number, nodeFlags: string[]) {
  const keygen = join(DIST, 'keygen.js');
  if (!existsSync(keygen)) throw new Error(`run npm run build:server first (${keygen} is missing)`);
  const script = `
    import ssh2 from 'ssh2';
    import { generateSshKeyPair } from ${JSON.stringify(pathToFileURL(keygen).href)};
    import { parsePublicKeyLine } from ${JSON.stringify(pathToFileURL(join(DIST, 'public-key.js')).href)};
    for (let i = 0; i < ${count}; i++) {
      const pair = generateSshKeyPair('test');
      if (i >= ${parsed}) continue;
      const pub = parsePublicKeyLine(pair.publicKey);
      const priv = ssh2.utils.parseKey(pair.privateKey);
      if (priv instanceof Error || Array.isArray(priv)) throw new Error('private key ' + i + ' does not parse');
      if (!priv.getPublicSSH().equals(pub.blob)) throw new Error('key ' + i + ': the halves differ');
    }
    process.stdout.write('made ${count}');
  `;
  const child = spawn(process.execPath, [...nodeFlags, '--input-type=module', '-e', script], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    out += d;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), LIMIT_MS);
  const [code, signal] = await once(child, 'exit');
  clearTimeout(timer);
  if (signal === 'SIGKILL') throw new Error(`key generation hung: ${count} keys not made in ${LIMIT_MS} ms`);
  return { code, out };
}

describe('generateSshKeyPair', () => {
  // ssh2's own generator drops a leading zero byte of the public key (~1 key in 256), which then
  // parses nowhere: a fresh hub whose host key was one of them would not start. 3000 keys make
  // about a dozen such keys likely, so this fails for a generator with that bug.
  it('makes keys that always parse, public and private, with the same public half', async () => {
    const { code, out } = await makeKeysInChild(3000, 3000, []);
    expect(out).toBe('made 3000');
    expect(code).toBe(0);
  }, 90_000);

  // Node 20 deadlocked when a key's JWK export met a garbage collection (a hub making keys would
  // hang for good; CI did). A collection every 2000 allocations made the JWK version hang within
  // 20 000 keys in 9 of 10 runs, most within a few thousand.
  it('never hangs, even with a garbage collection every 2000 allocations', async () => {
    const { code, out } = await makeKeysInChild(20_000, 0, ['--gc-interval=2000']);
    expect(out).toBe('made 20000');
    expect(code).toBe(0);
  }, 90_000);
});
