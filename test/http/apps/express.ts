import express from 'express';
import { startExpressApp } from './express-app.ts';
import type { AdapterUnderTest } from './types.ts';

export const expressAdapter: AdapterUnderTest = {
  name: 'express',
  start: (sessions) => startExpressApp(express, sessions),
};
