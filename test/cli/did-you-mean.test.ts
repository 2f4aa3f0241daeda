import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { closest, editDistance, suggestion } from '../../src/cli/did-you-mean.ts';

describe('did you mean', () => {
  test('edit distance counts insertions, deletions, substitutions and neighbour swaps as one each', () => {
    assert.equal(editDistance('list', 'list'), 0);
    assert.equal(editDistance('stat', 'stats'), 1);
    assert.equal(editDistance('lsit', 'list'), 1, 'a swap');
    assert.equal(editDistance('purge', 'purje'), 1);
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(editDistance('', 'abc'), 3);
    assert.equal(editDistance('abc', ''), 3);
    assert.equal(editDistance('ca', 'abc'), 3, 'optimal string alignment, not full Damerau');
  });

  test('the closest word within the typo budget, case-insensitive, earlier on ties', () => {
    const commands = ['stats', 'list', 'revoke', 'purge', 'migrate', 'help'];
    assert.equal(closest('STATS', commands), 'stats');
    assert.equal(closest('revkoe', commands), 'revoke');
    assert.equal(closest('migrat', commands), 'migrate');
    assert.equal(closest('x', commands), undefined, 'one letter is no typo of anything');
    assert.equal(closest('frobnicate', commands), undefined);
    assert.equal(closest('lst', ['list', 'lost']), 'list', 'a tie goes to the earlier word');
    assert.equal(
      suggestion('usr', ['user', 'json'], (w) => `--${w}`),
      '; did you mean --user?',
    );
    assert.equal(suggestion('zzzz', ['user']), '');
  });
});
