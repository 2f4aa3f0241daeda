/**
 * Entry of the conformance bundles: registers the suite with the bundled `node:test` stand-in
 * and runs it on demand. `node:test` here is test/runtimes/harness/mini-test.ts.
 */
import './conformance.test.js';
import { run, summaryLine } from 'node:test';

/** Runs the suite once; resolves `{ passed, failed, skipped, failures, summary }`. */
export async function runConformance() {
  const result = await run();
  return { ...result, summary: summaryLine(result) };
}
