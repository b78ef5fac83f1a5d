import { describe, expect, it } from 'vitest';
import { checkBackupAge } from './backup-age.js';

const HOUR = 3_600_000;
const now = new Date('2030-01-10T00:00:00Z');
const project = { id: 'p1', name: 'thesis', createdAt: '2030-01-01T00:00:00Z' };
const backups = (last: Date | null) => ({ lastSuccessAt: () => last, intervalHours: () => 24 });

describe('backup-age check', () => {
  it('ok within twice the schedule, warn beyond it', () => {
    const fresh = checkBackupAge(project, backups(new Date(now.getTime() - 30 * HOUR)), now);
    expect(fresh).toMatchObject({
      id: 'backup-age:p1',
      scope: 'project',
      subject: { kind: 'project', id: 'p1', name: 'thesis' },
      status: 'ok',
      message: 'Last successful backup 30 h ago',
    });
    const stale = checkBackupAge(project, backups(new Date(now.getTime() - 49 * HOUR)), now);
    expect(stale).toMatchObject({
      status: 'warn',
      message: 'Last successful backup 2 days ago (schedule: every 24 h)',
    });
    expect(stale.fix).toMatch(/thesis/);
  });

  it('never backed up: ok while the project is young, a warning once it is older than twice the schedule', () => {
    const young = { ...project, createdAt: new Date(now.getTime() - 5 * HOUR).toISOString() };
    expect(checkBackupAge(young, backups(null), now).status).toBe('ok');
    expect(checkBackupAge(project, backups(null), now)).toMatchObject({
      status: 'warn',
      message: 'Never backed up (created 9 days ago)',
    });
  });
});
