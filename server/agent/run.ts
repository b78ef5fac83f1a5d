import { join } from 'node:path';
import { agentBackupRepo, HostBackups } from '../backups/index.js';
import type { Logger } from '../log/index.js';
import { ProjectRuntime } from '../projects/index.js';
import { HostRemovedError } from './errors.js';
import { type HostService, startHostService } from './host-service.js';
import { checkSelf, reportAgentError } from './hub-api.js';
import { servicePortInUse } from './service-port.js';
import { type AgentState, agentPaths, loadAgentState } from './state.js';
import { Tunnel } from './tunnel.js';

export interface AgentOptions {
  dataDir: string;
  /** Host service port on 127.0.0.1; 0 picks a free one. */
  servicePort: number;
  version: string;
  logger: Logger;
  /** The project server entry; default the built one (tests pass a fixture). */
  projectEntry?: string;
}

export interface RunningAgent {
  readonly state: AgentState;
  readonly servicePort: number;
  readonly tunnel: Tunnel;
  /** The project servers this host runs. */
  readonly projects: ProjectRuntime;
  /** Rejects with HostRemovedError when the hub removed this host (the agent has stopped then). */
  readonly removed: Promise<never>;
  /** Closes the tunnel and the host service, and stops the project servers (they resume next start). */
  stop(): Promise<void>;
}

/** Runs a joined host: the host service on 127.0.0.1, its project servers and the tunnel to the hub. */
export async function runAgent(opts: AgentOptions): Promise<RunningAgent> {
  const { state, tunnelPrivateKey } = loadAgentState(opts.dataDir);
  const log = opts.logger;
  const projects = new ProjectRuntime({
    projectsDir: join(opts.dataDir, 'projects'),
    logger: log.child({ component: 'projects' }),
    ...(opts.projectEntry ? { entry: opts.projectEntry } : {}),
  });
  // Backups go into the hub's repository over SFTP through its sshd, with the sftp key.
  const backups = new HostBackups({
    projectsDir: join(opts.dataDir, 'projects'),
    repo: agentBackupRepo({
      agentDir: agentPaths(opts.dataDir).dir,
      sshd: state.sshd,
      hostKeyPin: state.hub.ssh,
      backup: state.backup,
    }),
    logger: log.child({ component: 'backups' }),
  });
  let service: HostService;
  try {
    service = await startHostService({
      port: opts.servicePort,
      hostId: state.hostId,
      serviceSecret: state.serviceSecret,
      version: opts.version,
      logger: log.child({ component: 'host-service' }),
      runtime: projects,
      backups,
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw servicePortInUse(opts.servicePort);
    throw err;
  }
  const hubApi = { host: state.hub.host, port: state.hub.httpsPort, pin: state.hub.tls };
  const tunnel = new Tunnel({
    sshd: state.sshd,
    hostKeyPin: state.hub.ssh,
    privateKey: tunnelPrivateKey,
    ports: state.ports,
    servicePort: service.port,
    serve: (socket) => service.accept(socket),
    logger: log.child({ component: 'tunnel' }),
    isRemoved: async () => {
      const self = await checkSelf(hubApi, state.hostId, state.credential);
      if (self.kind === 'unknown')
        log.info({ reason: self.reason }, 'agent: the hub could not confirm this host');
      return self.kind === 'removed';
    },
  });

  // The hub cannot see why a host's tunnel stays down (a firewall on the SSH port, say) when the
  // agent still reaches it over HTTPS: tell it, once per new reason, and clear it when online.
  let wanted: string | null = null;
  let reported: string | null | undefined;
  let sending = false;
  const flushReport = () => {
    if (sending || wanted === reported) return;
    const value = wanted;
    sending = true;
    void reportAgentError(hubApi, state.hostId, state.credential, value).then((ok) => {
      sending = false;
      if (ok) reported = value;
      if (ok && wanted !== value) flushReport();
    });
  };
  tunnel.on('retry', (reason) => {
    wanted = `SSH tunnel to ${state.sshd.host}:${state.sshd.port}: ${reason}`;
    flushReport();
  });
  tunnel.on('state', (s) => {
    if (s !== 'online') return;
    wanted = null;
    flushReport();
  });

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= Promise.all([tunnel.stop(), service.close(), projects.stopAll()]).then(() => undefined);
    return stopping;
  };
  const removed = new Promise<never>((_, reject) => {
    tunnel.once('removed', () => {
      log.error({ hostId: state.hostId }, 'agent: this host was removed from the hub; stopping');
      void stop().then(() => reject(new HostRemovedError()));
    });
  });
  // Callers that never await `removed` (tests stopping the agent) must not see an unhandled rejection.
  removed.catch(() => undefined);

  log.info(
    {
      hostId: state.hostId,
      name: state.name,
      hub: `${state.hub.host}:${state.hub.httpsPort}`,
      sshd: `${state.sshd.host}:${state.sshd.port}`,
      ports: state.ports,
      servicePort: service.port,
      version: opts.version,
    },
    'host agent started',
  );
  tunnel.start();
  // Bring back what the hub had started before this agent was stopped or killed; the hub needs
  // to do nothing (its proxy sees project_not_running only until each one listens again). Not
  // awaited: a slow project must not hold up the agent.
  void projects
    .resumeAll()
    .then((resumed) => {
      const failed = resumed.filter((p) => p.state === 'error');
      if (failed.length) log.warn({ failed }, 'agent: some projects could not be resumed');
    })
    .catch((err: Error) => log.error({ err }, 'agent: resuming projects failed'));
  return { state, servicePort: service.port, tunnel, projects, removed, stop };
}
