import { describe, expect, it } from 'vitest';
import type { Status } from '../api/index.js';
import { ConfigError } from '../config/index.js';
import { HubSupervisor, type SupervisedHub } from './hub-supervisor.js';

class FakeHub implements SupervisedHub {
  stopped = false;
  restartRequired = false;
  readonly listeners = new Set<() => void>();
  constructor(readonly n: number) {}
  status(): Status {
    return {
      product: 'plus',
      deploymentMode: null,
      version: '0',
      uptimeSeconds: this.n,
      ports: { https: 9200, sshd: 9201, http: null },
      tls: { leafFingerprint: 'x', caFingerprint: null, custom: false },
      restartRequired: this.restartRequired,
      sshd: null,
      signedIn: true,
    };
  }
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  async stop(): Promise<void> {
    await new Promise((r) => setTimeout(r, 5));
    this.stopped = true;
  }
  changed(): void {
    for (const l of this.listeners) l();
  }
}

function supervised(fail: (n: number) => unknown = () => null) {
  const started: FakeHub[] = [];
  const phases: string[] = [];
  let attempts = 0;
  const supervisor = new HubSupervisor(async () => {
    attempts += 1;
    const n = attempts;
    await new Promise((r) => setTimeout(r, 5));
    const err = fail(n);
    if (err) throw err;
    const hub = new FakeHub(n);
    started.push(hub);
    return hub;
  }, '/data/logs');
  supervisor.onChange(() => phases.push(supervisor.state.phase));
  return { supervisor, started, phases };
}

describe('HubSupervisor', () => {
  it('starts, reports running, and hands out the hub', async () => {
    const { supervisor, phases } = supervised();
    expect(supervisor.state.phase).toBe('stopped');
    const hub = await supervisor.start();
    expect(hub?.n).toBe(1);
    expect(supervisor.hub).toBe(hub);
    expect(phases).toEqual(['starting', 'running']);
    expect(supervisor.snapshot()).toEqual({ phase: 'running', status: hub!.status() });
  });

  it('start is idempotent while running', async () => {
    const { supervisor, started } = supervised();
    const a = await supervisor.start();
    const b = await supervisor.start();
    expect(a).toBe(b);
    expect(started).toHaveLength(1);
  });

  it('a failed start becomes the error state with the user’s message', async () => {
    const { supervisor, phases } = supervised(() => new ConfigError('COCALC_BASE_PORT', 'bad', 'Fix it'));
    expect(await supervisor.start()).toBeNull();
    expect(phases).toEqual(['starting', 'error']);
    expect(supervisor.snapshot()).toEqual({
      phase: 'error',
      problem: {
        title: 'Launchpad cannot start its hub',
        message: 'COCALC_BASE_PORT: bad. Fix it',
        userCanFix: true,
      },
    });
    expect(supervisor.hub).toBeNull();
  });

  it('can start again after an error', async () => {
    const { supervisor } = supervised((n) => (n === 1 ? new Error('boom') : null));
    expect(await supervisor.start()).toBeNull();
    const s = supervisor.snapshot();
    expect(s.phase === 'error' && s.problem.message).toBe(
      "Unexpected error: boom. The hub's log is in /data/logs.",
    );
    expect((await supervisor.start())?.n).toBe(2);
  });

  it('stops the hub and stops listening to it', async () => {
    const { supervisor, phases } = supervised();
    const hub = (await supervisor.start())!;
    await supervisor.stop();
    expect(hub.stopped).toBe(true);
    expect(hub.listeners.size).toBe(0);
    expect(phases).toEqual(['starting', 'running', 'stopping', 'stopped']);
    expect(supervisor.snapshot()).toEqual({ phase: 'stopped' });
    await supervisor.stop();
    expect(phases).toHaveLength(4);
  });

  it('restart stops the old hub before starting a new one', async () => {
    const { supervisor, started, phases } = supervised();
    await supervisor.start();
    const hub = await supervisor.restart();
    expect(started[0]!.stopped).toBe(true);
    expect(hub?.n).toBe(2);
    expect(phases).toEqual(['starting', 'running', 'stopping', 'stopped', 'starting', 'running']);
  });

  it('runs overlapping requests one after another, in order', async () => {
    const { supervisor, started, phases } = supervised();
    const ops = [supervisor.start(), supervisor.stop(), supervisor.start(), supervisor.restart()];
    await Promise.all(ops);
    expect(started.map((h) => h.stopped)).toEqual([true, true, false]);
    expect(phases.join(' ')).toBe(
      'starting running stopping stopped starting running stopping stopped starting running',
    );
  });

  it('passes the running hub’s status changes on to its listeners', async () => {
    const { supervisor } = supervised();
    const hub = (await supervisor.start())!;
    const seen: boolean[] = [];
    const off = supervisor.onChange(() => {
      const s = supervisor.snapshot();
      if (s.phase === 'running') seen.push(s.status.restartRequired);
    });
    hub.restartRequired = true;
    hub.changed();
    off();
    hub.changed();
    expect(seen).toEqual([true]);
  });

  it('a failing stop still ends in stopped and reports the error to the caller', async () => {
    const { supervisor } = supervised();
    const hub = (await supervisor.start())!;
    hub.stop = () => Promise.reject(new Error('stuck'));
    await expect(supervisor.stop()).rejects.toThrow('stuck');
    expect(supervisor.state.phase).toBe('stopped');
    // The queue goes on after a failure.
    expect((await supervisor.start())?.n).toBe(2);
  });
});
