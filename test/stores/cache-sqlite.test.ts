import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { cacheStore } from '../../src/stores/cache.ts';
import { memoryStore } from '../../src/stores/memory.ts';
import { sqliteStore } from '../../src/stores/sqlite.ts';
import { describeStoreConformance } from '../../src/testing/conformance.ts';

const directory = mkdtempSync(join(tmpdir(), 'coatcheck-cache-sqlite-'));
after(() => rmSync(directory, { recursive: true, force: true }));
let n = 0;

describeStoreConformance({
  name: 'cache(memory→sqlite)',
  createStore: () =>
    cacheStore({ front: memoryStore(), back: sqliteStore({ database: join(directory, `s${n++}.db`) }) }),
});
