/**
 * `coatcheck stats --watch`: the `stats` figures again every `--interval` seconds, with how the
 * session count moved since the previous sample, until Ctrl-C (SIGINT) or SIGTERM, then exit 0.
 * On a terminal the screen is redrawn in place; otherwise each sample is appended. With `--json`,
 * one JSON object per line (NDJSON): the `stats --json` object plus `at`, `seq` and `change`.
 *
 * Each sample costs what one `stats` run costs (a count, a scan for the expired count and the top
 * users, five `get` round trips): fine every few seconds for an operator, not a dashboard's job.
 */
import type { CliArgs } from './args.ts';
import { type Output, stats } from './commands.ts';
import type { Connection } from './connect.ts';

/** What `run` returns for a command that already wrote its output as it went. */
export const STREAMED: Output = { json: null, text: '' };

/** How the count moved since the previous sample. */
interface Change {
  /** Sessions gained (negative: lost) since the previous sample; null on the first, or without count. */
  readonly sessions: number | null;
  /** Seconds since the previous sample; null on the first. */
  readonly seconds: number | null;
  /** `sessions` scaled to one minute; null when unknown. */
  readonly perMinute: number | null;
}

/** Resolves when the process is asked to stop (Ctrl-C or SIGTERM). */
function stopSignal(): { readonly stopped: Promise<void>; dispose(): void } {
  let resolve = () => {};
  const stopped = new Promise<void>((done) => {
    resolve = done;
  });
  process.once('SIGINT', resolve);
  process.once('SIGTERM', resolve);
  return {
    stopped,
    dispose() {
      process.off('SIGINT', resolve);
      process.off('SIGTERM', resolve);
    },
  };
}

function changeSince(
  previous: { at: number; count: number | null } | undefined,
  at: number,
  count: number | null,
): Change {
  if (previous === undefined) return { sessions: null, seconds: null, perMinute: null };
  const seconds = Math.round(at - previous.at) / 1000;
  if (count === null || previous.count === null) return { sessions: null, seconds, perMinute: null };
  const sessions = count - previous.count;
  const perMinute = seconds > 0 ? Math.round((sessions / seconds) * 60 * 10) / 10 : null;
  return { sessions, seconds, perMinute };
}

function describeChange(change: Change): string {
  if (change.seconds === null) return 'change     (first sample)';
  if (change.sessions === null)
    return `change     n/a (this store cannot count), ${change.seconds} s since last`;
  const sign = change.sessions > 0 ? '+' : '';
  return `change     ${sign}${change.sessions} sessions in ${change.seconds} s (${sign}${change.perMinute ?? 0}/min)`;
}

/**
 * Samples `stats` until stopped, writing each sample to `out`. Store failures during a sample are
 * shown and the watch goes on (an outage is what an operator watches for); Ctrl-C ends it.
 */
export async function watchStats(c: Connection, args: CliArgs, out: NodeJS.WriteStream): Promise<Output> {
  const stop = stopSignal();
  const tty = out.isTTY === true && !args.json;
  let previous: { at: number; count: number | null } | undefined;
  let seq = 0;
  try {
    for (;;) {
      seq += 1;
      const at = Date.now();
      let block: string;
      try {
        const sample = await stats(c);
        const json = sample.json as { count: number | null };
        const change = changeSince(previous, at, json.count);
        previous = { at, count: json.count };
        block = args.json
          ? JSON.stringify({ at: new Date(at).toISOString(), seq, ...json, change })
          : `${sample.text}\n${describeChange(change)}`;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        block = args.json
          ? JSON.stringify({ at: new Date(at).toISOString(), seq, error: message })
          : `store error: ${message}`;
      }
      const header = `coatcheck stats --watch: ${c.store.name}, every ${args.intervalMs / 1000} s, ${new Date(at).toISOString()} (Ctrl-C to stop)`;
      if (args.json) out.write(`${block}\n`);
      else if (tty) out.write(`\x1b[2J\x1b[H${header}\n\n${block}\n`);
      else out.write(`${seq === 1 ? '' : '\n'}${header}\n${block}\n`);
      let timer: NodeJS.Timeout | undefined;
      const tick = new Promise<'tick'>((resolve) => {
        timer = setTimeout(() => resolve('tick'), args.intervalMs);
      });
      const next = await Promise.race([tick, stop.stopped.then(() => 'stop' as const)]);
      clearTimeout(timer);
      if (next === 'stop') break;
    }
  } finally {
    stop.dispose();
  }
  return STREAMED;
}
