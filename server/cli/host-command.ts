import type { Command } from 'commander';
import { type HostView, hostListResponseSchema } from '../api/index.js';
import { formatTable, hubRefusal, relativeTime, type SubcommandContext } from './subcommand.js';

/** `launchpad host list|remove`: the hosts of the running hub, as its admin. */
export function registerHostCommands(program: Command, ctx: SubcommandContext): void {
  const host = program.command('host').description('hosts that joined this hub');

  host
    .command('list')
    .description('list hosts: state, since, last seen, round trip time, ports, version')
    .option('--json', 'as JSON')
    .addOption(ctx.dataDirOption())
    .action((_opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<{ json?: boolean; dataDir?: string }>();
      ctx.setResult(
        (async () => {
          const res = await ctx.client(opts.dataDir).call('GET', '/api/hosts');
          if (res.status !== 200) throw hubRefusal(res);
          const { hosts } = hostListResponseSchema.parse(res.body);
          ctx.io.out(opts.json ? `${JSON.stringify({ hosts }, null, 2)}\n` : formatHosts(hosts));
          return 0;
        })(),
      );
    });

  host
    .command('remove')
    .description('remove a host: revoke its keys, close its tunnel, free its ports')
    .argument('<id>', 'the host id (from `launchpad host list`)')
    .addOption(ctx.dataDirOption())
    .action((id: string, _opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<{ dataDir?: string }>();
      ctx.setResult(
        (async () => {
          const res = await ctx.client(opts.dataDir).call('DELETE', `/api/hosts/${encodeURIComponent(id)}`);
          if (res.status !== 200) throw hubRefusal(res);
          ctx.io.out(`Removed host ${id}; its keys are revoked and its ports are free again\n`);
          return 0;
        })(),
      );
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
