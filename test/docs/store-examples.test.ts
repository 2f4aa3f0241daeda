/**
 * Every store page in docs/stores/ has a runnable example the suite runs as written: here for the
 * pages whose example lives under "## Runnable example" (two visits with the cookie count 1 and
 * 2; stores needing a server run against the test services, skipped as the store suites are), and
 * elsewhere for kysely, drizzle (test/stores/orm/docs-examples.test.ts) and dynamodb
 * (test/stores/dynamodb.test.ts).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { block, exampleDirs, visitsTwice } from '../support/docs-app.ts';
import { type ServiceName, serviceSkipReason, serviceUrls } from '../support/services.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Page → the service its example needs and the environment that points the example at it. */
const pages: Record<string, { service?: ServiceName; env?: () => Record<string, string> }> = {
  'memory.md': {},
  'sqlite.md': {},
  'fs.md': {},
  'cache.md': {},
  'redis.md': { service: 'redis', env: () => ({ REDIS_URL: serviceUrls.redis }) },
  'postgres.md': { service: 'postgres', env: () => ({ DATABASE_URL: serviceUrls.postgres }) },
  'mysql.md': { service: 'mysql', env: () => ({ MYSQL_URL: serviceUrls.mysql }) },
  'memcached.md': {
    service: 'memcached',
    env: () => ({ MEMCACHED_SERVER: new URL(serviceUrls.memcached).host }),
  },
};

/** Pages whose example another test file runs. */
const runElsewhere: Record<string, string> = {
  'kysely.md': 'test/stores/orm/docs-examples.test.ts',
  'drizzle.md': 'test/stores/orm/docs-examples.test.ts',
  'dynamodb.md': 'test/stores/dynamodb.test.ts',
  'd1.md': 'test/stores/d1.test.ts',
  'kv.md': 'test/stores/kv.test.ts',
  'deno-kv.md': 'test/stores/deno-kv.test.ts',
};

describe('store pages: runnable examples', () => {
  const { fresh, cleanup } = exampleDirs('store-docs-');
  after(cleanup);

  it('every page in docs/stores/ has its example run by a test', () => {
    for (const page of readdirSync(join(root, 'docs', 'stores')).filter((file) => file.endsWith('.md'))) {
      const runner = runElsewhere[page];
      if (runner === undefined) {
        assert.ok(page in pages, `docs/stores/${page}: add it to this file's pages`);
        continue;
      }
      assert.match(
        readFileSync(join(root, runner), 'utf8'),
        new RegExp(page.replace('.', '\\.')),
        `${runner} runs ${page}`,
      );
    }
  });

  for (const [page, { service, env }] of Object.entries(pages)) {
    it(`${page.replace('.md', '')}: the page's runnable example counts visits with its cookie`, async (t) => {
      const skip = service === undefined ? undefined : await serviceSkipReason(service);
      if (skip !== undefined) {
        t.skip(skip);
        return;
      }
      const dir = fresh();
      writeFileSync(join(dir, 'app.ts'), block(page, '## Runnable example'));
      assert.deepStrictEqual(await visitsTwice(dir, env?.() ?? {}), ['visit 1\n', 'visit 2\n']);
    });
  }
});
