/** The sample app of test/next/next.test.ts; built and served from a copy under test-output/. */
export default {
  // Telemetry is also off through NEXT_TELEMETRY_DISABLED; no network beyond localhost.
  poweredByHeader: false,
};
