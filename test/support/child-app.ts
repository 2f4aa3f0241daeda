/**
 * The tail every app process of a multi-process test shares: listen on port 0, print
 * `{"port":N}` for the parent, and on SIGTERM close the server and the store before exiting.
 */
import type { Server } from 'node:http';

export function listenAndReport(server: Server, close: () => Promise<void>): void {
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.stdout.write(
      `${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`,
    );
  });
  process.on('SIGTERM', () => {
    server.close();
    void close().finally(() => process.exit(0));
  });
}
