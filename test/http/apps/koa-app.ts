/** The matrix app on Koa, written once for Koa 2 and 3. */
import { createReadStream } from 'node:fs';
import { createServer } from 'node:http';
import type Koa from 'koa';
import { session } from '../../../src/adapters/koa.ts';
import type { Sessions } from '../../../src/core/sessions.ts';
import { type AppData, appScript } from '../app-script.ts';
import { SENT_FILE } from './express-app.ts';
import { listen } from './listen.ts';
import type { RunningApp } from './types.ts';

export function startKoaApp(KoaClass: typeof Koa, sessions: Sessions<AppData>): Promise<RunningApp> {
  const app = new KoaClass();
  app.silent = true;
  app.use(session(sessions)).use(async (ctx) => {
    switch (ctx.path) {
      case '/redirect':
        await ctx.session.set('note', 'redirected');
        ctx.redirect('/read');
        return;
      case '/stream':
        await ctx.session.set('note', 'streamed');
        ctx.type = 'text/plain';
        ctx.body = createReadStream(SENT_FILE);
        return;
      case '/note':
        ctx.body = String((await ctx.session.get('note')) ?? '(none)');
        return;
    }
    const reply = await appScript(
      { method: ctx.method, path: ctx.path, query: new URLSearchParams(ctx.querystring) },
      ctx.session,
    );
    ctx.status = reply.status;
    ctx.type = 'text/plain';
    ctx.body = reply.body;
  });
  return listen(createServer(app.callback()));
}
