/**
 * `coatcheck revoke --all`: log every user out, e.g. after a breach. Pages through the store with
 * `Store.scan` and ends each session with `store.delete` (which also ends what a session was just
 * rotated to), after a confirmation unless `--yes`, with a progress bar on a terminal.
 */
import { storeCapabilities } from '../core/store.ts';
import type { CliArgs } from './args.ts';
import { LONG_OPERATION_MS, needs, type Output } from './commands.ts';
import { confirm } from './confirm.ts';
import type { Connection } from './connect.ts';
import { canInspect, inspectStore } from './inspect.ts';
import { progressBar } from './progress.ts';

/** The answer to the confirmation was not yes: nothing was revoked (exit code 1). */
export class NotConfirmedError extends Error {}

/** Where revoke --all asks and reports. */
export interface RevokeAllIo {
  readonly stdin: NodeJS.ReadableStream;
  readonly stderr: NodeJS.WritableStream & { readonly isTTY?: boolean };
}

/** Records read per scan call. */
const PAGE_SIZE = 500;
/** Deletes in flight at once: a network store answers them in parallel, SQLite one by one anyway. */
const PARALLEL_DELETES = 32;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** A store URL fit to print: no password. */
function redacted(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

/** How many records the store holds (live and expired-not-yet-purged). */
async function storedCount(c: Connection): Promise<number> {
  const { store } = c;
  if (storeCapabilities(store).count) return c.call('count', () => store.count!(), LONG_OPERATION_MS);
  const inspection = await inspectStore(store, c.call);
  let live = 0;
  for (const sessions of inspection.users.values()) live += sessions;
  return inspection.expired + live;
}

/** Ends every session of the store. @throws UnsupportedError without scan, NotConfirmedError on no. */
export async function revokeAll(c: Connection, args: CliArgs, io: RevokeAllIo): Promise<Output> {
  const { store } = c;
  needs(
    canInspect(store),
    'revoke every session (it offers no scan to enumerate them; use --user <id>, or flush the server)',
    store.name,
  );
  const scan = store.scan!.bind(store);
  const total = await storedCount(c);
  if (total === 0) return { json: { revoked: 0, expiredRemoved: 0 }, text: 'no sessions to revoke' };
  if (!args.yes) {
    const question = `Revoke all ${plural(total, 'session')} in the ${store.name} store at ${redacted(c.url)}? Every user will be logged out. Type "yes" to continue: `;
    if (!(await confirm(question, io.stdin, io.stderr)))
      throw new NotConfirmedError('not confirmed: nothing was revoked (pass --yes to skip the question)');
  }
  const bar = io.stderr.isTTY === true ? progressBar(io.stderr, total, 'revoking') : undefined;
  let revoked = 0;
  let expiredRemoved = 0;
  let done = 0;
  let cursor: string | undefined;
  try {
    do {
      const page = await c.call('scan', () => scan({ cursor, limit: PAGE_SIZE }));
      const now = Date.now();
      for (let i = 0; i < page.entries.length; i += PARALLEL_DELETES) {
        const batch = page.entries.slice(i, i + PARALLEL_DELETES);
        const removed = await Promise.all(batch.map(({ key }) => c.call('delete', () => store.delete(key))));
        batch.forEach(({ record }, j) => {
          // false: a parallel logout (or a purge) ended it first. A store on the first contract
          // answers undefined: the scan just listed the record, so it counts as removed.
          if (removed[j] === false) return;
          if (record.expiresAt > now) revoked += 1;
          else expiredRemoved += 1;
        });
        done += batch.length;
        bar?.update(done);
      }
      cursor = page.cursor;
    } while (cursor !== undefined);
  } finally {
    bar?.finish();
  }
  const extra = expiredRemoved === 0 ? '' : ` (and removed ${plural(expiredRemoved, 'expired session')})`;
  return {
    json: { revoked, expiredRemoved },
    text: `revoked ${plural(revoked, 'session')}${extra}: every user of the ${store.name} store is logged out`,
  };
}
