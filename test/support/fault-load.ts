/**
 * Mixed traffic with client-side bookkeeping, for the fault suite and the soak script. Each client
 * is one browser that sends its requests one after another; every write sets a pair of new keys
 * (`a<n>`, `b<n>`) plus `owner`. A write answered 200 is acknowledged: it must be visible in every
 * later answer; a 503 write may or may not have landed, but never half (`a<n>` without `b<n>`).
 * Any key the client never wrote means another session's data leaked in.
 *
 * A store that loses everything on a restart (memcached) breaks "acknowledged is visible" by
 * design; the test then sets `forgottenBefore` and the rule becomes: a session whose writes were
 * all sent before the restart may come back as a fresh, empty session (a 200, counted in `resets`),
 * never in part and never with another session's data; anything acknowledged later must stay.
 */
import { type Answer, Browser, type FaultData } from './fault-app.ts';

export interface LoadClient {
  readonly id: string;
  readonly browser: Browser;
  /** Keys acknowledged (200) in the current session, with their values. */
  readonly acked: Map<string, string>;
  /** Keys of writes answered 503: they may or may not be stored. */
  readonly maybe: Set<string>;
  seq: number;
  /** When the latest acknowledged write was sent (ms since the epoch), 0 before any. */
  lastAckSentAt: number;
}

export interface LoadStats {
  /** Answers with status 200. */
  served: number;
  /** Answers with status 503. */
  unavailable: number;
  /** Acknowledged keys that a later answer did not show. Must stay 0. */
  lostWrites: number;
  /** Everything a user must never see, described. Must stay empty. */
  violations: string[];
  /** Sessions that came back fresh after a restart that `forgottenBefore` allows to lose them. */
  resets: number;
  /**
   * Set when a store that keeps nothing across a restart went down: sessions whose last
   * acknowledged write was sent before this time may come back fresh instead of counting as lost.
   */
  forgottenBefore: number | undefined;
}

export function newStats(): LoadStats {
  return { served: 0, unavailable: 0, lostWrites: 0, violations: [], resets: 0, forgottenBefore: undefined };
}

export function newClients(count: number, base: string, prefix = 'c'): LoadClient[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `${prefix}${i}`,
    browser: new Browser(base),
    acked: new Map(),
    maybe: new Set(),
    seq: 0,
    lastAckSentAt: 0,
  }));
}

/** Could a restart have dropped this client's session? Only if it acknowledged nothing since. */
function forgettable(client: LoadClient, stats: LoadStats): boolean {
  return stats.forgottenBefore !== undefined && client.lastAckSentAt < stats.forgottenBefore;
}

/**
 * Books an answer that shows a dead ticket's fresh, empty session as a reset, when allowed; the
 * client then starts over. Any other answer is left to `checkData`.
 */
function bookedReset(client: LoadClient, data: FaultData, stats: LoadStats): boolean {
  if (client.acked.size === 0 || Object.keys(data).length > 0 || !forgettable(client, stats)) return false;
  stats.resets++;
  client.acked.clear();
  client.maybe.clear();
  return true;
}

/** Checks one 200 answer's data against what the client knows it stored. */
export function checkData(client: LoadClient, data: FaultData, stats: LoadStats, where: string): void {
  for (const [key, value] of client.acked) {
    if (data[key] !== value) {
      stats.lostWrites++;
      stats.violations.push(`${client.id} ${where}: acknowledged ${key}=${value} reads ${data[key]}`);
    }
  }
  for (const [key, value] of Object.entries(data)) {
    if (key === 'owner') {
      if (value !== client.id) stats.violations.push(`${client.id} ${where}: owner is ${value}`);
      continue;
    }
    if (!client.acked.has(key) && !client.maybe.has(key))
      stats.violations.push(`${client.id} ${where}: foreign key ${key}=${value}`);
    const twin = key.startsWith('a') ? `b${key.slice(1)}` : `a${key.slice(1)}`;
    if (!(twin in data))
      stats.violations.push(`${client.id} ${where}: half-written pair, ${key} without ${twin}`);
  }
}

/** Sends one request for `client` (a write, or every fifth a read) and books the answer. */
export async function step(client: LoadClient, stats: LoadStats): Promise<void> {
  const n = client.seq++;
  const read = n % 5 === 4;
  const hadTicket = client.browser.cookie;
  const sentAt = Date.now();
  let answer: Answer;
  try {
    answer = await client.browser.send(read ? '/read' : `/write?owner=${client.id}&a${n}=${n}&b${n}=${n}`);
  } catch (error) {
    stats.violations.push(`${client.id}: request failed at the HTTP level: ${String(error)}`);
    return;
  }
  if (answer.status === 503) {
    stats.unavailable++;
    if (!read) client.maybe.add(`a${n}`).add(`b${n}`);
    if (client.browser.cookie !== hadTicket) stats.violations.push(`${client.id}: a 503 changed the cookie`);
    return;
  }
  if (answer.status !== 200 || answer.data === undefined) {
    stats.violations.push(`${client.id}: status ${answer.status}: ${answer.body.slice(0, 120)}`);
    return;
  }
  stats.served++;
  const ticket = client.browser.cookie;
  if (ticket !== hadTicket) {
    // A new session: fine when we had none (or ours was never acknowledged, or a restart allowed
    // to forget it dropped it); a lost one otherwise. checkData then rejects any old key in it.
    if (client.acked.size > 0 && forgettable(client, stats)) stats.resets++;
    else if (client.acked.size > 0) {
      stats.lostWrites += client.acked.size;
      stats.violations.push(`${client.id}: session lost (${client.acked.size} acknowledged keys)`);
    }
    client.acked.clear();
    client.maybe.clear();
    if (ticket === undefined) return;
  } else if (bookedReset(client, answer.data, stats)) return;
  if (!read) {
    client.maybe.delete(`a${n}`);
    client.maybe.delete(`b${n}`);
    client.acked.set(`a${n}`, String(n)).set(`b${n}`, String(n));
    client.lastAckSentAt = sentAt;
  }
  checkData(client, answer.data, stats, read ? `read ${n}` : `write ${n}`);
}

/**
 * Runs `total` requests spread over `clients` (each client sequential, clients in parallel);
 * `onProgress(done)` runs after each answer (await it to pause the traffic, e.g. while restarting).
 */
export async function runLoad(
  clients: readonly LoadClient[],
  total: number,
  stats: LoadStats,
  onProgress: (done: number) => Promise<void> | void = () => undefined,
): Promise<void> {
  let started = 0;
  let done = 0;
  await Promise.all(
    clients.map(async (client) => {
      while (started < total) {
        started++;
        await step(client, stats);
        done++;
        await onProgress(done);
      }
    }),
  );
}

/** Reads every client's session once more and checks it (after recovery). */
export async function verifyAll(clients: readonly LoadClient[], stats: LoadStats): Promise<void> {
  for (const client of clients) {
    if (client.browser.cookie === undefined) continue;
    const answer = await client.browser.send('/read', { keepJar: true });
    if (answer.status !== 200 || answer.data === undefined) {
      stats.violations.push(`${client.id}: final read answered ${answer.status}`);
      continue;
    }
    if (answer.setCookie.length > 0 && client.acked.size > 0) {
      stats.lostWrites += client.acked.size;
      stats.violations.push(`${client.id}: final read lost the session`);
      continue;
    }
    if (bookedReset(client, answer.data, stats)) continue;
    checkData(client, answer.data, stats, 'final read');
  }
}
