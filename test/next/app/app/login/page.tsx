import { readSession } from 'coatcheck/next';
import { sessions } from '../../lib/sessions';
import { login, loginHere } from '../actions';

export default async function Login({ searchParams }: { searchParams: Promise<{ failed?: string }> }) {
  const { failed } = await searchParams;
  const user = await (await readSession(sessions)).userId();
  return (
    <main>
      <p id="signed-in">{user ?? 'anonymous'}</p>
      {failed === undefined ? null : <p id="failed">Wrong password</p>}
      <form action={login}>
        <input name="user" aria-label="user" />
        <input name="password" type="password" aria-label="password" />
        <button id="login" type="submit">
          Log in
        </button>
        <button id="login-here" type="submit" formAction={loginHere}>
          Log in and stay here
        </button>
      </form>
    </main>
  );
}
