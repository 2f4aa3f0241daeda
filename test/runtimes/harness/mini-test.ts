/**
 * A small stand-in for `node:test` (`describe`, `it`, `test`), bundled in place of it where the
 * runtime has none (workerd, the edge runtime) or runs an async `describe` wrongly (Deno's
 * `node:test` ignores tests registered after an `await` in the suite body and reports success).
 * Only coatcheck/testing's imports are redirected here (see runtime-bundles.ts): tests run one at
 * a time in registration order, suites run their body when reached, and `run()` reports counts.
 */

type Body = () => unknown;
interface Options {
  readonly skip?: boolean | string;
}
interface Entry {
  readonly kind: 'suite' | 'test';
  readonly name: string;
  readonly body: Body;
  readonly skip: boolean;
}

/** Outcome of {@link run}. */
export interface RunResult {
  passed: number;
  failed: number;
  skipped: number;
  readonly failures: { readonly name: string; readonly message: string }[];
}

let queue: Entry[] = [];

function register(kind: Entry['kind'], name: string, a?: Options | Body, b?: Body): void {
  const body = typeof a === 'function' ? a : b;
  const options = typeof a === 'object' ? a : {};
  if (body === undefined) throw new TypeError(`mini-test: ${kind} "${name}" has no body`);
  const skip = options.skip !== undefined && options.skip !== false;
  queue.push({ kind, name, body, skip });
}

export function describe(name: string, a?: Options | Body, b?: Body): void {
  register('suite', name, a, b);
}

export function it(name: string, a?: Options | Body, b?: Body): void {
  register('test', name, a, b);
}

export const test = it;

function messageOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

async function runEntries(entries: readonly Entry[], prefix: string, result: RunResult): Promise<void> {
  for (const entry of entries) {
    const name = prefix + entry.name;
    if (entry.skip) {
      result.skipped++;
      continue;
    }
    if (entry.kind === 'test') {
      try {
        await entry.body();
        result.passed++;
      } catch (error) {
        result.failed++;
        result.failures.push({ name, message: messageOf(error) });
      }
      continue;
    }
    // A suite: its body registers its children (possibly after awaiting), which then run in order.
    const outer = queue;
    queue = [];
    try {
      await entry.body();
    } catch (error) {
      result.failed++;
      result.failures.push({ name, message: `suite body threw: ${messageOf(error)}` });
    }
    const children = queue;
    queue = outer;
    await runEntries(children, `${name} > `, result);
  }
}

/** Runs everything registered so far (once) and reports the counts. */
export async function run(): Promise<RunResult> {
  const entries = queue;
  queue = [];
  const result: RunResult = { passed: 0, failed: 0, skipped: 0, failures: [] };
  await runEntries(entries, '', result);
  return result;
}

/** The closing line CI reads: `N passed, N failed`. */
export function summaryLine(result: RunResult): string {
  return `${result.passed} passed, ${result.failed} failed`;
}
