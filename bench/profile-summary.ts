/**
 * Summarises `--cpu-prof` profiles written by `BENCH_CPU_PROF=<dir> npm run bench`: self time by
 * module area (coatcheck src/, framework, node internals) and the coatcheck functions that cost
 * the most. Usage: `node --import tsx bench/profile-summary.ts <dir-or-file>...`.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

interface Node {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly Node[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

function area(url: string): string {
  for (const dir of ['/src/', '/dist/']) {
    if (url.includes(dir) && !url.includes('node_modules'))
      return `coatcheck ${url.slice(url.indexOf(dir) + 1)}`;
  }
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return `package ${nm[1]}`;
  if (url.startsWith('node:')) return 'node internals';
  if (url.includes('/bench/')) return 'bench harness';
  return url === '' ? '(native: I/O syscalls, regexps, builtins)' : 'other';
}

function summarise(file: string, label: string): void {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (const [i, id] of profile.samples.entries()) {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  let total = 0;
  let idle = 0;
  const areas = new Map<string, number>();
  const ours = new Map<string, number>();
  for (const [id, us] of self) {
    const frame = byId.get(id)?.callFrame;
    if (frame === undefined) continue;
    if (frame.functionName === '(idle)') {
      idle += us;
      continue;
    }
    total += us;
    const a = frame.functionName === '(garbage collector)' ? '' : area(frame.url);
    if (a !== '') areas.set(a, (areas.get(a) ?? 0) + us);
    if (frame.functionName === '(garbage collector)')
      areas.set('(garbage collector)', (areas.get('(garbage collector)') ?? 0) + us);
    else if (a.startsWith('coatcheck')) {
      const key = `${a.slice(10)}:${frame.lineNumber + 1} ${frame.functionName || '(anonymous)'}`;
      ours.set(key, (ours.get(key) ?? 0) + us);
    }
  }
  const pct = (us: number) => `${((100 * us) / total).toFixed(1)} %`;
  const top = (m: Map<string, number>, n: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => `  ${pct(v).padStart(7)}  ${k}`);
  const oursTotal = [...ours.values()].reduce((a, b) => a + b, 0);
  process.stdout.write(
    [
      `${label} (${file}): ${(total / 1000).toFixed(0)} ms busy, ${(idle / 1000).toFixed(0)} ms idle; coatcheck self time ${pct(oursTotal)}`,
      'by area (self time):',
      ...top(areas, 12),
      'coatcheck functions (self time):',
      ...top(ours, 15),
      '',
    ].join('\n'),
  );
}

for (const arg of process.argv.slice(2)) {
  const dir = statSync(arg).isDirectory();
  // Main-thread profiles only (`.0.`): the others are tsx's loader thread, idle after start-up.
  const files = dir
    ? readdirSync(arg)
        .filter((f) => /\.0\.\d+\.cpuprofile$/.test(f))
        .map((f) => join(arg, f))
    : [arg];
  const labels = new Map<string, string>();
  const list = dir ? join(arg, 'variants.txt') : join(arg, '..', 'variants.txt');
  if (existsSync(list)) {
    for (const line of readFileSync(list, 'utf8').split('\n')) {
      const [pid, id] = line.split(' ');
      if (pid && id) labels.set(pid, id);
    }
  }
  for (const file of files) summarise(file, labels.get(/\.(\d+)\.0\./.exec(file)?.[1] ?? '') ?? 'variant ?');
}
