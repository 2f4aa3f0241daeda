/**
 * Clock skew between app processes sharing one store. The rule (docs/reliability.md): an app whose
 * clock is off by s may end a session up to s early or keep it up to s late, never more. Here one
 * app runs 5 minutes ahead and one 5 minutes behind; helper apps with older clocks create sessions
 * whose remaining life (or time since death) is known in real time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Browser, type FaultApp, startFaultApp } from '../support/fault-app.ts';
import { type OpenedStore, storeCases } from '../support/fault-stores.ts';

const MINUTE = 60_000;
const SKEW = 5 * MINUTE;
const IDLE = 10 * MINUTE;
/** Clock offsets of the apps: the skewed ones, and creators of sessions with a known real expiry. */
const OFFSETS = [0, SKEW, -SKEW, -4 * MINUTE, -6 * MINUTE, -11 * MINUTE, -16 * MINUTE] as const;

for (const storeCase of await storeCases()) {
  describe(
    `clock skew [${storeCase.name}]`,
    storeCase.skip === undefined ? {} : { skip: storeCase.skip },
    () => {
      let opened: OpenedStore;
      const apps = new Map<number, FaultApp>();
      /** A session created by the app at `offset`: it expires at real time now + IDLE + offset. */
      const sessionFrom = async (offset: number): Promise<string | undefined> => {
        const browser = new Browser(apps.get(offset)!.url);
        const answer = await browser.send('/write?x=1');
        assert.equal(answer.status, 200);
        return browser.cookie;
      };
      const readAt = (offset: number, cookie: string) =>
        new Browser(apps.get(offset)!.url).send('/read', { cookie, keepJar: true });

      before(async () => {
        opened = await storeCase.open();
        for (const offset of OFFSETS) {
          apps.set(
            offset,
            await startFaultApp({
              store: opened.store,
              idleTimeout: IDLE,
              absoluteTimeout: '7d',
              now: () => Date.now() + offset,
            }),
          );
        }
      });
      after(async () => {
        // The apps share one store: close the servers, and the store once.
        for (const app of apps.values()) await app.close().catch(() => undefined);
        await opened?.cleanup();
      });

      it(`[${storeCase.name}] an app 5 min ahead keeps a live session with more than 5 min left`, async () => {
        const cookie = await sessionFrom(0);
        assert.ok(cookie);
        assert.deepEqual((await readAt(SKEW, cookie)).data, { x: '1' });
        const withSixLeft = await sessionFrom(-4 * MINUTE);
        assert.ok(withSixLeft);
        assert.deepEqual((await readAt(SKEW, withSixLeft)).data, { x: '1' }, '6 min left: not killed early');
        assert.deepEqual((await readAt(0, withSixLeft)).data, { x: '1' }, 'still live for the true clock');
      });

      it(`[${storeCase.name}] an app 5 min behind writes without shortening a session beyond the skew`, async () => {
        const browser = new Browser(apps.get(-SKEW)!.url);
        const cookie = await sessionFrom(0);
        assert.ok(cookie);
        browser.cookie = cookie;
        const write = await browser.send('/write?y=2');
        assert.equal(write.status, 200);
        assert.equal(browser.cookie, cookie);
        // Its write moved the idle deadline to (its now) + IDLE = real + 5 min: still live.
        assert.deepEqual((await readAt(0, cookie)).data, { x: '1', y: '2' });
        assert.deepEqual((await readAt(SKEW, cookie)).data, { x: '1', y: '2' }, 'even for the app ahead');
      });

      it(`[${storeCase.name}] an app 5 min behind does not revive a session dead for more than 5 min`, async () => {
        const longDead = await sessionFrom(-16 * MINUTE);
        if (longDead === undefined) return;
        const answer = await readAt(-SKEW, longDead);
        assert.equal(answer.status, 200);
        assert.deepEqual(answer.data, {}, 'dead 6 min ago: a fresh session');
        assert.deepEqual((await readAt(0, longDead)).data, {});
      });

      it(`[${storeCase.name}] within the skew: a session 4 min from its end, or dead 1 min, is judged either way`, async (t) => {
        const fourLeft = await sessionFrom(-6 * MINUTE);
        const deadOne = await sessionFrom(-11 * MINUTE);
        assert.ok(fourLeft && deadOne);
        const early = await readAt(SKEW, fourLeft);
        const revived = await readAt(-SKEW, deadOne);
        assert.equal(early.status, 200);
        assert.equal(revived.status, 200);
        t.diagnostic(
          `ahead app on a session with 4 min left: ${JSON.stringify(early.data) === '{}' ? 'ended early (within skew)' : 'live'}; ` +
            `behind app on a session dead 1 min: ${JSON.stringify(revived.data) === '{}' ? 'dead' : 'revived (within skew)'}`,
        );
        assert.deepEqual((await readAt(0, deadOne)).data, {}, 'the true clock never sees the dead session');
      });
    },
  );
}
