import { readSession } from 'coatcheck/next';
import { sessions } from '../lib/sessions';
import { logout } from './actions';

export default async function Home() {
  // Read-only: a Server Component cannot set cookies.
  const session = await readSession(sessions);
  const user = await session.userId();
  return (
    <main>
      <p id="user">{user ?? 'anonymous'}</p>
      <p id="count">{(await session.get('count')) ?? 0}</p>
      <form method="post" action="/api/count">
        <button id="increment" type="submit">
          Count
        </button>
      </form>
      {user === null ? (
        <a href="/login">Log in</a>
      ) : (
        <form action={logout}>
          <button id="logout" type="submit">
            Log out
          </button>
        </form>
      )}
    </main>
  );
}
