/**
 * Child process serving one variant: `node --import tsx bench/http/server.ts <variant-id>`, started
 * pinned to CPU 0 by the orchestrator with an IPC channel. It answers the orchestrator's messages:
 * `reset` (forget operation counts), `counts` (send them), `close` (shut down and exit).
 * A variant whose module (or a coatcheck module it imports) is missing reports `unavailable`.
 */
import { readCounts, resetCounts } from './counters.ts';
import type { BenchContext, RunningVariant, StartVariant } from './variant.ts';

type Message = { readonly type: 'reset' | 'counts' | 'close' };

function send(message: Record<string, unknown>): void {
  process.send?.(message);
}

function missingModule(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') return message.replace(/ is not defined.*$/s, '');
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return undefined;
  const path = /['"]([^'"]+)['"]/.exec(message)?.[1] ?? message;
  return path.replace(/^.*?\/(src|dist|bench)\//, '$1/');
}

async function main(): Promise<void> {
  const id = process.argv[2] ?? '';
  const ctx = JSON.parse(process.env.BENCH_CONTEXT ?? '{}') as BenchContext;
  let running: RunningVariant;
  try {
    const mod = (await import(`./variants/${id}.ts`)) as { start: StartVariant };
    running = await mod.start(ctx);
  } catch (error) {
    const missing = missingModule(error);
    send(
      missing === undefined
        ? { type: 'failed', reason: error instanceof Error ? error.message : String(error) }
        : { type: 'unavailable', reason: `${missing} not available yet` },
    );
    process.exit(0);
  }
  process.on('message', (message: Message) => {
    if (message.type === 'reset') {
      resetCounts();
      send({ type: 'reset' });
    } else if (message.type === 'counts') {
      send({ type: 'counts', counts: readCounts() });
    } else if (message.type === 'close') {
      running.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    }
  });
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', port: running.port, pid: process.pid });
}

await main();
