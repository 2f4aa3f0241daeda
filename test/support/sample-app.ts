/**
 * A framework sample app laid out as a user's project: a fresh directory under test-output/
 * (git-ignored, and inside this checkout so the app's `next`, `react` or `vite` resolve from the
 * checkout's node_modules by walking up), the app copied in, and coatcheck built into its
 * node_modules/coatcheck (`tsc -p tsconfig.build.json`, ESM and declarations, as `npm run build`),
 * so the app imports `coatcheck/...` through the package's exports like any installed package.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** A copied sample app with coatcheck installed in it. */
export interface SampleApp {
  readonly dir: string;
  cleanup(): Promise<void>;
}

/** Copies `source` (a directory of this checkout) into test-output/<prefix>XXXXXX with coatcheck built in. */
export async function prepareSampleApp(source: string, prefix: string): Promise<SampleApp> {
  await mkdir(join(REPO, 'test-output'), { recursive: true });
  const dir = await mkdtemp(join(REPO, 'test-output', prefix));
  await cp(join(REPO, source), dir, { recursive: true });
  const packageDir = join(dir, 'node_modules', 'coatcheck');
  await mkdir(packageDir, { recursive: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  await run(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', join(packageDir, 'dist')], {
    cwd: REPO,
    maxBuffer: 16 * 1024 * 1024,
  });
  await cp(join(REPO, 'package.json'), join(packageDir, 'package.json'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
