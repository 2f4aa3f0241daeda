/**
 * A framework sample app laid out as a user's project: a fresh directory under test-output/
 * (git-ignored, and inside this checkout so the app's `next`, `react` or `vite` resolve from the
 * checkout's node_modules by walking up), the app copied in, and coatcheck built into its
 * node_modules/coatcheck (tsc with tsconfig.build.json's options, ESM and declarations, as
 * `npm run build`), so the app imports `coatcheck/...` through the package's exports like any
 * installed package. Only the entries the app imports are compiled (their import graphs), which
 * on a loaded 2-core machine saves most of the build's time.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
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

/**
 * Copies `source` (a directory of this checkout) into test-output/<prefix>XXXXXX with coatcheck
 * built in: `entries` are the source files (under src/) of the subpaths the app imports.
 */
export async function prepareSampleApp(
  source: string,
  prefix: string,
  entries: readonly string[],
): Promise<SampleApp> {
  await mkdir(join(REPO, 'test-output'), { recursive: true });
  const dir = await mkdtemp(join(REPO, 'test-output', prefix));
  await cp(join(REPO, source), dir, { recursive: true });
  // The app's own package.json, as a user's project has one. Without it the nearest package.json
  // is this checkout's, named coatcheck, and `import 'coatcheck'` resolves to the checkout itself
  // (Node's self-reference, which bundlers follow too): its dist/, possibly stale, instead of the
  // copy built below.
  const manifest = join(dir, 'package.json');
  if (!existsSync(manifest)) {
    await writeFile(
      manifest,
      `${JSON.stringify({ name: `coatcheck-sample-${prefix.replace(/-$/, '')}`, private: true }, null, 2)}\n`,
    );
  }
  const packageDir = join(dir, 'node_modules', 'coatcheck');
  await mkdir(packageDir, { recursive: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const config = join(dir, 'tsconfig.coatcheck.json');
  await writeFile(
    config,
    JSON.stringify({
      extends: join(REPO, 'tsconfig.build.json'),
      // Type checking is `npm run typecheck`'s job; here it would only double the build's time.
      compilerOptions: { rootDir: join(REPO, 'src'), outDir: join(packageDir, 'dist'), noCheck: true },
      include: [],
      // src/platform/ too: its files are reached through package.json `imports` (#platform/*),
      // which tsc does not follow from the entries.
      files: [...entries.map((entry) => join(REPO, 'src', entry)), ...(await platformFiles())],
    }),
  );
  await run(process.execPath, [tsc, '-p', config], { cwd: REPO, maxBuffer: 16 * 1024 * 1024 });
  await rm(config);
  await cp(join(REPO, 'package.json'), join(packageDir, 'package.json'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

async function platformFiles(): Promise<string[]> {
  const dir = join(REPO, 'src', 'platform');
  return (await readdir(dir)).filter((name) => name.endsWith('.ts')).map((name) => join(dir, name));
}
