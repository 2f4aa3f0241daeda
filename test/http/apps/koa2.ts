import { createRequire } from 'node:module';
import type Koa from 'koa';
import { startKoaApp } from './koa-app.ts';
import type { AdapterUnderTest } from './types.ts';

// Koa 2 is installed as the alias `koa2`; its API is the subset the app uses.
const Koa2 = createRequire(import.meta.url)('koa2') as typeof Koa;

export const koa2Adapter: AdapterUnderTest = {
  name: 'koa2',
  start: (sessions) => startKoaApp(Koa2, sessions),
};
