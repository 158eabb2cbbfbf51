/**
 * Runs the benchmarks: `npm run bench` runs every `*.bench.ts` file in this
 * directory, `npm run bench -- <filter>` only those whose name contains the
 * filter (for example `npm run bench -- auth`), and `--quick` (or
 * `npm run bench:quick`) runs them all briefly, as a smoke test. Each topic
 * runs in its own Node process, so one topic's heap and JIT state cannot
 * colour another's; within a topic, the contenders of every comparison run
 * interleaved in rounds in one process (see rounds.ts). The runner ends with
 * every topic's targets in one table.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
import { printGrid } from './harness.js';
import { targetRows, type TargetLine } from './rounds.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const filter = (args.find((a) => !a.startsWith('--')) ?? '').toLowerCase();
const topics = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .sort((a, b) => order(a) - order(b) || a.localeCompare(b));
const selected = topics.filter((f) => f.toLowerCase().includes(filter));

function order(file: string): number {
  const i = ['authorization', 'tokens', 'hashers', 'scale', 'registry', 'stores'].findIndex((t) => file.startsWith(t));
  return i === -1 ? 99 : i;
}

if (selected.length === 0) {
  console.error(
    `No benchmark matches "${filter}". Topics: ${topics.map((f) => f.replace('.bench.ts', '')).join(', ')}`,
  );
  process.exit(1);
}

const version = (pkg: string): string => {
  const path = pkg === '.' ? join(root, 'package.json') : join(root, 'node_modules', pkg, 'package.json');
  return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
};
const git = (...args: string[]): string => spawnSync('git', args, { cwd: root, encoding: 'utf8' }).stdout?.trim() ?? '';
const commit = git('rev-parse', '--short', 'HEAD') || 'unknown';
const srcChanges = git('status', '--porcelain', '--', 'src')
  .split('\n')
  .filter((l) => l !== '').length;
const cpu = /model name\s*:\s*(.*)/.exec(safeRead('/proc/cpuinfo'))?.[1] ?? 'unknown';
const load = safeRead('/proc/loadavg').split(' ').slice(0, 3).join(' ');

function safeRead(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

console.log('# org-access-tokens benchmarks\n');
console.log(`- started: ${new Date().toISOString()}`);
console.log(
  `- machine: ${availableParallelism()} CPUs (${cpu}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB memory, load average ${load} at start`,
);
console.log(
  `- Node ${process.version} (V8 ${process.versions.v8}, OpenSSL ${process.versions.openssl}), ${process.platform} ${process.arch}`,
);
console.log(
  `- packages: org-access-tokens ${version('.')}, @casl/ability ${version('@casl/ability')}, casbin ${version('casbin')}, ` +
    `jose ${version('jose')}, fast-jwt ${version('fast-jwt')}, bcryptjs ${version('bcryptjs')}, pg ${version('pg')}, better-sqlite3 ${version('better-sqlite3')}, tsx ${version('tsx')}`,
);
console.log(
  `- code: commit ${commit}${srcChanges === 0 ? ', src/ as committed' : `, with ${srcChanges} uncommitted change(s) under src/`}`,
);
console.log(
  `- topics: ${selected.map((f) => f.replace('.bench.ts', '')).join(', ')}${filter === '' ? '' : ` (filter "${filter}")`}${quick ? ', QUICK MODE (smoke run: the figures mean nothing)' : ''}`,
);

const started = Date.now();
let failed = 0;
// Each topic appends its target lines here; the runner repeats them all at the end.
const targetsDir = mkdtempSync(join(tmpdir(), 'oat-bench-targets-'));
const targetsFile = join(targetsDir, 'targets.jsonl');
const env = { ...process.env, OAT_BENCH_TARGETS: targetsFile, OAT_BENCH_QUICK: quick ? '1' : '0' };
for (const file of selected) {
  const topicStart = Date.now();
  // --expose-gc lets a topic settle the heap; the larger heap leaves room for a million stored tokens.
  const child = spawnSync(
    process.execPath,
    ['--expose-gc', '--max-old-space-size=8192', '--import', 'tsx', join(here, file)],
    {
      cwd: root,
      stdio: 'inherit',
      env,
    },
  );
  if (child.status !== 0) {
    failed++;
    console.error(`\n${file} failed (exit ${child.status ?? child.signal})`);
  }
  console.log(`\n_${file}: ${((Date.now() - topicStart) / 1000).toFixed(1)} s_`);
}
const lines: TargetLine[] = safeRead(targetsFile)
  .split('\n')
  .filter((l) => l !== '')
  .map((l) => JSON.parse(l) as TargetLine);
rmSync(targetsDir, { recursive: true, force: true });
const goals = lines.filter((l) => l.met !== undefined);
if (goals.length > 0)
  printGrid('Targets at a glance (every topic)', ['target', 'goal', 'median', 'min–max', 'status'], targetRows(goals));
console.log(
  `\nTotal: ${((Date.now() - started) / 1000).toFixed(1)} s, ${selected.length - failed} of ${selected.length} topics completed; load average at the end ${safeRead('/proc/loadavg').split(' ').slice(0, 3).join(' ')}.`,
);
process.exit(failed === 0 ? 0 : 1);
