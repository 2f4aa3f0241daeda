import { login } from '../actions';

export default async function Login({ searchParams }: { searchParams: Promise<{ failed?: string }> }) {
  const { failed } = await searchParams;
  return (
    <main>
      {failed === undefined ? null : <p id="failed">Wrong password</p>}
      <form action={login}>
        <input name="user" aria-label="user" />
        <input name="password" type="password" aria-label="password" />
        <button id="login" type="submit">
          Log in
        </button>
      </form>
    </main>
  );
}
