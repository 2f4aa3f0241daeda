/**
 * The runnable examples of docs/stores/kysely.md and docs/stores/drizzle.md run as written, with
 * their `coatcheck` imports pointed at the source: in a fresh directory (for Drizzle after
 * `drizzle-kit generate` on the page's schema file), two visits with the cookie count 1 and 2.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { block, exampleDirs, visitsTwice } from '../../support/docs-app.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const run = promisify(execFile);

describe('the ORM stores docs examples', () => {
  const { fresh, cleanup } = exampleDirs('orm-docs-');
  after(cleanup);

  it('kysely: the migrator creates the table and the app counts visits', async () => {
    const dir = fresh();
    writeFileSync(join(dir, 'app.ts'), block('kysely.md', '## Runnable example'));
    assert.deepStrictEqual(await visitsTwice(dir), ['visit 1\n', 'visit 2\n']);
  });

  it('drizzle: drizzle-kit generates the migration from the schema, the app migrates and counts visits', async () => {
    const dir = fresh();
    writeFileSync(join(dir, 'schema.ts'), block('drizzle.md', '## Schema'));
    writeFileSync(join(dir, 'app.ts'), block('drizzle.md', '## Runnable example'));
    await run(
      join(root, 'node_modules', '.bin', 'drizzle-kit'),
      ['generate', '--dialect=sqlite', '--schema=./schema.ts'],
      {
        cwd: dir,
      },
    );
    assert.deepStrictEqual(await visitsTwice(dir), ['visit 1\n', 'visit 2\n']);
  });
});
