/**
 * Every relative link in the README resolves to a file of the checkout, including the links of the
 * sections copied from docs/ (scripts/readme-sections.ts rebases them onto the README's folder).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('every relative link in README.md names a file that exists', () => {
  const readme = readFileSync(`${root}README.md`, 'utf8');
  let fenced = false;
  const broken: string[] = [];
  let links = 0;
  for (const line of readme.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    if (fenced) continue;
    for (const [, target = ''] of line.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^([a-z][a-z0-9+.-]*:|#)/i.test(target)) continue;
      links += 1;
      const path = target.split('#')[0] ?? '';
      if (!existsSync(`${root}${path}`)) broken.push(target);
    }
  }
  assert.ok(links > 20, `only ${links} relative links found: the scan is broken`);
  assert.deepStrictEqual(broken, [], 'broken relative links in README.md');
});
