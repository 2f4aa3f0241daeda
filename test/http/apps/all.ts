import { nodeAdapter } from './node.ts';
import type { AdapterUnderTest } from './types.ts';
import { webAdapter } from './web.ts';

/** Every adapter the behaviour matrix runs against. */
export const adaptersUnderTest: readonly AdapterUnderTest[] = [nodeAdapter, webAdapter];
