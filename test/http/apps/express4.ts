import { createRequire } from 'node:module';
import type express from 'express';
import { startExpressApp } from './express-app.ts';
import type { AdapterUnderTest } from './types.ts';

// Express 4 is installed as the alias `express4`; its API is the subset the app uses.
const express4 = createRequire(import.meta.url)('express4') as typeof express;

export const express4Adapter: AdapterUnderTest = {
  name: 'express4',
  start: (sessions) => startExpressApp(express4, sessions),
};
