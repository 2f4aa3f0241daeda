/**
 * The bundles for runtimes that get one: workerd and the edge runtime (deployed bundled, as
 * wrangler and Next.js do, with their export conditions), and Deno's conformance run (whose own
 * `node:test` cannot run coatcheck/testing's async suite). Only the test harness is redirected:
 * `node:test`, `node:assert/strict` and `node:crypto` imported from coatcheck/testing or the apps
 * go to harness/mini-*.ts; any other `node:` import, coatcheck's own above all, fails the
 * workerd and edge builds. The metafile says which `#platform/*` variants were bundled.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile, type Plugin } from 'esbuild';
import type { PackageFixture } from './package-fixture.ts';

const HARNESS = fileURLToPath(new URL('./harness/', import.meta.url));
const SHIMS: Record<string, string> = {
  'node:test': join(HARNESS, 'mini-test.ts'),
  'node:assert/strict': join(HARNESS, 'mini-assert.ts'),
  'node:crypto': join(HARNESS, 'mini-crypto.ts'),
};

/** Redirects the harness's Node imports (those in `shimmed`) to the stand-ins. */
function harnessShims(fixture: PackageFixture, shimmed: readonly string[]): Plugin {
  const testing = join(fixture.packageDir, 'dist', 'testing');
  return {
    name: 'coatcheck-harness-shims',
    setup(b) {
      b.onResolve({ filter: /^node:/ }, (args) => {
        const harness = args.importer.startsWith(testing) || args.importer.startsWith(fixture.apps);
        if (!harness || !shimmed.includes(args.path)) return undefined;
        return { path: SHIMS[args.path]! };
      });
    },
  };
}

/** One built bundle and the coatcheck modules in it (paths relative to the package's dist/). */
export interface Bundle {
  readonly file: string;
  readonly modules: readonly string[];
}

function coatcheckModules(metafile: Metafile): string[] {
  const prefix = 'node_modules/coatcheck/dist/';
  return Object.keys(metafile.inputs)
    .map((input) => input.replaceAll('\\', '/'))
    .filter((input) => input.includes(prefix))
    .map((input) => input.slice(input.indexOf(prefix) + prefix.length))
    .sort();
}

async function bundle(
  fixture: PackageFixture,
  entry: string,
  out: string,
  options: { platform: 'browser' | 'node'; format: 'esm' | 'iife'; conditions: string[]; shimmed: string[] },
): Promise<Bundle> {
  const file = join(fixture.dir, out);
  const result = await build({
    entryPoints: [join(fixture.apps, entry)],
    outfile: file,
    bundle: true,
    platform: options.platform,
    format: options.format,
    conditions: options.conditions,
    target: 'es2022',
    // What a production deployment build substitutes (wrangler, next build); esbuild would
    // otherwise define "development" for the browser platform. Deno's bundle keeps the real read.
    define: options.platform === 'browser' ? { 'process.env.NODE_ENV': '"production"' } : {},
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: fixture.dir,
    plugins: [harnessShims(fixture, options.shimmed)],
  });
  return { file, modules: coatcheckModules(result.metafile) };
}

const ALL_SHIMS = Object.keys(SHIMS);

/** workerd: an ES module Worker, wrangler's conditions. */
export const workerdBundle = (fixture: PackageFixture) =>
  bundle(fixture, 'worker.js', 'worker.bundle.js', {
    platform: 'browser',
    format: 'esm',
    conditions: ['workerd', 'worker'],
    shimmed: ALL_SHIMS,
  });

/** The edge runtime: a classic script (it evaluates one), Next.js's edge conditions. */
export const edgeBundle = (fixture: PackageFixture) =>
  bundle(fixture, 'edge.js', 'edge.bundle.js', {
    platform: 'browser',
    format: 'iife',
    conditions: ['edge-light', 'worker'],
    shimmed: ALL_SHIMS,
  });

/** Deno's conformance run: Deno's conditions; Deno's own node:assert and node:crypto stay. */
export const denoConformanceBundle = (fixture: PackageFixture) =>
  bundle(fixture, 'conformance-deno.js', 'conformance-deno.bundle.js', {
    platform: 'node',
    format: 'esm',
    conditions: ['deno'],
    shimmed: ['node:test'],
  });
