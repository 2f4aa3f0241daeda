/** Plain sequential HTTP requests from the orchestrator (session set-up and round-trip counting). */
import { Agent, request } from 'node:http';

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

/** Answer of one GET. */
export interface Answer {
  readonly status: number;
  readonly setCookie: readonly string[];
  readonly body: string;
}

/** One GET on 127.0.0.1:`port`, with `cookie` when given. */
export function get(port: number, path: string, cookie?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, agent, headers: cookie === undefined ? {} : { cookie } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, setCookie: res.headers['set-cookie'] ?? [], body }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** The `name=value` pair of the cookie named `name` in a response, if it set one. */
export function cookiePair(answer: Answer, name: string): string | undefined {
  const line = answer.setCookie.find((c) => c.startsWith(`${name}=`));
  return line?.split(';', 1)[0];
}

/** Closes idle keep-alive sockets (before a server is shut down). */
export function dropSockets(): void {
  agent.destroy();
}
