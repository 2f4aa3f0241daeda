import { handleSession } from 'coatcheck/sveltekit';
import { sessions } from '$lib/server/sessions';

export const handle = handleSession(sessions);
