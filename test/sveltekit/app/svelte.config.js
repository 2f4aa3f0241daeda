// The sample app of test/sveltekit/sveltekit.test.ts, served by `vite preview`: no adapter needed.
export default { kit: {} };
