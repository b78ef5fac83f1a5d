import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/index.js';
import { DatabaseTooNewError, HubAlreadyRunningError } from '../db/index.js';
import { describeStartError } from './start-error.js';

describe('describeStartError', () => {
  it('shows the hub’s own user errors as they are: they name the problem and the fix', () => {
    const errors = [
      new ConfigError(
        'COCALC_BASE_PORT',
        'port 9200 (HTTPS) is already in use',
        'Start with COCALC_BASE_PORT=9300',
      ),
      new DatabaseTooNewError(9, 1, '/data/launchpad.db'),
      new HubAlreadyRunningError({ pid: 4242, startedAt: 0, httpsPort: 9200, hostname: 'h' }, '/data'),
    ];
    for (const err of errors) {
      expect(describeStartError(err)).toEqual({
        title: 'Launchpad cannot start its hub',
        message: err.message,
        userCanFix: true,
      });
    }
  });

  it('explains a native module built for another runtime, with the rebuild command', () => {
    const err = Object.assign(
      new Error('was compiled against NODE_MODULE_VERSION 115. This version requires 140.'),
      {
        code: 'ERR_DLOPEN_FAILED',
      },
    );
    const p = describeStartError(err);
    expect(p.userCanFix).toBe(true);
    expect(p.message).toContain('NODE_MODULE_VERSION 115');
    expect(p.message).toContain('electron-rebuild -f -w better-sqlite3');
  });

  it('says where the log is for anything unexpected', () => {
    expect(describeStartError(new Error('disk on fire'), '/data/logs')).toEqual({
      title: 'Launchpad cannot start its hub',
      message: "Unexpected error: disk on fire. The hub's log is in /data/logs.",
      userCanFix: false,
    });
    expect(describeStartError('a string').message).toBe('Unexpected error: a string.');
  });
});
