/**
 * V8 flags for the Node processes Launchpad starts that move data: the hub or agent from the
 * headless launcher (build/headless/launcher.mjs) and every project server from the runtime.
 *
 * An old generation that starts with room for 128 MB. V8 starts a full (incremental) collection
 * whenever the old generation's free room is less than the young generation's capacity, and a
 * process of some 25 MB that streams data hits that at once (its young generation grows with the
 * allocation rate): it then marked its whole heap every 16 MB or so transferred. In `npm run
 * bench`: the hub ~80 mark-compacts a GiB and 4-5 CPU-s/GB in most runs, 0 and 1.7-2.2 with the
 * flag; a project server serving a download 1.0-1.25 CPU-s/GB, 0.4-0.6 with it. The limit is a
 * threshold, not a reservation: an idle process is no bigger. V8 reads it only at start-up.
 */
export const NODE_FLAGS: readonly string[] = ['--initial-old-space-size=128'];

/** How to start a Node child with `process.execPath`: the flags before its entry and the env to add. */
export interface NodeChild {
  flags: string[];
  env: Record<string, string>;
}

/**
 * Under Electron (the desktop app runs the hub, and in Plus the host, in its main process),
 * `process.execPath` is the Electron binary: without ELECTRON_RUN_AS_NODE it would start a second
 * desktop app, which the single-instance lock ends at once, instead of a project server. With it,
 * the binary is plain Node (Electron's), and takes Node's flags on its command line as node does.
 */
export function nodeChild(versions: NodeJS.ProcessVersions = process.versions): NodeChild {
  return {
    flags: [...NODE_FLAGS],
    env: versions.electron ? { ELECTRON_RUN_AS_NODE: '1' } : {},
  };
}
