// Summarises V8 CPU profiles (`npm run bench -- --cpu-prof` writes them to bench/results/profiles):
// where a process spent its time, by module (a package under node_modules, a node: internal
// area, a folder of dist/server) and by function (self time).
//
//   node bench/profile-summary.mjs <file.cpuprofile>… [--top 20]
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

const argv = process.argv.slice(2);
const topAt = argv.indexOf('--top');
const TOP = topAt === -1 ? 20 : Number(argv[topAt + 1]);
const files = argv.filter((a, i) => !a.startsWith('--') && (topAt === -1 || i !== topAt + 1));
if (files.length === 0) {
  process.stderr.write('usage: node bench/profile-summary.mjs <file.cpuprofile>… [--top N]\n');
  process.exit(2);
}

/** Which module a script URL belongs to. */
function moduleOf(url, name) {
  if (!url) return name.startsWith('(') ? name : '(native / builtin)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1];
  const internal = /^node:internal\/([^/]+(?:\/[^/]+)?)/.exec(url);
  if (internal) return `node:${internal[1].replace(/\.js$/, '')}`;
  if (url.startsWith('node:')) return url;
  const dist = /dist\/server\/([^/]+)/.exec(url);
  if (dist) return `launchpad ${dist[1]}/`;
  const bench = /bench\/([^/]+)$/.exec(url);
  if (bench) return `bench ${bench[1]}`;
  return url;
}

for (const file of files) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  /** @type {Map<number, any>} */
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  /** @type {Map<number, number>} */
  const selfUs = new Map();
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + (deltas[i] ?? 0));
  }
  let total = 0;
  let idle = 0;
  /** @type {Map<string, number>} */
  const byModule = new Map();
  /** @type {Map<string, number>} */
  const byFunction = new Map();
  for (const [id, us] of selfUs) {
    const n = nodes.get(id);
    const cf = n.callFrame;
    total += us;
    if (cf.functionName === '(idle)') {
      idle += us;
      continue;
    }
    const mod = moduleOf(cf.url, cf.functionName);
    byModule.set(mod, (byModule.get(mod) ?? 0) + us);
    const where = cf.url ? `${basename(cf.url)}:${cf.lineNumber + 1}` : '';
    const fn = `${cf.functionName || '(anonymous)'} ${where} [${mod}]`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
  }
  const busy = total - idle;
  const pct = (us) => `${((us / busy) * 100).toFixed(1).padStart(5)}%`;
  const ms = (us) => `${(us / 1000).toFixed(0).padStart(7)} ms`;
  const lines = [
    `== ${basename(file)}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(2)} s busy (${((busy / total) * 100).toFixed(0)}%)`,
    '-- by module (self time, share of busy)',
    ...[...byModule]
      .sort((a, b) => b[1] - a[1])
      .slice(0, TOP)
      .map(([m, us]) => `${ms(us)} ${pct(us)}  ${m}`),
    '-- by function (self time)',
    ...[...byFunction]
      .sort((a, b) => b[1] - a[1])
      .slice(0, TOP)
      .map(([f, us]) => `${ms(us)} ${pct(us)}  ${f}`),
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
