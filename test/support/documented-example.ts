/**
 * A docs page shows its runnable example file verbatim, as a user would write it: without the
 * file's header comment, its imports of the source spelled as the package's (`coatcheck/...`).
 * The tests that run an example check the page first, so page and example cannot drift apart.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** `examples/<file>` as the docs show it. */
export function asDocumented(file: string): string {
  const source = readFileSync(`${root}examples/${file}`, 'utf8');
  const body = source.slice(source.indexOf('*/') + 3).trimStart();
  return body
    .replace(/'(?:\.\.\/)+src\/adapters\//g, "'coatcheck/")
    .replace(/'(?:\.\.\/)+src\/stores\//g, "'coatcheck/stores/")
    .replace(/'(?:\.\.\/)+src\/index\.ts'/g, "'coatcheck'")
    .replace(/('coatcheck\/[a-z/-]+)\.ts'/g, "$1'");
}

/** Fails unless `docs/<page>` contains `examples/<file>` as a ```ts block, verbatim. */
export function assertShown(page: string, file: string): void {
  const docs = readFileSync(`${root}docs/${page}`, 'utf8');
  assert.ok(
    docs.includes(`\`\`\`ts\n${asDocumented(file)}\`\`\``),
    `docs/${page} shows examples/${file} verbatim (imports as coatcheck/...)`,
  );
}
