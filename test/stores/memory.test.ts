import { memoryStore } from '../../src/stores/memory.ts';
import { describeStoreConformance } from '../../src/testing/index.ts';

describeStoreConformance({ name: 'memory', createStore: () => memoryStore() });
