import { createSessions } from 'coatcheck';
import { memoryStore } from 'coatcheck/stores/memory';

export type AppData = { count: number };

// `vite preview` is one process: the memory store is enough for the sample.
export const sessions = createSessions<AppData>({ store: memoryStore() });
