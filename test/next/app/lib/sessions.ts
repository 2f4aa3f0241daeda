// One Sessions for the whole Node side of the app. The fs store keeps sessions in files, so the
// Route Handler, Server Action and proxy bundles (each its own module instance) share them.
import { createSessions } from 'coatcheck';
import { fsStore } from 'coatcheck/stores/fs';

export type AppData = { count: number };

export const sessions = createSessions<AppData>({
  store: fsStore({ directory: process.env.SAMPLE_SESSIONS_DIR ?? '.sessions', pruneIntervalMs: 0 }),
});
