import type { SessionLocals } from 'coatcheck/sveltekit';
import type { AppData } from '$lib/server/sessions';

declare global {
  namespace App {
    interface Locals extends SessionLocals<AppData> {}
  }
}
