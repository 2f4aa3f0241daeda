/**
 * Child process running autocannon once: `node bench/http/load.ts '<json options>'`, started pinned
 * to CPU 1. Prints one JSON line: req/s (mean), p50/p99 and max latency (ms), errors and non-2xx counts.
 */
import autocannon from 'autocannon';

interface LoadOptions {
  readonly url: string;
  readonly connections: number;
  readonly duration: number;
  readonly headers: Record<string, string>;
}

const options = JSON.parse(process.argv[2] ?? '{}') as LoadOptions;
const result = await autocannon({
  url: options.url,
  connections: options.connections,
  duration: options.duration,
  headers: options.headers,
});
process.stdout.write(
  `${JSON.stringify({
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    total: result.requests.total,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  })}\n`,
);
