/**
 * Debian's Chromium for the sample-app suites (never a downloaded browser): where it is, the
 * flags that keep it off the network, and the skip (or, with COATCHECK_REQUIRE_SERVICES=1, the
 * failure) when it is not installed.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { servicesRequired } from './services.ts';

export const CHROMIUM = '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Why the browser tests skip, or undefined when Chromium is there. */
export function chromiumSkipReason(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const message = `Chromium is not installed at ${CHROMIUM}`;
  if (servicesRequired) throw new Error(`${message} and COATCHECK_REQUIRE_SERVICES=1 is set`);
  console.log(`# SKIP browser tests: ${message} (apt-get install -y chromium)`);
  return message;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
}
