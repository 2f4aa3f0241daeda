import Koa from 'koa';
import { startKoaApp } from './koa-app.ts';
import type { AdapterUnderTest } from './types.ts';

export const koaAdapter: AdapterUnderTest = {
  name: 'koa',
  start: (sessions) => startKoaApp(Koa, sessions),
};
