// The workspace through the hub, as a person uses it: a Plus hub (its one project runs on this
// machine under the hub), signed in, https://hub/<project_id>/ proxied to the project server.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { type ProjectView, projectListResponseSchema } from '../../server/api/index.js';
import { test as base, expect, screenshot } from '../support/fixtures.js';

const RUNNING_WITHIN_MS = 30_000;

interface WorkspaceProject {
  id: string;
  /** The project's directory on this machine (the hub's data dir). */
  dir: string;
  /** /<id>/ on the hub */
  url: string;
}

const test = base.extend<{ project: WorkspaceProject }>({
  project: async ({ hub, signedInPage }, use) => {
    // Plus makes its project at first start; wait until it runs.
    let running: ProjectView | undefined;
    await expect
      .poll(
        async () => {
          const res = await signedInPage.request.get('/api/projects');
          running = projectListResponseSchema.parse(await res.json()).projects[0];
          return running?.state;
        },
        { timeout: RUNNING_WITHIN_MS },
      )
      .toBe('running');
    const p = running as ProjectView;
    await use({ id: p.id, dir: join(hub.dataDir, 'projects', p.id), url: p.url });
  },
});

/** The workspace, opened and connected. */
async function openWorkspace(page: Page, project: WorkspaceProject): Promise<void> {
  await page.goto(project.url);
  await expect(page.getByText(project.id)).toBeVisible();
  await expect(page.getByText('Live', { exact: true })).toBeVisible();
}

/** The text on the visible terminal's screen, one line per row. */
function terminalText(page: Page): Promise<string> {
  return page.getByRole('region', { name: 'Terminal' }).locator('.xterm-rows').innerText();
}

test('a new file is written in the editor, saved, and listed', async ({
  signedInPage: page,
  project,
}, testInfo) => {
  await openWorkspace(page, project);
  await expect(page.getByText('This folder is empty — upload or create a file')).toBeVisible();
  await screenshot(page, testInfo, 'workspace-empty', { fullPage: false });

  await page.getByRole('button', { name: 'New file' }).click();
  await page.getByLabel('New file name').fill('notes.md');
  await page.getByLabel('New file name').press('Enter');

  const files = page.getByRole('list', { name: 'Files' });
  await expect(files.getByRole('button', { name: 'notes.md', exact: true })).toBeVisible();
  await expect(page.getByRole('tab', { name: /notes\.md/ })).toHaveAttribute('aria-selected', 'true');
  const editor = page.getByRole('textbox', { name: 'Contents of notes.md' });
  await expect(editor).toBeFocused();
  const text = '# Notes\n\nWritten in the workspace.';
  await page.keyboard.type(text);
  // Unsaved: the tab says so.
  await expect(page.getByRole('tab', { name: /notes\.md.*unsaved changes/ })).toBeVisible();

  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Saved', { exact: true })).toBeVisible();
  await expect(page.getByRole('tab', { name: /unsaved changes/ })).toHaveCount(0);
  expect(readFileSync(join(project.dir, 'notes.md'), 'utf8')).toBe(text);
  // The list shows the new size (refreshed by the folder watch).
  await expect(files.getByRole('button', { name: 'notes.md', exact: true })).toHaveAccessibleDescription(
    `${text.length} B`,
  );
  await screenshot(page, testInfo, 'workspace-editor', { fullPage: false });

  // Ctrl-S saves too.
  await editor.press('End');
  await page.keyboard.type(' Again.');
  await page.keyboard.press('Control+s');
  await expect(page.getByRole('tab', { name: /unsaved changes/ })).toHaveCount(0);
  expect(readFileSync(join(project.dir, 'notes.md'), 'utf8')).toContain('Written in the workspace. Again.');
});

test('a file changed by something else shows up in the list; a binary file is for downloading', async ({
  signedInPage: page,
  project,
}, testInfo) => {
  await openWorkspace(page, project);
  writeFileSync(join(project.dir, 'hello.py'), 'print("hello")\n');
  writeFileSync(join(project.dir, 'data.bin'), Buffer.from([0, 1, 2, 0, 255, 0]));
  const files = page.getByRole('list', { name: 'Files' });
  await expect(files.getByRole('button', { name: 'hello.py', exact: true })).toBeVisible();
  await expect(files.getByRole('link', { name: 'Download data.bin' })).toHaveAttribute(
    'href',
    `/${project.id}/api/files/download?path=data.bin`,
  );

  await files.getByRole('button', { name: 'data.bin', exact: true }).click();
  await expect(page.getByText('This is a binary file — download it instead.')).toBeVisible();
  await screenshot(page, testInfo, 'workspace-files', { fullPage: false });
});

