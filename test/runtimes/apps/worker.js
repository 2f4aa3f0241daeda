/**
 * workerd (through miniflare, no compatibility flags): the app built in the Worker's global scope,
 * as Workers apps are, plus `/__conformance`, which runs the conformance suite inside a request.
 */
import { createApp } from './app.js';
import { runConformance } from './conformance-run.js';

const app = createApp();

export default {
  async fetch(request) {
    if (new URL(request.url).pathname === '/__conformance') return Response.json(await runConformance());
    return app(request);
  },
};
