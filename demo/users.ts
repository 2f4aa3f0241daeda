/**
 * The demo's user accounts, in a `demo_users` table of the same SQLite file as the sessions.
 * Passwords are hashed with scrypt (node:crypto, random 16-byte salt) and compared in constant time.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { Database } from 'better-sqlite3';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;
const KEY_LENGTH = 32;

/** A stored user, without the password hash. */
export interface User {
  readonly id: string;
  readonly username: string;
}

/** Result of {@link Users.register}. */
export type RegisterResult = { ok: true; user: User } | { ok: false; problem: string };

/** The users table: register and verify credentials. */
export interface Users {
  register(username: string, password: string): Promise<RegisterResult>;
  /** The user when the password matches, else `undefined` (same work either way). */
  verify(username: string, password: string): Promise<User | undefined>;
  byId(id: string): User | undefined;
}

interface Row {
  id: number;
  username: string;
  salt: Buffer;
  hash: Buffer;
}

// Hashing a fixed dummy when the user does not exist keeps "unknown user" as slow as "wrong password".
const DUMMY_SALT = randomBytes(16);

/** Creates the table if missing and returns the users module. */
export function openUsers(db: Database): Users {
  db.exec(`CREATE TABLE IF NOT EXISTS demo_users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE COLLATE NOCASE,
    salt BLOB NOT NULL,
    hash BLOB NOT NULL,
    created_at INTEGER NOT NULL
  )`);
  const insert = db.prepare('INSERT INTO demo_users (username, salt, hash, created_at) VALUES (?, ?, ?, ?)');
  const byName = db.prepare<[string], Row>(
    'SELECT id, username, salt, hash FROM demo_users WHERE username = ?',
  );
  const byId = db.prepare<[number], Row>('SELECT id, username, salt, hash FROM demo_users WHERE id = ?');

  return {
    async register(username, password) {
      const name = username.trim();
      if (!/^[\w.-]{3,32}$/.test(name))
        return {
          ok: false,
          problem: 'Pick a username of 3 to 32 letters, digits, dots, dashes or underscores.',
        };
      if (password.length < 8 || password.length > 200)
        return { ok: false, problem: 'Pick a password of at least 8 characters.' };
      if (byName.get(name) !== undefined) return { ok: false, problem: 'That username is taken.' };
      const salt = randomBytes(16);
      const hash = await scryptAsync(password, salt, KEY_LENGTH);
      try {
        const result = insert.run(name, salt, hash, Date.now());
        return { ok: true, user: { id: String(result.lastInsertRowid), username: name } };
      } catch {
        return { ok: false, problem: 'That username is taken.' }; // lost a race with a parallel register
      }
    },
    async verify(username, password) {
      const row = byName.get(username.trim());
      const hash = await scryptAsync(password, row?.salt ?? DUMMY_SALT, KEY_LENGTH);
      if (row === undefined || row.hash.length !== hash.length) return undefined;
      return timingSafeEqual(row.hash, hash) ? { id: String(row.id), username: row.username } : undefined;
    },
    byId(id) {
      const row = byId.get(Number(id));
      return row === undefined ? undefined : { id: String(row.id), username: row.username };
    },
  };
}
