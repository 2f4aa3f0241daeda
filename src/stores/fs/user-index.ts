/**
 * The per-user index of the filesystem store: `users/<sha256(userId)>/<key>`, one empty marker
 * file per session. It survives restarts because it is on disk; hashing the user id makes any id
 * (slashes, dots, unicode) a safe directory name.
 *
 * Writers add a marker BEFORE the session file names the user and remove it AFTER the file no
 * longer does, all under the key's lock, so a crash leaves at most a stale marker (which readers
 * check against the session file and purge removes), never a session missing from its user's list.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, opendir, readdir, rmdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';

function errorCode(error: unknown): unknown {
  return (error as { code?: unknown }).code;
}

/** The marker files of one directory. */
export class UserIndex {
  readonly #directory: string;

  constructor(directory: string) {
    this.#directory = directory;
  }

  /** The directory holding `userId`'s markers. */
  userDirectory(userId: string): string {
    return join(this.#directory, this.#hash(userId));
  }

  #hash(userId: string): string {
    return createHash('sha256').update(userId).digest('base64url');
  }

  /**
   * The name of `userId`'s lock in `KeyLocks`. Held by every operation that adds a session
   * to the user (so a limit is checked and applied atomically) and by `deleteByUser`. The `~`
   * cannot occur in a store key, so a user lock never shares a file with a key's.
   */
  lockName(userId: string): string {
    return `~user.${this.#hash(userId)}`;
  }

  /** Adds `key` to `userId`'s list (idempotent). */
  async add(userId: string, key: string): Promise<void> {
    const directory = this.userDirectory(userId);
    for (let attempt = 0; ; attempt++) {
      await mkdir(directory, { recursive: true, mode: 0o700 });
      try {
        await (await open(join(directory, key), 'w', 0o600)).close();
        return;
      } catch (error) {
        // A purge may remove the (then empty) directory between mkdir and open: make it again.
        if (errorCode(error) !== 'ENOENT' || attempt >= 5) throw error;
      }
    }
  }

  /** Removes `key` from `userId`'s list; a missing marker is fine. */
  async remove(userId: string, key: string): Promise<void> {
    await unlink(join(this.userDirectory(userId), key)).catch((error: unknown) => {
      if (errorCode(error) !== 'ENOENT') throw error;
    });
  }

  /** The keys listed for `userId`, possibly including stale ones the caller must check. */
  async keys(userId: string): Promise<string[]> {
    try {
      return await readdir(this.userDirectory(userId));
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return [];
      throw error;
    }
  }

  /**
   * Visits every marker with bounded memory (directory handles are streamed), calling `visit`
   * with the user directory and key; empty user directories are removed afterwards.
   */
  async sweep(visit: (directory: string, key: string) => Promise<void>): Promise<void> {
    for await (const user of await opendir(this.#directory)) {
      if (!user.isDirectory()) continue;
      const directory = join(this.#directory, user.name);
      try {
        for await (const marker of await opendir(directory)) await visit(directory, marker.name);
        await rmdir(directory); // fails harmlessly when not empty or when a writer just added a marker
      } catch (error) {
        const code = errorCode(error);
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'ENOENT') throw error;
      }
    }
  }
}
