import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CommitState, decideCommit } from '../../src/core/commit-decision.ts';

/** A loaded, live, unchanged session presented in a cookie: the baseline each case varies. */
const base: CommitState = {
  ticket: 'valid',
  ticketInCookie: true,
  found: true,
  changed: false,
  empty: false,
  rotated: false,
  destroyed: false,
  touchDue: false,
  staleSignature: false,
  persistentCookie: false,
  serverError: false,
};

const cases: Array<[string, Partial<CommitState>, string, string]> = [
  [
    'untouched request without a cookie: nothing',
    { ticket: 'none', ticketInCookie: false, found: undefined },
    'none',
    'none',
  ],
  ['untouched request with a cookie: nothing, no store call', { found: undefined }, 'none', 'none'],
  [
    'new session left empty: not stored, no cookie',
    { ticket: 'none', ticketInCookie: false, found: false, empty: true },
    'none',
    'none',
  ],
  [
    'new session with data: create + cookie',
    { ticket: 'none', ticketInCookie: false, found: false, changed: true },
    'create',
    'set',
  ],
  [
    'unknown ticket, session left empty: cookie left alone (a concurrent rotation may have replaced it)',
    { found: false, empty: true },
    'none',
    'none',
  ],
  [
    'unknown ticket, data written: fresh session under a new ticket',
    { found: false, changed: true },
    'create',
    'set',
  ],
  ['malformed cookie, untouched: clear it', { ticket: 'rejected', found: undefined }, 'none', 'clear'],
  [
    'malformed header ticket: nothing to clear',
    { ticket: 'rejected', ticketInCookie: false, found: undefined },
    'none',
    'none',
  ],
  ['loaded and unchanged, touch not due: nothing', {}, 'none', 'none'],
  ['loaded and unchanged, touch due: touch only', { touchDue: true }, 'touch', 'none'],
  [
    'touch due on a remembered session: touch and slide the cookie',
    { touchDue: true, persistentCookie: true },
    'touch',
    'set',
  ],
  ['changed: patch, cookie unchanged', { changed: true }, 'update', 'none'],
  [
    'changed on a persistent cookie, touch not due: patch, cookie unchanged',
    { changed: true, persistentCookie: true },
    'update',
    'none',
  ],
  [
    'changed on a persistent cookie, touch due: patch and slide the cookie with the window',
    { changed: true, persistentCookie: true, touchDue: true },
    'update',
    'set',
  ],
  [
    'changed with a stale signature: patch and re-issue',
    { changed: true, staleSignature: true },
    'update',
    'set',
  ],
  ['unchanged with a stale signature: re-issue only', { staleSignature: true }, 'none', 'set'],
  ['rotated: move to a new key and cookie', { rotated: true, changed: true }, 'rotate', 'set'],
  [
    'destroyed: cookie cleared (the record is already gone)',
    { destroyed: true, changed: true },
    'none',
    'clear',
  ],
  ['destroyed on a 5xx: still cleared', { destroyed: true, serverError: true }, 'none', 'clear'],
  ['changed on a 5xx: nothing saved', { changed: true, serverError: true }, 'none', 'none'],
  ['rotated on a 5xx: no login lands', { rotated: true, serverError: true }, 'none', 'none'],
  [
    'new session with data on a 5xx: nothing created',
    { ticket: 'none', ticketInCookie: false, found: false, changed: true, serverError: true },
    'none',
    'none',
  ],
];

describe('commit decision table', () => {
  for (const [title, change, store, cookie] of cases) {
    it(title, () => {
      assert.deepEqual(decideCommit({ ...base, ...change }), { store, cookie });
    });
  }
});
