/**
 * The store conformance suite (coatcheck/testing) on the memory store, loaded from the published
 * package. Node and Bun run it with their own `node:test`; Deno, workerd and the edge runtime run
 * a bundle of it in which only the harness's `node:test` (and, without Node APIs, `node:assert`
 * and `node:crypto`) are replaced (test/runtimes/runtime-bundles.ts).
 */
import { memoryStore } from 'coatcheck/stores/memory';
import { describeStoreConformance } from 'coatcheck/testing';

describeStoreConformance({ name: 'memory', createStore: () => memoryStore() });
