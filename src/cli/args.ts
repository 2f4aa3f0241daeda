/**
 * Command-line parsing for `coatcheck` (node:util parseArgs) and the usage text.
 */
import { parseArgs } from 'node:util';

/** The commands the CLI knows. */
export const COMMANDS = ['stats', 'list', 'revoke', 'purge', 'migrate'] as const;
export type CommandName = (typeof COMMANDS)[number];

/** Parsed command line. */
export interface CliArgs {
  readonly command: CommandName;
  readonly store: string;
  readonly user: string | undefined;
  readonly session: string | undefined;
  readonly dryRun: boolean;
  readonly json: boolean;
  readonly limit: number;
  readonly timeoutMs: number;
  readonly table: string | undefined;
  readonly prefix: string | undefined;
  /** `stats --watch`: sample again every `intervalMs` until Ctrl-C. */
  readonly watch: boolean;
  readonly intervalMs: number;
}

/** A mistake on the command line: printed with the usage hint, exit code 2. */
export class UsageError extends Error {}

export const USAGE = `Usage: coatcheck <command> --store <url> [options]

Commands:
  stats    --store <url> [--watch [--interval <s>]]
                                               count, expired count, per-user top 10, round-trip latency
                                               (--watch: refreshed every --interval seconds, default 2, until Ctrl-C)
  list     --store <url> [--user <id>]         sessions (of one user, or the most recently seen)
  revoke   --store <url> (--user <id> | --session <key>)
                                               delete every session of a user, or one session by store key
  purge    --store <url> [--dry-run]           delete expired sessions (--dry-run: only count them)
  migrate  --store <url>                       create or upgrade the store's tables

Options:
  --store <url>     redis://host:6379, postgres://user@host/db, mysql://user@host/db,
                    memcached://host:11211, sqlite:./data/sessions.db, file:./sessions, memory:
                    (default: $COATCHECK_STORE)
  --json            machine-readable output on stdout
  --limit <n>       rows shown by list (default 100)
  --timeout <ms>    give up on a store that does not answer (default 5000)
  --table <name>    SQL table name (default coatcheck_sessions)
  --prefix <p>      Redis/memcached key prefix (default coatcheck:)
  -h, --help        this text

Exit codes: 0 done, 1 the store cannot do that, 2 bad usage, bad URL or unreachable store.`;

function positiveInt(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1)
    throw new UsageError(`--${name} must be a positive integer, got "${text}"`);
  return value;
}

/** Parses `argv` (without node and the script). Returns `undefined` for --help. @throws UsageError */
export function parseCli(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): CliArgs | undefined {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help === true || positionals.length === 0) return undefined;
  const [command, ...extra] = positionals;
  if (!(COMMANDS as readonly string[]).includes(command ?? ''))
    throw new UsageError(`unknown command "${command}"; expected one of ${COMMANDS.join(', ')}`);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  const store = values.store ?? env.COATCHECK_STORE;
  if (store === undefined || store === '')
    throw new UsageError('--store <url> is required (or set COATCHECK_STORE)');
  const name = command as CommandName;
  if (name === 'revoke' && (values.user === undefined) === (values.session === undefined))
    throw new UsageError('revoke needs exactly one of --user <id> or --session <key>');
  if (values.session !== undefined && name !== 'revoke')
    throw new UsageError('--session only applies to revoke');
  if (values.user !== undefined && name !== 'revoke' && name !== 'list')
    throw new UsageError('--user only applies to list and revoke');
  if (values['dry-run'] === true && name !== 'purge') throw new UsageError('--dry-run only applies to purge');
  if (values.watch === true && name !== 'stats') throw new UsageError('--watch only applies to stats');
  if (values.interval !== undefined && values.watch !== true)
    throw new UsageError('--interval only applies to stats --watch');
  const interval = Number(values.interval ?? 2);
  if (!Number.isFinite(interval) || interval < 0.1 || interval > 86_400)
    throw new UsageError(
      `--interval must be a number of seconds from 0.1 to 86400, got "${values.interval}"`,
    );
  return {
    command: name,
    store,
    user: values.user,
    session: values.session,
    dryRun: values['dry-run'] === true,
    json: values.json === true,
    limit: positiveInt('limit', values.limit, 100),
    timeoutMs: positiveInt('timeout', values.timeout, 5000),
    table: values.table,
    prefix: values.prefix,
    watch: values.watch === true,
    intervalMs: Math.round(interval * 1000),
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      store: { type: 'string' },
      user: { type: 'string' },
      session: { type: 'string' },
      'dry-run': { type: 'boolean' },
      json: { type: 'boolean' },
      limit: { type: 'string' },
      timeout: { type: 'string' },
      table: { type: 'string' },
      prefix: { type: 'string' },
      watch: { type: 'boolean' },
      interval: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
