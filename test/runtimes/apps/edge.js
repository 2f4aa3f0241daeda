/**
 * Vercel's edge runtime (the `edge-runtime` package): a script with a `fetch` listener, bundled as
 * an edge deployment is, plus `/__conformance`, which runs the conformance suite inside a request.
 */
import { createApp } from './app.js';
import { runConformance } from './conformance-run.js';

const app = createApp();

addEventListener('fetch', (event) => {
  const path = new URL(event.request.url).pathname;
  event.respondWith(
    path === '/__conformance' ? runConformance().then((result) => Response.json(result)) : app(event.request),
  );
});
