/** Bun: the app on Bun.serve, port chosen by the system, announced on stdout. */
import { createApp } from './app.js';

const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: createApp() });
console.log(`listening ${server.port}`);
