/**
 * Memory per live session: coatcheck's memory store against express-session's MemoryStore, each
 * in a fresh child process with --expose-gc (session-memory.ts), in the same run.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TargetLine } from '../http/report.ts';

/** One library's heap bytes per live session. */
export interface MemoryResult {
  readonly library: 'coatcheck' | 'express-session';
  readonly sessions: number;
  readonly bytesPerSession: number;
}

const script = fileURLToPath(new URL('./session-memory.ts', import.meta.url));

/** Measures both libraries with `sessions` live sessions each. */
export function measureMemory(sessions: number): MemoryResult[] {
  const results: MemoryResult[] = [];
  for (const library of ['coatcheck', 'express-session'] as const) {
    process.stderr.write(`memory: ${sessions} ${library} sessions\n`);
    const child = spawnSync(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', script, library, String(sessions)],
      { encoding: 'utf8', env: { ...process.env, NODE_ENV: 'development' } },
    );
    const line = child.stdout.trim().split('\n').pop() ?? '';
    if (child.status !== 0 || !line.startsWith('{')) {
      process.stderr.write(`memory: ${library} failed: ${child.stderr}\n`);
      continue;
    }
    const { bytesPerSession } = JSON.parse(line) as { bytesPerSession: number };
    results.push({ library, sessions, bytesPerSession });
  }
  return results;
}

/** The memory results as a markdown table. */
export function memoryTable(results: readonly MemoryResult[]): string {
  const rows = results.map(
    (r) =>
      `| ${r.library === 'coatcheck' ? 'coatcheck memoryStore' : 'express-session MemoryStore'} | ${r.sessions} | ${Math.round(r.bytesPerSession)} |`,
  );
  return ['| store | live sessions | heap bytes per session |', '| --- | ---: | ---: |', ...rows].join('\n');
}

/** The memory target of the issue: coatcheck's store holds a session in no more heap than express-session's. */
export function memoryTargets(results: readonly MemoryResult[]): TargetLine[] {
  if (results.length === 0) return [];
  const ours = results.find((r) => r.library === 'coatcheck');
  const theirs = results.find((r) => r.library === 'express-session');
  const ratio = ours && theirs ? ours.bytesPerSession / theirs.bytesPerSession : undefined;
  return [
    {
      target: `Memory per live session (${ours?.sessions ?? theirs?.sessions} sessions, count = 1): coatcheck memoryStore ≤ express-session MemoryStore`,
      measured: `${ours ? Math.round(ours.bytesPerSession) : '-'} vs ${theirs ? Math.round(theirs.bytesPerSession) : '-'} heap bytes per session`,
      ratio,
      figure: ratio === undefined ? undefined : `${ratio.toFixed(2)}×`,
      goal: 1,
      atMost: true,
    },
  ];
}
