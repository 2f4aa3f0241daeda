/**
 * Cloudflare's local bindings for the D1 and KV store tests: one miniflare instance (workerd as
 * its child process) with a D1 database `DB` and a KV namespace `SESSIONS`, disposed after the
 * file's tests. Each file also gets the other binding, to check that passing it is refused.
 */
import { after } from 'node:test';
import { Miniflare } from 'miniflare';

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
