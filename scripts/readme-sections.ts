/**
 * The README carries the reference sections users look for there (a section per store, an example
 * per framework, the migration guide, the demo walkthrough, the CLI reference). Their text lives in
 * docs/, one file per topic; this script copies each into the README between markers, demoting
 * headings by two levels (under a README `##` section; the install section, which is one, by one). `npm run readme` writes; `test/package/readme.test.ts` fails on drift.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, posix } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));

/** README marker name → the docs it is made of, in order. */
export const SECTIONS: Record<string, readonly string[]> = {
  install: ['docs/install.md'],
  stores: [
    'docs/stores/memory.md',
    'docs/stores/sqlite.md',
    'docs/stores/fs.md',
    'docs/stores/redis.md',
    'docs/stores/postgres.md',
    'docs/stores/mysql.md',
    'docs/stores/kysely.md',
    'docs/stores/drizzle.md',
    'docs/stores/memcached.md',
    'docs/stores/dynamodb.md',
    'docs/stores/d1.md',
    'docs/stores/kv.md',
    'docs/stores/deno-kv.md',
    'docs/stores/cache.md',
  ],
  adapters: ['docs/adapters.md', 'docs/migrating-from-express-session.md'],
  tools: ['docs/demo.md', 'docs/cli.md', 'docs/observability.md'],
};

/** How many levels a section's headings go down (2 unless named): install is a README `##` section itself. */
const DEMOTE: Record<string, number> = { install: 1 };

function demote(markdown: string, levels: number): string {
  let fenced = false;
  const prefix = '#'.repeat(levels);
  return markdown
    .split('\n')
    .map((line) => {
      if (line.startsWith('```')) fenced = !fenced;
      return !fenced && /^#{1,4} /.test(line) ? `${prefix}${line}` : line;
    })
    .join('\n')
    .trim();
}

/**
 * Rewrites the relative links of `file` (a path under the root) so they resolve from the README,
 * outside code fences: `[x](frameworks/koa.md)` in docs/adapters.md becomes `[x](docs/frameworks/koa.md)`.
 * Absolute URLs, anchors and root-relative paths stay as they are.
 */
export function rebaseLinks(markdown: string, file: string): string {
  const from = dirname(file);
  let fenced = false;
  return markdown
    .split('\n')
    .map((line) => {
      if (line.startsWith('```')) fenced = !fenced;
      if (fenced) return line;
      return line.replace(/\]\(([^)\s]+)\)/g, (whole, target: string) => {
        if (/^([a-z][a-z0-9+.-]*:|#|\/)/i.test(target)) return whole;
        return `](${posix.normalize(posix.join(from, target))})`;
      });
    })
    .join('\n');
}

/** The README with every marked section rebuilt from docs/. */
export function renderReadme(readme: string): string {
  let result = readme;
  for (const [name, files] of Object.entries(SECTIONS)) {
    const start = `<!-- docs:${name} -->`;
    const end = `<!-- /docs:${name} -->`;
    const from = result.indexOf(start);
    const to = result.indexOf(end);
    if (from === -1 || to < from) throw new Error(`README.md lacks the markers ${start} … ${end}`);
    const levels = DEMOTE[name] ?? 2;
    const body = files
      .map((file) => demote(rebaseLinks(readFileSync(`${root}${file}`, 'utf8'), file), levels))
      .join('\n\n');
    result = `${result.slice(0, from + start.length)}\n\n${body}\n\n${result.slice(to)}`;
  }
  return result;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const path = `${root}README.md`;
  writeFileSync(path, renderReadme(readFileSync(path, 'utf8')));
  console.log('README.md sections rebuilt from docs/');
}
