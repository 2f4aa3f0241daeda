/**
 * `coatcheck revoke --session` on the filesystem store, where the key an operator has may be a
 * rotated-away one and expired sessions stay until a purge.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fsStore } from '../../src/stores/fs.ts';
import { rotationOf } from '../../src/testing/conformance-rotation.ts';
import { jsonOf, runCli } from './run-cli.ts';
import { newKey, record } from './seed.ts';

describe('coatcheck CLI on fs', () => {
  const directory = mkdtempSync(join(tmpdir(), 'coatcheck-cli-fs-'));
  after(() => rmSync(directory, { recursive: true, force: true }));
  const url = `file:${directory}`;

  test('fs: revoke by a rotated-away key ends the session it moved to; an expired one is not counted', async () => {
    const store = fsStore({ directory, pruneIntervalMs: 0 });
    const [oldKey, movedTo, expired] = [newKey(), newKey(), newKey()];
    await store.create(oldKey, record('dana'));
    assert.equal(await store.rotate(oldKey, movedTo, rotationOf({}, 'dana')), 'rotated');
    await store.create(expired, record('erin', true));
    const moved = await runCli(['revoke', '--store', url, '--session', oldKey, '--json']);
    assert.equal(moved.code, 0, moved.stderr);
    assert.deepEqual(jsonOf(moved), { revoked: 1, session: oldKey });
    assert.equal(await store.get(movedTo), undefined, 'the session it moved to is over');
    const dead = await runCli(['revoke', '--store', url, '--session', expired]);
    assert.equal(dead.code, 0, dead.stderr);
    assert.match(dead.stdout, /nothing to revoke/);
    assert.equal(await store.count(), 0, 'the expired file went too');
    await store.close();
  });
});
