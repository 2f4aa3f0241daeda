import { readSession } from 'coatcheck/next';
import { sessions } from '../../lib/sessions';
import { revoke } from '../actions';

export default async function Admin({ searchParams }: { searchParams: Promise<{ revoked?: string }> }) {
  const { revoked } = await searchParams;
  const session = await readSession(sessions);
  if ((await session.userId()) !== 'admin') return <p id="forbidden">Admins only</p>;
  return (
    <main>
      {revoked === undefined ? null : <p id="revoked">{revoked}</p>}
      <form action={revoke}>
        <input name="user" aria-label="user" />
        <button id="revoke" type="submit">
          Revoke all sessions
        </button>
      </form>
    </main>
  );
}
