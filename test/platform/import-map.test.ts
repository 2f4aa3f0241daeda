/**
 * The `#platform/*` import map exists twice: the root package.json's (targets in dist/, what is
 * published and what apps resolve) and src/package.json's (the nearest package.json of every
 * source file, so tsx, tsc and Bun resolve src/ through the same conditions). They must agree,
 * condition for condition and in the same order, and every target must have its source file.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
type ImportMap = Record<string, Record<string, string>>;
const read = (file: string) => JSON.parse(readFileSync(`${root}${file}`, 'utf8')) as { imports?: ImportMap };
const published = read('package.json').imports ?? {};
const source = read('src/package.json').imports ?? {};

describe('#platform import map', () => {
  it('the published map is the source map with targets under dist/, same conditions in the same order', () => {
    assert.ok(Object.keys(source).length > 0, 'src/package.json has an imports map');
    const expected = Object.fromEntries(
      Object.entries(source).map(([name, conditions]) => [
        name,
        Object.entries(conditions).map(([condition, target]) => [
          condition,
          target.replace(/^\.\//, './dist/'),
        ]),
      ]),
    );
    const actual = Object.fromEntries(
      Object.entries(published).map(([name, conditions]) => [name, Object.entries(conditions)]),
    );
    assert.deepEqual(actual, expected);
  });

  it('every target is built from a source file, and every map ends with a default', () => {
    for (const [name, conditions] of Object.entries(source)) {
      assert.equal(Object.keys(conditions).at(-1), 'default', `${name}: the last condition is default`);
      for (const target of Object.values(conditions)) {
        const file = `${root}src/${target.replace(/^\.\//, '').replace(/\.js$/, '.ts')}`;
        assert.ok(existsSync(file), `${name}: ${file} exists`);
      }
    }
  });
});
