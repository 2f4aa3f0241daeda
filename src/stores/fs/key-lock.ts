/**
 * Mutual exclusion per store key (or per user, under a name no key can have): a promise chain
 * within this process, a lock file across processes.
 *
 * The lock file `locks/<key>.lock` is created with `open(..., 'wx')` (O_CREAT|O_EXCL, atomic on
 * local filesystems) and holds `pid hostname`. A lock is presumed abandoned, and removed, when its
 * holder is a dead process on this host (checked with `process.kill(pid, 0)`) or when it is older
 * than `staleMs`. Mutual exclusion therefore holds as long as no operation keeps a key locked longer
 * than `staleMs`; operations hold it for a few file system calls.
 */
import { randomBytes } from 'node:crypto';
import { link, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { StoreUnavailableError } from '../../core/errors.ts';

/** Timing of the cross-process lock. */
export interface KeyLockTiming {
  /** A lock older than this (ms) is presumed abandoned by a crashed process. */
  readonly staleMs: number;
  /** How long (ms) to wait for a lock before failing with StoreUnavailableError. */
  readonly timeoutMs: number;
}

const HOST = hostname();

function errorCode(error: unknown): unknown {
  return (error as { code?: unknown }).code;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** True when `pid` names a process that no longer exists on this machine. */
function isDeadHere(content: string): boolean {
  const [pidText, host] = content.split(' ');
  const pid = Number(pidText);
  if (host !== HOST || !Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return errorCode(error) === 'ESRCH';
  }
}

/** Per-key locks under one directory. */
export class KeyLocks {
  readonly #directory: string;
  readonly #timing: KeyLockTiming;
  readonly #chains = new Map<string, Promise<void>>();

  constructor(directory: string, timing: KeyLockTiming) {
    this.#directory = directory;
    this.#timing = timing;
  }

  /** Runs `body` while holding `key`'s lock; calls for one key run one after another, in call order. */
  run<T>(operation: string, key: string, body: () => Promise<T>): Promise<T> {
    const previous = this.#chains.get(key) ?? Promise.resolve();
    const result = previous.then(async () => {
      const path = join(this.#directory, `${key}.lock`);
      await this.#acquire(operation, path);
      try {
        return await body();
      } finally {
        await unlink(path).catch(() => {}); // a lock broken as stale is already gone
      }
    });
    const tail = result.then(
      () => {},
      () => {},
    );
    this.#chains.set(key, tail);
    void tail.then(() => {
      if (this.#chains.get(key) === tail) this.#chains.delete(key);
    });
    return result;
  }

  /**
   * Runs `body` while holding every lock of `names`, taken one after another in the order given.
   * Callers that take several pass them in one fixed order (user locks first, then keys sorted),
   * so two operations never wait for each other's locks.
   */
  runAll<T>(operation: string, names: readonly string[], body: () => Promise<T>): Promise<T> {
    const [first, ...rest] = names;
    if (first === undefined) return body();
    return this.run(operation, first, () => this.runAll(operation, rest, body));
  }

  /** Whether a lock file (or a broken lock's leftover) is abandoned. */
  async isAbandoned(path: string): Promise<boolean> {
    try {
      const [content, info] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
      return isDeadHere(content) || Date.now() - info.mtimeMs > this.#timing.staleMs;
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return false;
      throw error;
    }
  }

  /**
   * Removes the lock file at `path` when it is abandoned; `true` when it was (or vanished meanwhile).
   * It is renamed aside first so that only one breaker wins, and re-checked there: a lock another
   * process took in between is linked back into place.
   */
  async breakIfAbandoned(path: string): Promise<boolean> {
    if (!(await this.isAbandoned(path))) return false;
    const aside = `${path}.${randomBytes(6).toString('hex')}.broken`;
    try {
      await rename(path, aside);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return true;
      throw error;
    }
    if (!(await this.isAbandoned(aside))) await link(aside, path).catch(() => {});
    await unlink(aside).catch(() => {});
    return true;
  }

  async #acquire(operation: string, path: string): Promise<void> {
    const deadline = Date.now() + this.#timing.timeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        const handle = await open(path, 'wx', 0o600);
        try {
          await handle.writeFile(`${process.pid} ${HOST}`);
        } finally {
          await handle.close();
        }
        return;
      } catch (error) {
        if (errorCode(error) !== 'EEXIST') throw error;
      }
      if (await this.breakIfAbandoned(path)) continue;
      if (Date.now() >= deadline) {
        throw new StoreUnavailableError(
          operation,
          // The lock's name is a store key: never in a message (messages end up in logs).
          `fsStore: ${operation} waited ${this.#timing.timeoutMs} ms for a lock in ${this.#directory}. Another process holds it; a lock older than lockStaleMs is removed.`,
        );
      }
      await sleep(Math.min(2 ** Math.min(attempt, 5), 25) + Math.random() * 3);
    }
  }
}
