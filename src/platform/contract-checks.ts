/**
 * Compile-time only: every runtime variant implements its contract (contracts.ts). Kept apart
 * from the contracts, which the variants import, so the two never import each other.
 */
import type { PlatformCrypto, PlatformEnv } from './contracts.ts';
import type * as CryptoNode from './crypto-node.ts';
import type * as CryptoWeb from './crypto-web.ts';
import type * as EnvDeno from './env-deno.ts';
import type * as EnvNode from './env-node.ts';
import type * as EnvWeb from './env-web.ts';

type Implements<Module extends Contract, Contract> = Module;

/** Compile-time only: a variant that drifts from its contract fails the typecheck here. */
export type VariantsConform = [
  Implements<typeof CryptoNode, PlatformCrypto>,
  Implements<typeof CryptoWeb, PlatformCrypto>,
  Implements<typeof EnvNode, PlatformEnv>,
  Implements<typeof EnvDeno, PlatformEnv>,
  Implements<typeof EnvWeb, PlatformEnv>,
];
