import type { Sessions } from '../../../src/core/sessions.ts';
import type { AppData } from '../app-script.ts';

/** A running app for the behaviour matrix: one adapter serving `appScript` on a real listener. */
export interface RunningApp {
  readonly url: string;
  close(): Promise<void>;
}

/** How the matrix starts one adapter's app on port 0. */
export interface AdapterUnderTest {
  readonly name: string;
  start(sessions: Sessions<AppData>): Promise<RunningApp>;
}