test('a terminal runs commands and survives a reload', async ({ signedInPage: page, project }, testInfo) => {
  await openWorkspace(page, project);
  await page.getByRole('button', { name: 'New terminal' }).click();
  await expect(page.getByRole('tab', { name: 'Terminal 1' })).toHaveAttribute('aria-selected', 'true');
  const terminal = page.getByRole('region', { name: 'Terminal' });
  await expect(terminal).toBeVisible();
  // The shell is ready when it printed its prompt.
  await expect.poll(() => terminalText(page)).toMatch(/\S/);

  await terminal.click();
  await page.keyboard.type('echo hello-e2e\n');
  // The output line (not just the echoed command).
  await expect.poll(() => terminalText(page)).toMatch(/^hello-e2e\s*$/m);
  await screenshot(page, testInfo, 'workspace-terminal', { fullPage: false });

  // A reload reattaches to the same shell: the tab comes back and the server replays the output.
  await page.reload();
  await expect(page.getByRole('tab', { name: 'Terminal 1' })).toBeVisible();
  await expect.poll(() => terminalText(page)).toMatch(/^hello-e2e\s*$/m);
  await page.getByRole('region', { name: 'Terminal' }).click();
  await page.keyboard.type('echo still-$((40+2))\n');
  await expect.poll(() => terminalText(page)).toMatch(/^still-42\s*$/m);
});

test('signing out everywhere ends the terminal connection; the workspace says so and offers to sign in', async ({
  signedInPage: page,
  project,
}, testInfo) => {
  await openWorkspace(page, project);
  await page.getByRole('button', { name: 'New terminal' }).click();
  await expect.poll(() => terminalText(page)).toMatch(/\S/);

  // As from the hub's own pages in another tab: "Sign out everywhere".
  const out = await page.request.post('/api/auth/logout-all', { data: {} });
  expect(out.status()).toBe(200);

  // The hub closed the WebSocket; the refused reconnect is recognised as a sign-out, not a network
  // problem, and the workspace stops retrying.
  await expect(page.getByText('Signed out', { exact: true })).toBeVisible();
  const bar = page.getByRole('status').filter({ hasText: 'Signed out of the hub' });
  await expect(bar).toBeVisible();
  await expect(page.getByText('Not connected — reconnecting…')).toHaveCount(0);
  const next = encodeURIComponent(new URL(project.url, 'https://hub.invalid').pathname);
  await expect(page.getByRole('link', { name: 'Sign in', exact: true })).toHaveAttribute(
    'href',
    `/login?next=${next}`,
  );
  await expect(bar.getByRole('link', { name: 'sign in' })).toHaveAttribute('href', `/login?next=${next}`);
  await screenshot(page, testInfo, 'workspace-signed-out', { fullPage: false });
});

test('uploading a file that exists asks before overwriting it', async ({ signedInPage: page, project }) => {
  await openWorkspace(page, project);
  const picker = page.locator('input[type="file"]');
  const file = { name: 'upload.txt', mimeType: 'text/plain', buffer: Buffer.from('first version\n') };
  await picker.setInputFiles(file);
  const files = page.getByRole('list', { name: 'Files' });
  await expect(files.getByRole('button', { name: 'upload.txt', exact: true })).toBeVisible();

  await picker.setInputFiles({ ...file, buffer: Buffer.from('second version\n') });
  const uploads = page.getByRole('list', { name: 'Uploads' });
  await expect(uploads.getByText('upload.txt already exists here. Replace it?')).toBeVisible();
  expect(readFileSync(join(project.dir, 'upload.txt'), 'utf8')).toBe('first version\n');
  await uploads.getByRole('button', { name: 'Overwrite' }).click();
  // Polled: the first upload's row already says "Uploaded" while the second one is still going.
  await expect.poll(() => readFileSync(join(project.dir, 'upload.txt'), 'utf8')).toBe('second version\n');
  await expect(uploads.getByText('Uploaded')).toHaveCount(2);

  // Delete asks first.
  await files.getByRole('button', { name: 'Delete upload.txt' }).click();
  await page
    .getByRole('dialog', { name: 'Delete upload.txt?' })
    .getByRole('button', { name: 'Delete' })
    .click();
  await expect(page.getByText('This folder is empty — upload or create a file')).toBeVisible();
  expect(existsSync(join(project.dir, 'upload.txt'))).toBe(false);
});
