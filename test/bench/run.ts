/**
 * Runs the benchmarks: `npm run bench` runs every `*.bench.ts` file in this
 * directory, `npm run bench -- <filter>` only those whose name contains the
 * filter (for example `npm run bench -- auth`), and `--quick` (or
 * `npm run bench:quick`) runs them all briefly, as a smoke test. Each topic
 * runs in its own Node process, so one topic's heap and JIT state cannot
 * colour another's; within a topic, the contenders of every comparison run
 * interleaved in rounds in one process (see rounds.ts). The runner ends with
 * every topic's targets in one table. `--write-docs` (a full run only) also
 * writes the whole run into docs/performance.md, between its
 * `bench:begin` and `bench:end` comment markers (see docs-section.ts).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
import { nestHeadings, replaceBenchSection } from './docs-section.js';
import { markdownGrid } from './harness.js';
import { targetRows, type TargetLine } from './rounds.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const writeDocs = args.includes('--write-docs');
const filter = (args.find((a) => !a.startsWith('--')) ?? '').toLowerCase();
const docsPage = join(root, 'docs', 'performance.md');
const topics = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .sort((a, b) => order(a) - order(b) || a.localeCompare(b));
const selected = topics.filter((f) => f.toLowerCase().includes(filter));

function order(file: string): number {
  const i = ['authorization', 'tokens', 'hashers', 'scale', 'registry', 'stores'].findIndex((t) => file.startsWith(t));
  return i === -1 ? 99 : i;
}

if (writeDocs && (quick || filter !== '')) {
  console.error('--write-docs writes a whole run into docs/performance.md: run it alone, without --quick or a filter.');
  process.exit(2);
}
// Fails now, not after the run, if the markers are lost.
if (writeDocs) replaceBenchSection(readFileSync(docsPage, 'utf8'), '');

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

// Everything printed is also kept, for --write-docs.
const printed: string[] = [];
const say = (text: string): void => {
  console.log(text);
  printed.push(text);
};
const startedAt = new Date();
const header: string[] = [];
const note = (line: string): void => {
  header.push(line);
  say(line);
};
console.log('# org-access-tokens benchmarks\n');
note(`- started: ${startedAt.toISOString()}`);
note(
  `- machine: ${availableParallelism()} CPUs (${cpu}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB memory, load ` +
    `average ${load} at start`,
);
note(
  `- Node ${process.version} (V8 ${process.versions.v8}, OpenSSL ${process.versions.openssl}), ` +
    `${process.platform} ${process.arch}`,
);
note(
  `- packages: org-access-tokens ${version('.')}, @casl/ability ${version('@casl/ability')}, casbin ` +
    `${version('casbin')}, ` +
    `jose ${version('jose')}, fast-jwt ${version('fast-jwt')}, bcryptjs ${version('bcryptjs')}, pg ` +
    `${version('pg')}, better-sqlite3 ${version('better-sqlite3')}, tsx ${version('tsx')}`,
);
note(
  `- code: commit ` +
    `${commit}${srcChanges === 0 ? ', src/ as committed' : `, with ${srcChanges} uncommitted change(s) under src/`}`,
);
note(
  `- topics: ${selected.map((f) => f.replace('.bench.ts', '')).join(', ')}` +
    `${filter === '' ? '' : ` (filter "${filter}")`}` +
    `${quick ? ', QUICK MODE (smoke run: the figures mean nothing)' : ''}`,
);

const started = Date.now();
let failed = 0;
// Each topic appends its target lines here; the runner repeats them all at the end.
const targetsDir = mkdtempSync(join(tmpdir(), 'oat-bench-targets-'));
const targetsFile = join(targetsDir, 'targets.jsonl');
const cpuFile = join(targetsDir, 'cpu.txt');
const env = {
  ...process.env,
  OAT_BENCH_TARGETS: targetsFile,
  OAT_BENCH_QUICK: quick ? '1' : '0',
  OAT_BENCH_CPU: cpuFile,
};
/** CPU seconds of the topic processes that have exited so far. */
const cpuSoFar = (): number =>
  safeRead(cpuFile)
    .split('\n')
    .filter((l) => l !== '')
    .reduce((a, l) => a + Number(l), 0);

/** Runs one topic, echoing its output as it comes and keeping it; resolves with its exit code. */
function runTopic(file: string): Promise<{ readonly code: number | null; readonly output: string }> {
  // --expose-gc lets a topic settle the heap; the larger heap leaves room for a million stored tokens.
  const child = spawn(
    process.execPath,
    [
      '--expose-gc',
      '--max-old-space-size=8192',
      '--import',
      'tsx',
      '--import',
      join(here, 'cpu-report.ts'),
      join(here, file),
    ],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
      env,
    },
  );
  const chunks: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    process.stdout.write(chunk);
  });
  return new Promise((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, output: Buffer.concat(chunks).toString('utf8') }));
  });
}

for (const file of selected) {
  const topicStart = Date.now();
  const cpuBefore = cpuSoFar();
  const { code, output } = await runTopic(file);
  printed.push(output);
  if (code !== 0) {
    failed++;
    say(`\n${file} failed (exit ${code})`);
  }
  say(
    `\n_${file}: ${((Date.now() - topicStart) / 1000).toFixed(1)} s (CPU ` +
      `${(cpuSoFar() - cpuBefore).toFixed(1)} s in its processes)_`,
  );
}
const lines: TargetLine[] = safeRead(targetsFile)
  .split('\n')
  .filter((l) => l !== '')
  .map((l) => JSON.parse(l) as TargetLine);
const goals = lines.filter((l) => l.met !== undefined);
const aligned = [false, true, true, true, true];
const glance =
  goals.length === 0 ? '' : markdownGrid(['target', 'goal', 'median', 'min–max', 'status'], targetRows(goals), aligned);
if (glance !== '') console.log(`\n### Targets at a glance (every topic)\n\n${glance}`);
const seconds = (Date.now() - started) / 1000;
const loadAtEnd = safeRead('/proc/loadavg').split(' ').slice(0, 3).join(' ');
say(
  `\nTotal: ${seconds.toFixed(1)} s (CPU ${cpuSoFar().toFixed(1)} s in the topic processes), ` +
    `${selected.length - failed} of ${selected.length} topics completed; load average at the end ${loadAtEnd}.`,
);
if (writeDocs) {
  if (failed > 0) {
    console.error(`\n${failed} topic(s) failed: docs/performance.md left as it was.`);
  } else {
    const section = [
      '<!-- Written by `npm run bench -- --write-docs`; the next such run replaces everything up to bench:end. -->',
      '',
      '## Targets at a glance',
      '',
      `From the run below: ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC, commit \`${commit}\`, ` +
        `load average ${load} at the start and ${loadAtEnd} at the end, ${seconds.toFixed(1)} s in all ` +
        `(CPU ${cpuSoFar().toFixed(1)} s in the topic processes). ` +
        'A target is met when its median meets the goal.',
      '',
      glance,
      '',
      '## Results of the run',
      '',
      'The runner printed:',
      '',
      nestHeadings(printed.join('\n')),
    ].join('\n');
    writeFileSync(docsPage, replaceBenchSection(readFileSync(docsPage, 'utf8'), section));
    console.log('\nWrote the run into docs/performance.md (between bench:begin and bench:end).');
  }
}
rmSync(targetsDir, { recursive: true, force: true });
process.exit(failed === 0 ? 0 : 1);
