/** Deno: runs the conformance bundle once and prints the result as JSON, then the summary line. */
import { runConformance } from './conformance-run.js';

const result = await runConformance();
console.log(JSON.stringify(result));
console.log(result.summary);
