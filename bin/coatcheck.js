#!/usr/bin/env node
// The `coatcheck` command. In the published package it runs the build (dist/cli/main.js). In a
// checkout (src/ present, tsx installed by `npm ci`) it runs the source through tsx instead, so
// `npx coatcheck` works without a build and never runs a dist/ older than the source.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import(new URL('../dist/cli/main.js', import.meta.url).href);
}
