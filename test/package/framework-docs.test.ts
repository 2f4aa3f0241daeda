/**
 * The examples in docs/frameworks/next.md and sveltekit.md are the sample apps' files, byte for
 * byte: a block whose first line names a file (`// lib/sessions.ts`, `<!-- src/routes/+page.svelte -->`)
 * must equal that file of the app, which test/next and test/sveltekit build and run (for Next,
 * the first of its two sample apps that has the file: middleware.ts is the edge-middleware app's).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The blocks of `doc` that name a file: [path, content after the naming line]. */
function namedBlocks(doc: string): [string, string][] {
  const blocks: [string, string][] = [];
  for (const match of doc.matchAll(/```\w+\n(?:\/\/ (\S+)|<!-- (\S+) -->)\n([\s\S]*?)```/g)) {
    const path = match[1] ?? match[2];
    if (path !== undefined) blocks.push([path, match[3] ?? '']);
  }
  return blocks;
}

for (const [doc, apps, minimum] of [
  ['docs/frameworks/next.md', ['test/next/app', 'test/next/edge-app'], 6],
  ['docs/frameworks/sveltekit.md', ['test/sveltekit/app'], 6],
] as const) {
  describe(doc, () => {
    it(`${doc}: every example block is the sample app's file`, () => {
      const blocks = namedBlocks(readFileSync(join(root, doc), 'utf8'));
      assert.ok(blocks.length >= minimum, `${blocks.length} named blocks`);
      for (const [path, content] of blocks) {
        const app = apps.find((dir) => existsSync(join(root, dir, path)));
        assert.ok(app, `${doc}: ${path} is a file of ${apps.join(' or ')}`);
        assert.equal(content, readFileSync(join(root, app, path), 'utf8'), `${doc}: ${path}`);
      }
    });
  });
}
