import type { Command } from 'commander';
import { type HostView, hostListResponseSchema } from '../api/index.js';
import {
  addDeleteCommand,
  addListCommand,
  formatTable,
  relativeTime,
  type SubcommandContext,
} from './subcommand.js';

/** `launchpad host list|remove`: the hosts of the running hub, as its admin. */
export function registerHostCommands(program: Command, ctx: SubcommandContext): void {
  const host = program.command('host').description('hosts that joined this hub');

  addListCommand(host, ctx, {
    description: 'list hosts: state, since, last seen, round trip time, ports, version',
    path: '/api/hosts',
    schema: hostListResponseSchema,
    format: ({ hosts }) => formatHosts(hosts),
  });
  addDeleteCommand(host, ctx, {
    name: 'remove',
    description: 'remove a host: revoke its keys, close its tunnel, free its ports',
    idHelp: 'the host id (from `launchpad host list`)',
    path: '/api/hosts',
    done: (id) => `Removed host ${id}; its keys are revoked and its ports are free again`,
  });
}

export function formatHosts(hosts: HostView[], now = Date.now()): string {
  if (hosts.length === 0) return 'No hosts. Make a join token with `launchpad token create`.\n';
  return formatTable(
    ['ID', 'NAME', 'STATE', 'SINCE', 'LAST SEEN', 'RTT', 'PORTS', 'VERSION'],
    hosts.map((h) => [
      h.id,
      h.thisMachine ? `${h.name} (this machine)` : h.name,
      h.state,
      relativeTime(h.since, now),
      h.thisMachine ? '—' : relativeTime(h.lastSeenAt, now),
      h.rttMs === null ? '—' : `${h.rttMs} ms`,
      h.ports ? `http ${h.ports.http}, ssh ${h.ports.ssh}` : '—',
      h.agentVersion,
    ]),
  );
}
