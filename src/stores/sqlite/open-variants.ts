/**
 * Compile-time only: the two variants of `#platform/sqlite-open` (the SQLite store's, chosen by
 * the `bun` condition) export the same function, so a drift fails the typecheck here.
 */
import type * as OpenBun from './open-bun.ts';
import type * as OpenNode from './open-node.ts';

type Same<A extends B, B> = A;

/** Compile-time only. */
export type OpenVariantsAgree = [
  Same<typeof OpenBun, typeof OpenNode>,
  Same<typeof OpenNode, typeof OpenBun>,
];
