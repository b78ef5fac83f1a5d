import { describe, expect, it } from 'vitest';
import { splitCommand } from '../restic/fail.js';
import { knownHostsName } from './known-hosts.js';
import { sftpCommand, shellWord } from './repo-config.js';

describe('the sftp.command restic runs', () => {
  it('splits back into the words it was built from, paths with spaces and quotes included', () => {
    const o = {
      host: '192.168.1.5',
      port: 9201,
      keyFile: '/Users/ann/Library/Application Support/cocalc/launchpad/agent/sftp_ed25519',
      knownHosts: "/home/o'brien/agent/known_hosts",
    };
    const words = splitCommand(sftpCommand(o));
    expect(words.slice(0, 5)).toEqual(['ssh', '-F', '/dev/null', '-i', o.keyFile]);
    expect(words).toContain(`UserKnownHostsFile=${o.knownHosts}`);
    expect(words.slice(-3)).toEqual(['lp@192.168.1.5', '-s', 'sftp']);
    expect(splitCommand(shellWord('a "b" c'))).toEqual(['a "b" c']);
    expect(() => shellWord(`a'b"c`)).toThrow(/both kinds of quotes/);
  });

  it('known_hosts names: [host]:port, plain host on 22', () => {
    expect(knownHostsName('hub.lan', 9201)).toBe('[hub.lan]:9201');
    expect(knownHostsName('hub.lan', 22)).toBe('hub.lan');
    expect(knownHostsName('::1', 22)).toBe('[::1]:22');
  });
});
