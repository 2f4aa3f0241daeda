/**
 * `npm start`: the coatcheck demo on http://localhost:3000 (`PORT` overrides).
 * `COATCHECK_STORE=<url>` keeps sessions in another store; `DEMO_DATABASE` moves the SQLite file.
 */
import { createDemo } from './app.ts';

// `npm start` is a local, plain-http demo: say so, unless the caller chose otherwise.
process.env.NODE_ENV ??= 'development';

const port = Number(process.env.PORT ?? 3000);
const demo = await createDemo({
  database: process.env.DEMO_DATABASE ?? './data/sessions.db',
  ...(process.env.COATCHECK_STORE ? { storeUrl: process.env.COATCHECK_STORE } : {}),
  ...(process.env.DEMO_ORIGIN ? { origin: process.env.DEMO_ORIGIN } : {}),
});

const why = demo.cookie.secure
  ? 'NODE_ENV=production: Secure, so it only travels over HTTPS, and the __Host- prefix, so no subdomain can set or shadow it.'
  : 'development over plain http: a Secure cookie would never be sent back by the browser, so Secure is off and the __Host- prefix (which requires it) is not used. Set NODE_ENV=production behind HTTPS.';
console.log(`coatcheck demo: sessions in ${demo.storeLabel}`);
console.log(
  `session cookie: ${demo.cookie.name}; HttpOnly; SameSite=Lax; Path=/${demo.cookie.secure ? '; Secure' : ''}`,
);
console.log(`  why: ${why}`);

// A port already taken (another demo, another app) is a one-line hint, not a stack trace.
demo.server.once('error', (error: NodeJS.ErrnoException) => {
  const hint =
    error.code === 'EADDRINUSE'
      ? `port ${port} is already in use: set PORT to a free one, e.g. PORT=${port + 1} npm start`
      : error.code === 'EACCES'
        ? `port ${port} needs privileges: set PORT to one above 1023, e.g. PORT=3000 npm start`
        : `cannot listen on port ${port}: ${error.message}`;
  console.error(`coatcheck demo: ${hint}`);
  demo.close().then(
    () => process.exit(1),
    () => process.exit(1),
  );
});
demo.server.listen(port, () => {
  const address = demo.server.address();
  const actual = typeof address === 'object' && address !== null ? address.port : port;
  console.log(`listening on http://localhost:${actual}`);
});

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  demo.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
