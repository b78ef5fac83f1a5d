import { describe, expect, it } from 'vitest';
import type { ProjectView } from '../server/api/index.js';
import { hubFetch, signIn, startHub, withHubHarness } from './support/hub-process.js';

// Plus: one project on this computer, run by the hub's own process (no agent, no tunnel).

withHubHarness();

async function onlyProject(call: (path: string) => Promise<{ json: { projects: ProjectView[] } }>) {
  const t0 = Date.now();
  while (Date.now() - t0 < 20_000) {
    const { projects } = (await call('/api/projects')).json;
    if (projects.length > 0 && projects[0]?.state === 'running') return projects;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error('the Plus project did not come up within 20 s');
}

describe('Plus', () => {
  it('first start makes exactly one project; once set up, / opens its workspace; a restart keeps it', async () => {
    const hub = await startHub();
    const cookie = await signIn(hub, hub.loginUrl);
    const call = (path: string, opts: Parameters<typeof hubFetch>[2] = {}) =>
      hubFetch(hub.port, path, { ca: hub.caPem, cookie, ...opts });

    const projects = await onlyProject(call);
    expect(projects).toHaveLength(1);
    const [project] = projects as [ProjectView];
    expect(project).toMatchObject({ hostId: 'this-machine', state: 'running', url: `/${project.id}/` });

    // Before the first-run wizard is answered, / is the hub (which opens the wizard). Answering it
    // with the running choices needs no restart; then / is the project.
    expect((await call('/')).status).toBe(200);
    const status = (await call('/api/status')).json;
    const setup = await call('/api/setup', {
      method: 'POST',
      body: {
        product: 'plus',
        basePort: hub.port,
        publicHost: status.detail.publicHost,
        dataDir: status.detail.dataDir,
      },
      headers: { origin: `https://127.0.0.1:${hub.port}` },
    });
    expect(setup.status, setup.text).toBe(200);

    const home = await call('/');
    expect(home.status).toBe(302);
    expect(home.headers.location).toBe(project.url);
    const workspace = await call(project.url);
    expect(workspace.status).toBe(200);
    expect(workspace.text).toMatch(/workspace/i);
    // The hub pages are still there, one click away.
    expect((await call('/projects')).status).toBe(200);

    // A restart brings the same one project back, running.
    expect(await hub.stop()).toBe(0);
    const again = await startHub({ dataDir: hub.dataDir, port: hub.port });
    const cookie2 = await signIn(again, again.loginUrl);
    const after = await onlyProject((path) =>
      hubFetch(again.port, path, { ca: again.caPem, cookie: cookie2 }),
    );
    expect(after.map((p) => p.id)).toEqual([project.id]);
  }, 60_000);
});
