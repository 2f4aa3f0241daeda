/**
 * Deno: the app on Deno.serve, run with `--allow-net=127.0.0.1` only (no `--allow-env`: coatcheck
 * must load and read NODE_ENV without that permission), port announced on stdout.
 */
import { createApp } from './app.js';

Deno.serve(
  { hostname: '127.0.0.1', port: 0, onListen: ({ port }) => console.log(`listening ${port}`) },
  createApp(),
);
