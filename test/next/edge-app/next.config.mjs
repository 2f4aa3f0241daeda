/** The edge-middleware sample of test/next/next-edge-middleware.test.ts; built from a copy under test-output/. */
export default {
  poweredByHeader: false,
};
