/**
 * The store conformance suite: the one definition of a correct {@link Store}.
 *
 * Every store in this package runs it against a real backend, and third-party stores can too:
 *
 * ```ts
 * import { describeStoreConformance } from 'coatcheck/testing';
 * describeStoreConformance({ name: 'my-store', createStore: () => myStore({ prefix: uniquePrefix() }) });
 * ```
 *
 * It registers its tests with `node:test` (`describe`/`it`), each titled `<name>: <behaviour>`.
 * Optional capabilities (user index, purgeExpired, count, scan) are detected with `storeCapabilities` on
 * a probe store and tested when offered; a store without a user index must offer neither method.
 */
import { describe, it } from 'node:test';
import { type Store, storeCapabilities } from '../core/store.ts';
import { registerBasics } from './conformance-basics.ts';
import { registerPurgeAndCount, registerUserIndex } from './conformance-capabilities.ts';
import { registerDataUpdate } from './conformance-data-update.ts';
import { registerConcurrency, registerExpiry, registerValues } from './conformance-lifecycle.ts';
import { registerRotation, registerUserLifecycle } from './conformance-rotation.ts';
import { registerScan } from './conformance-scan.ts';
import { makeStoreTest, type SuiteContext } from './harness.ts';

/** How to run the conformance suite against one store. */
export interface StoreConformanceOptions {
  /** Store name, appears in every test title, e.g. `redis` or `cache(memory→postgres)`. */
  readonly name: string;
  /**
   * Returns a fresh store. Called once per test (and once more to probe capabilities); the store
   * must not see other tests' keys (use a unique prefix/table per call or per file).
   */
  createStore(): Store | Promise<Store>;
  /** Called after each test with the store createStore returned; default: `store.close()`. */
  disposeStore?(store: Store): Promise<void>;
  /**
   * Expiry resolution of the backend in ms (memcached: 1000). Expiry tests wait this long plus a
   * margin past a deadline. A value above 0 also marks a backend that may expire records itself.
   * Default 0.
   */
  readonly expiryResolutionMs?: number;
  /** Skip reason for the whole suite (e.g. server unreachable), passed to describe's skip option. */
  readonly skip?: string | undefined;
}

/**
 * Registers the conformance tests with node:test (describe/it) under `describe(name)`.
 *
 * Covers: get/create/update/touch/delete edge cases (no resurrection, dead records never block a
 * create), expiry on read and by touch, 50 concurrent disjoint patches, byte-exact values and keys,
 * rotation (one winner, writes forwarded, endings that follow it, races with delete and
 * deleteByUser), user limits under 50 parallel creates,
 * and, when offered, the user index, purgeExpired, count and scan (every record exactly once
 * across pages, expired ones included where the store still holds them); close is idempotent.
 */
export function describeStoreConformance(options: StoreConformanceOptions): void {
  const { name, skip } = options;
  const dispose = options.disposeStore?.bind(options) ?? ((store: Store) => store.close());
  const createStore = () => options.createStore();
  describe(`${name} store conformance`, skip === undefined ? {} : { skip }, async () => {
    if (skip !== undefined) {
      it(`${name}: suite skipped`, () => {});
      return;
    }
    const probe = await createStore();
    const capabilities = storeCapabilities(probe);
    await dispose(probe);
    const context: SuiteContext = {
      name,
      resolutionMs: options.expiryResolutionMs ?? 0,
      storeTest: makeStoreTest(name, createStore, dispose),
    };
    registerBasics(context);
    registerExpiry(context);
    registerConcurrency(context);
    registerValues(context);
    registerRotation(context);
    registerUserIndex(context, capabilities.userIndex);
    registerUserLifecycle(context, capabilities.userIndex);
    registerPurgeAndCount(context, capabilities.purge, capabilities.count);
    registerScan(context, capabilities.scan);
    registerDataUpdate(context, capabilities.dataUpdate);
  });
}
