import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConatServerMessage, terminalListResponseSchema } from '../../api/index.js';
import { ConatClient, startTestProject, type TestProject } from './test-support.js';

let p: TestProject;
const clients: ConatClient[] = [];
// What a project server inherits that its shells must not: the token that guards it, and the
// switch the desktop's Electron binary needs to run it as Node. Terminals copy the environment
// when the server starts, so both are set just for that moment.
const INHERITED = { LAUNCHPAD_PROJECT_TOKEN: 'tok-not-for-shells', ELECTRON_RUN_AS_NODE: '1' };
beforeAll(async () => {
  Object.assign(process.env, INHERITED);
  try {
    p = await startTestProject({ terminalIdleTimeoutMs: 1500 });
  } finally {
    for (const name of Object.keys(INHERITED)) delete process.env[name];
  }
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await p.stop();
});

/** The hub rewrites /<id>/conat to /conat; both must work. */
async function connect(prefixed = false): Promise<ConatClient> {
  const path = prefixed ? `/${p.id}/conat` : '/conat';
  const c = await ConatClient.connect(`ws://127.0.0.1:${p.server.port}${path}?v=1`);
  clients.push(c);
  return c;
}

const isOpened = (term: string) => (m: ConatServerMessage) => m.t === 'term.opened' && m.term === term;
const listTerminals = async () =>
  terminalListResponseSchema.parse(await (await fetch(p.api('terminals'))).json()).terminals;

describe('terminals over conat', () => {
  it('runs a shell in the project directory and streams its output', async () => {
    const c = await connect();
    c.send({ t: 'term.open', term: 't1', cols: 80, rows: 24 });
    expect(await c.waitFor(isOpened('t1'))).toEqual({ t: 'term.opened', term: 't1', reattached: false });
    c.send({ t: 'term.input', term: 't1', data: 'echo hello-$RANDOM; echo "cwd=$PWD."\r' });
    // Only the shell's output has the expanded values (the echoed command line has `$PWD`).
    const out = await c.waitForOutput('t1', `cwd=${p.dir}.`);
    expect(out).toMatch(/hello-\d+/);
    const listed = await listTerminals();
    expect(listed.map((t) => t.id)).toContain('t1');
  });

  it("gives the shell neither the project's token nor ELECTRON_RUN_AS_NODE", async () => {
    const c = await connect();
    c.send({ t: 'term.open', term: 'env', cols: 80, rows: 24 });
    await c.waitFor(isOpened('env'));
    c.send({
      t: 'term.input',
      term: 'env',
      data: 'echo "token=[$LAUNCHPAD_PROJECT_TOKEN] electron=[$ELECTRON_RUN_AS_NODE]."\r',
    });
    // The echoed command line has the `$NAME`s; only the shell's output has the values.
    expect(await c.waitForOutput('env', 'token=[] electron=[].')).toContain('token=[]');
  });

  it('reattaches after the socket closed and replays the recent output', async () => {
    const first = await connect(true);
    first.send({ t: 'term.open', term: 'keep', cols: 100, rows: 30 });
    await first.waitFor(isOpened('keep'));
    first.send({ t: 'term.input', term: 'keep', data: 'echo before-$((40+2))\r' });
    await first.waitForOutput('keep', 'before-42');
    await first.close();

    const second = await connect();
    second.send({ t: 'term.open', term: 'keep', cols: 100, rows: 30 });
    expect(await second.waitFor(isOpened('keep'))).toMatchObject({ reattached: true });
    await second.waitForOutput('keep', 'before-42');
    second.send({ t: 'term.input', term: 'keep', data: 'echo after-$((50+5))\r' });
    await second.waitForOutput('keep', 'after-55');
  });

  it('lets several sockets watch one terminal', async () => {
    const a = await connect();
    const b = await connect();
    a.send({ t: 'term.open', term: 'shared', cols: 80, rows: 24 });
    await a.waitFor(isOpened('shared'));
    b.send({ t: 'term.open', term: 'shared', cols: 80, rows: 24 });
    await b.waitFor(isOpened('shared'));
    a.send({ t: 'term.input', term: 'shared', data: 'echo both-$((3*3))\r' });
    await a.waitForOutput('shared', 'both-9');
    await b.waitForOutput('shared', 'both-9');
  });

  it('reports the exit of a shell, and term.close ends one', async () => {
    const c = await connect();
    c.send({ t: 'term.open', term: 'quits', cols: 80, rows: 24 });
    await c.waitFor(isOpened('quits'));
    c.send({ t: 'term.input', term: 'quits', data: 'exit 3\r' });
    expect(await c.waitFor((m) => m.t === 'term.exit' && m.term === 'quits')).toEqual({
      t: 'term.exit',
      term: 'quits',
      code: 3,
    });

    c.send({ t: 'term.open', term: 'closed', cols: 80, rows: 24 });
    await c.waitFor(isOpened('closed'));
    c.send({ t: 'term.close', term: 'closed' });
    await c.waitFor((m) => m.t === 'term.exit' && m.term === 'closed');
    expect((await listTerminals()).map((t) => t.id)).not.toContain('closed');
  });

  it('ends a terminal nobody watched for the idle timeout', async () => {
    const c = await connect();
    c.send({ t: 'term.open', term: 'idle', cols: 80, rows: 24 });
    await c.waitFor(isOpened('idle'));
    await c.close();
    expect((await listTerminals()).map((t) => t.id)).toContain('idle');
    const deadline = Date.now() + 15_000;
    while ((await listTerminals()).some((t) => t.id === 'idle')) {
      if (Date.now() > deadline) throw new Error('the idle terminal was never ended');
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  it('answers invalid messages with an error and keeps the socket open', async () => {
    const c = await connect();
    c.sendRaw('not json');
    await c.waitFor((m) => m.t === 'error' && m.message.includes('JSON'));
    c.send({ t: 'term.open', term: 'bad id!', cols: 80, rows: 24 });
    await c.waitFor((m) => m.t === 'error' && m.message.includes('term'));
    c.send({ t: 'nope' });
    c.send({ t: 'term.input', term: 'never-opened', data: 'x' });
    await c.waitFor((m) => m.t === 'error' && m.term === 'never-opened');
    c.send({ t: 'term.open', term: 'still-works', cols: 80, rows: 24 });
    await c.waitFor(isOpened('still-works'));
  });
});

describe('folder watches over conat', () => {
  it('sends fs.changed for the watched folder, and nothing after unwatch', async () => {
    const c = await connect();
    c.send({ t: 'fs.watch', path: '' });
    // The watch is set up asynchronously: keep writing until the change is seen.
    let n = 0;
    const writer = setInterval(() => {
      writeFile(join(p.dir, `w${n++}.txt`), 'x').catch(() => undefined);
    }, 200);
    try {
      expect(await c.waitFor((m) => m.t === 'fs.changed')).toEqual({ t: 'fs.changed', path: '' });
    } finally {
      clearInterval(writer);
    }
    c.send({ t: 'fs.unwatch', path: '' });
    await new Promise((r) => setTimeout(r, 300));
    const before = c.messages.length;
    await writeFile(join(p.dir, 'after-unwatch.txt'), 'x');
    await new Promise((r) => setTimeout(r, 500));
    expect(c.messages.slice(before).filter((m) => m.t === 'fs.changed')).toEqual([]);
  });

  it('refuses to watch outside the project', async () => {
    const c = await connect();
    c.send({ t: 'fs.watch', path: '../' });
    await c.waitFor((m) => m.t === 'error' && m.message.includes('inside the project'));
  });
});
