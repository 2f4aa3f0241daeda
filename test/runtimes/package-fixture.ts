/**
 * coatcheck laid out as an app installs it: a temporary directory with node_modules/coatcheck
 * holding the package.json and a fresh build (`tsc -p tsconfig.build.json`, as `npm run build`),
 * its dependencies and hono linked from this checkout, and the runtime apps (apps/) beside it.
 * Apps there import `coatcheck/...` and resolve it through the package's exports and the built
 * `#platform/*` imports, with each runtime's own conditions.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** The installed package and its app directory. */
export interface PackageFixture {
  readonly dir: string;
  readonly apps: string;
  readonly packageDir: string;
  cleanup(): Promise<void>;
}

const LINKED = ['@noble/hashes', '@noble/ciphers', 'hono'];

export async function preparePackage(): Promise<PackageFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'coatcheck-runtimes-'));
  const packageDir = join(dir, 'node_modules', 'coatcheck');
  await mkdir(packageDir, { recursive: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  try {
    await run(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', join(packageDir, 'dist')], {
      cwd: REPO,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    // tsc exits 2 when it emitted despite type errors (the typecheck reports those); this suite
    // tests what was emitted, and fails below if nothing was.
    if ((error as { code?: number }).code !== 2) throw error;
  }
  await stat(join(packageDir, 'dist/index.js'));
  await cp(join(REPO, 'package.json'), join(packageDir, 'package.json'));
  for (const name of LINKED) {
    await mkdir(join(dir, 'node_modules', name, '..'), { recursive: true });
    await symlink(join(REPO, 'node_modules', name), join(dir, 'node_modules', name), 'dir');
  }
  const apps = join(dir, 'apps');
  await cp(join(REPO, 'test/runtimes/apps'), apps, { recursive: true });
  await writeFile(
    join(dir, 'package.json'),
    JSON.stringify({
      name: 'runtime-app',
      private: true,
      type: 'module',
      dependencies: { coatcheck: '*', hono: '*' },
    }),
  );
  // Deno: resolve bare specifiers from this node_modules, as Node does, without fetching anything.
  await writeFile(join(dir, 'deno.json'), JSON.stringify({ nodeModulesDir: 'manual' }));
  return { dir, apps, packageDir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
