/**
 * The plumbing shared by the conformance files: one fresh store per test, disposed afterwards.
 */
import { it } from 'node:test';
import type { Store } from '../core/store.ts';

/** Registers one conformance test that receives a fresh store. */
export type StoreTest = (behaviour: string, body: (store: Store) => Promise<void>) => void;

/** What every conformance file needs to register its tests. */
export interface SuiteContext {
  readonly name: string;
  readonly resolutionMs: number;
  readonly storeTest: StoreTest;
}

/** Builds {@link SuiteContext.storeTest}: titles `<name>: <behaviour>`, a fresh store per test, always disposed. */
export function makeStoreTest(
  name: string,
  createStore: () => Store | Promise<Store>,
  disposeStore: (store: Store) => Promise<void>,
): StoreTest {
  return (behaviour, body) => {
    it(`${name}: ${behaviour}`, async () => {
      const store = await createStore();
      try {
        await body(store);
      } finally {
        await disposeStore(store);
      }
    });
  };
}
