/**
 * The commands that act on a store (`revoke --all` lives in revoke-all.ts). Each returns what to
 * print: a JSON value for `--json` and the text otherwise.
 */
import { performance } from 'node:perf_hooks';
import { UnsupportedError } from '../core/errors.ts';
import { type StoreEntry, storeCapabilities } from '../core/store.ts';
import type { CliArgs } from './args.ts';
import { type Connection, probeKey } from './connect.ts';
import { sessionRow, table } from './format.ts';
import { canInspect, inspectStore, topUsers as rankUsers } from './inspect.ts';
import { progressBar } from './progress.ts';

/** A command's result. */
export interface Output {
  readonly json: unknown;
  readonly text: string;
}

/** Long-running operations (purge, revoke of a large user) get this deadline instead of `--timeout`. */
export const LONG_OPERATION_MS = 60 * 60 * 1000;

/** Backends that expire records themselves: nothing is ever "expired but still stored". */
function expiresItself(name: string): boolean {
  return name === 'redis' || name === 'memcached';
}

/** @throws UnsupportedError (exit code 1) naming what the store cannot do, unless `ok`. */
export function needs(ok: boolean, what: string, store: string): void {
  if (!ok) throw new UnsupportedError(`The "${store}" store cannot ${what}.`);
}

/** `stats`: count, expired count, per-user top 10, round-trip latency. */
export async function stats(c: Connection): Promise<Output> {
  const { store } = c;
  const caps = storeCapabilities(store);
  const count = caps.count ? await c.call('count', () => store.count!(), LONG_OPERATION_MS) : null;
  const inspection = caps.scan ? await inspectStore(store, c.call) : undefined;
  const expired = inspection?.expired ?? (expiresItself(store.name) ? 0 : null);
  const topUsers = inspection === undefined ? null : rankUsers(inspection.users, 10);
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    await c.call('get', () => store.get(probeKey()));
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  const round = (ms: number) => Math.round(ms * 1000) / 1000;
  const latency = {
    samples: 5,
    minMs: round(samples[0] ?? 0),
    medianMs: round(samples[2] ?? 0),
    maxMs: round(samples[4] ?? 0),
  };
  const json = { store: store.name, count, expired, topUsers, latency };
  const lines = [
    `store      ${store.name}`,
    `sessions   ${count === null ? 'n/a (this store cannot count)' : `${count} (live and not yet purged)`}`,
    `expired    ${expired === null ? 'n/a (this store cannot be enumerated: it offers no scan)' : expiresItself(store.name) ? '0 (the backend deletes expired sessions itself)' : `${expired} (removed by \`coatcheck purge\`)`}`,
    `latency    ${latency.medianMs} ms median of 5 get round trips (min ${latency.minMs}, max ${latency.maxMs})`,
  ];
  if (topUsers === null) lines.push('top users  n/a (this store cannot be enumerated: it offers no scan)');
  else if (topUsers.length === 0) lines.push('top users  none (no logged-in sessions)');
  else
    lines.push(
      'top users',
      table(
        ['  USER', 'SESSIONS'],
        topUsers.map((u) => [`  ${u.userId}`, String(u.sessions)]),
      ),
    );
  return { json, text: lines.join('\n') };
}

/** `list`: one user's sessions, or the most recently seen ones. */
export async function list(c: Connection, args: CliArgs): Promise<Output> {
  const { store } = c;
  let entries: StoreEntry[];
  if (args.user !== undefined) {
    needs(storeCapabilities(store).userIndex, "list a user's sessions (it keeps no user index)", store.name);
    entries = (await c.call('listByUser', () => store.listByUser!(args.user!))).sort(
      (a, b) => b.record.lastSeenAt - a.record.lastSeenAt,
    );
  } else {
    needs(canInspect(store), 'list every session (it offers no scan; use --user <id>)', store.name);
    entries = (await inspectStore(store, c.call, args.limit)).recent;
  }
  const rows = entries.slice(0, args.limit).map(sessionRow);
  const text =
    rows.length === 0
      ? 'no live sessions'
      : table(
          ['KEY', 'USER', 'CREATED', 'LAST SEEN', 'EXPIRES', 'IP', 'BROWSER'],
          rows.map((r) => [
            r.key,
            r.userId ?? '-',
            r.createdAt,
            r.lastSeenAt,
            r.expiresAt,
            r.ip ?? '-',
            r.userAgent ?? '-',
          ]),
        );
  return { json: rows, text };
}

/** `revoke --user` (every session of a user) and `revoke --session` (one session by store key). */
export async function revoke(c: Connection, args: CliArgs): Promise<Output> {
  const { store } = c;
  if (args.user !== undefined) {
    const user = args.user;
    needs(
      storeCapabilities(store).userIndex,
      "revoke a user's sessions (it keeps no user index)",
      store.name,
    );
    const revoked = await c.call('deleteByUser', () => store.deleteByUser!(user), LONG_OPERATION_MS);
    return {
      json: { revoked, user },
      text: `revoked ${revoked} session${revoked === 1 ? '' : 's'} of user ${user}`,
    };
  }
  const key = args.session!;
  // The read tells a live session from an expired one (stores that keep expired rows return
  // them); the delete says whether it removed anything, which for a rotated-away key the read
  // cannot see: the session it moved to, which the delete ends. A store written to the first
  // contract answers the delete with undefined: the read alone decides then.
  const record = await c.call('get', () => store.get(key));
  const removed = await c.call('delete', () => store.delete(key));
  const revoked =
    record === undefined ? removed === true : record.expiresAt > Date.now() && removed !== false;
  return {
    json: { revoked: revoked ? 1 : 0, session: key },
    text: revoked ? `revoked session ${key}` : `no live session with key ${key} (nothing to revoke)`,
  };
}

/** `purge`: delete expired sessions, with a progress bar on a terminal; `--dry-run` only counts. */
export async function purge(c: Connection, args: CliArgs, stderr: NodeJS.WriteStream): Promise<Output> {
  const { store } = c;
  const scans = canInspect(store);
  const expiredCount = async () => (await inspectStore(store, c.call)).expired;
  if (args.dryRun) {
    needs(
      scans || expiresItself(store.name),
      'count expired sessions without deleting them (it offers no scan)',
      store.name,
    );
    const expired = scans ? await expiredCount() : 0;
    return {
      json: { dryRun: true, expired },
      text: `dry run: ${expired} expired session${expired === 1 ? '' : 's'} would be purged`,
    };
  }
  needs(storeCapabilities(store).purge, 'purge (it has no purgeExpired)', store.name);
  const started = performance.now();
  let stopProgress = () => {};
  if (stderr.isTTY === true && scans) {
    const total = await expiredCount();
    const bar = progressBar(stderr, total, 'purging');
    // The store purges in batches and yields between them; each poll scans for what is left, and
    // the next poll starts 100 ms after the previous one ended, so polls never pile up.
    let timer: NodeJS.Timeout | undefined;
    let polling = true;
    const poll = () => {
      timer = setTimeout(() => {
        expiredCount().then(
          (left) => {
            if (!polling) return;
            bar.update(total - left);
            poll();
          },
          () => {},
        );
      }, 100);
    };
    poll();
    stopProgress = () => {
      polling = false;
      clearTimeout(timer);
      bar.update(total);
      bar.finish();
    };
  }
  let removed: number;
  try {
    removed = await c.call('purgeExpired', () => store.purgeExpired!(), LONG_OPERATION_MS);
  } finally {
    stopProgress();
  }
  const seconds = Math.round(performance.now() - started) / 1000;
  const note = expiresItself(store.name) ? ' (the backend deletes expired sessions itself)' : '';
  return {
    json: { purged: removed, seconds },
    text: `purged ${removed} expired session${removed === 1 ? '' : 's'} in ${seconds} s${note}`,
  };
}

/** `migrate`: create or upgrade the store's schema, where it has one. */
export async function migrate(c: Connection): Promise<Output> {
  const { store } = c;
  const run = (store as { migrate?: () => Promise<void> }).migrate;
  if (typeof run !== 'function')
    return {
      json: { migrated: false, store: store.name },
      text: `nothing to migrate: the ${store.name} store keeps no schema`,
    };
  await c.call('migrate', () => run.call(store), LONG_OPERATION_MS);
  return { json: { migrated: true, store: store.name }, text: `migrated the ${store.name} store` };
}
