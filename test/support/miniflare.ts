/**
 * Cloudflare's local bindings for the D1 and KV store tests: one miniflare instance (workerd as
 * its child process) with a D1 database `DB` and a KV namespace `SESSIONS`, disposed after the
 * file's tests. Each file also gets the other binding, to check that passing it is refused.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { Miniflare } from 'miniflare';
import { bundleDocExample } from './doc-example.ts';

/** Starts the local bindings and registers their disposal. */
export function localCloudflare(): Miniflare {
  const mf = new Miniflare({
    modules: true,
    script: 'export default { fetch() { return new Response(null, { status: 404 }) } }',
    d1Databases: ['DB'],
    kvNamespaces: ['SESSIONS'],
    cf: false, // miniflare would otherwise fetch request.cf from Cloudflare
  });
  after(() => mf.dispose());
  return mf;
}

/**
 * Runs the Worker of a store page (its first ts block) in workerd with `bindings`, sends two
 * requests (the second with the first's cookie), hands the worker to `inspect`, and answers the
 * two bodies joined.
 */
export async function runDocWorker(
  doc: string,
  bindings: { d1Databases?: string[]; kvNamespaces?: string[] },
  inspect: (worker: Miniflare) => Promise<void> = async () => {},
): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'coatcheck-doc-worker-'));
  const worker = new Miniflare({
    modules: true,
    scriptPath: await bundleDocExample(doc, dir, ['workerd', 'worker']),
    modulesRoot: dir,
    compatibilityDate: '2026-04-01',
    cf: false,
    ...bindings,
  });
  try {
    const first = await worker.dispatchFetch('https://example.test/');
    const cookie = first.headers.get('set-cookie')?.split(';')[0] ?? '';
    const second = await worker.dispatchFetch('https://example.test/', { headers: { cookie } });
    const bodies = (await first.text()) + (await second.text());
    await inspect(worker);
    return bodies;
  } finally {
    await worker.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}
