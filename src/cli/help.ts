/**
 * What the CLI knows: its commands, its options, which command takes which option, and the help
 * text built from them (`coatcheck help`, `coatcheck help <command>`, the usage line of an error).
 */

/** The commands the CLI knows, in the order help lists them. */
export const COMMANDS = ['stats', 'list', 'revoke', 'purge', 'migrate', 'help'] as const;
export type CommandName = (typeof COMMANDS)[number];

/** An option of the command line. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  /** The value's placeholder in help, for string options: `--store <url>`. */
  readonly value?: string;
  readonly text: string;
  /** The commands that take it; every command (but help) when absent. */
  readonly only?: readonly CommandName[];
}

export const OPTIONS = {
  store: {
    type: 'string',
    value: '<url>',
    text: 'redis://host:6379, postgres://user@host/db, mysql://user@host/db,\nmemcached://host:11211, sqlite:./data/sessions.db, file:./sessions, memory:\n(default: $COATCHECK_STORE)',
  },
  user: {
    type: 'string',
    value: '<id>',
    text: 'list: the sessions of this user; revoke: end them all',
    only: ['list', 'revoke'],
  },
  session: {
    type: 'string',
    value: '<key>',
    text: 'revoke: one session, by the store key `list` shows',
    only: ['revoke'],
  },
  all: {
    type: 'boolean',
    text: 'revoke: every session in the store (asks first unless --yes)',
    only: ['revoke'],
  },
  yes: { type: 'boolean', text: 'revoke --all: do not ask for confirmation', only: ['revoke'] },
  'dry-run': { type: 'boolean', text: 'purge: only count the expired sessions', only: ['purge'] },
  json: {
    type: 'boolean',
    text: 'machine-readable output on stdout (stats --watch: one JSON line per sample)',
  },
  watch: {
    type: 'boolean',
    text: 'stats: refresh every --interval seconds until Ctrl-C',
    only: ['stats'],
  },
  interval: {
    type: 'string',
    value: '<s>',
    text: 'stats --watch: seconds between samples, 0.1 to 86400 (default 2)',
    only: ['stats'],
  },
  limit: { type: 'string', value: '<n>', text: 'rows shown by list (default 100)', only: ['list'] },
  timeout: { type: 'string', value: '<ms>', text: 'give up on a store that does not answer (default 5000)' },
  table: { type: 'string', value: '<name>', text: 'SQL table name (default coatcheck_sessions)' },
  prefix: { type: 'string', value: '<p>', text: 'Redis/memcached key prefix (default coatcheck:)' },
  help: { type: 'boolean', text: 'this text (or, after a command, that command’s)' },
} as const satisfies Record<string, OptionSpec>;
export type OptionName = keyof typeof OPTIONS;
export const OPTION_NAMES = Object.keys(OPTIONS) as OptionName[];

interface CommandSpec {
  /** Everything after `coatcheck <command>` in the usage line. */
  readonly usage: string;
  /** One line for the command list. */
  readonly summary: string;
  /** What `coatcheck help <command>` adds below the usage line. */
  readonly details: string;
}

const COMMAND_SPECS: Record<CommandName, CommandSpec> = {
  stats: {
    usage: '--store <url> [--watch [--interval <s>]]',
    summary: 'count, expired count, per-user top 10, round-trip latency',
    details:
      'How many sessions the store holds, how many are expired but not yet purged, the 10 users with\nthe most live sessions (stores with scan), and the median of 5 round trips.',
  },
  list: {
    usage: '--store <url> [--user <id>] [--limit <n>]',
    summary: 'sessions (of one user, or the most recently seen)',
    details:
      'One row per live session: store key, user, created, last seen, expires, IP and browser.\nWithout --user it needs a store with scan; with --user, a store with a user index.',
  },
  revoke: {
    usage: '--store <url> (--user <id> | --session <key> | --all [--yes])',
    summary: 'end the sessions of a user, one session by store key, or every session',
    details:
      'Deletes session records now: the next request with their ticket has no session. --all ends every\nsession in the store, e.g. after a breach (a store with scan): it asks for confirmation unless\n--yes, shows progress on a terminal, and sessions created while it runs may survive it.',
  },
  purge: {
    usage: '--store <url> [--dry-run]',
    summary: 'delete expired sessions (--dry-run: only count them)',
    details:
      'Removes records past their expiry (Redis and memcached expire them themselves: 0). Shows\nprogress on a terminal. Safe to run from cron.',
  },
  migrate: {
    usage: '--store <url>',
    summary: "create or upgrade the store's tables",
    details:
      'Creates the SQL table and indexes (or upgrades them); stores without a schema have nothing to do.',
  },
  help: {
    usage: '[<command>]',
    summary: 'this text, or the help of one command',
    details: 'coatcheck help revoke (the same as coatcheck revoke --help).',
  },
};

/** The commands that take `option`. */
export function commandsTaking(option: OptionName): readonly CommandName[] {
  const spec: OptionSpec = OPTIONS[option];
  return spec.only ?? COMMANDS.filter((command) => command !== 'help');
}

/** `coatcheck revoke --store <url> (…)`: one command's usage line. */
export function usageLine(command: CommandName): string {
  return `Usage: coatcheck ${command} ${COMMAND_SPECS[command].usage}`;
}

function optionLabel(name: OptionName): string {
  const spec: OptionSpec = OPTIONS[name];
  const short = name === 'help' ? '-h, ' : '';
  return `${short}--${name}${spec.value === undefined ? '' : ` ${spec.value}`}`;
}

function optionLines(names: readonly OptionName[]): string[] {
  const width = Math.max(...names.map((name) => optionLabel(name).length)) + 2;
  return names.flatMap((name) => {
    const [first = '', ...rest] = OPTIONS[name].text.split('\n');
    return [
      `  ${optionLabel(name).padEnd(width)}${first}`,
      ...rest.map((line) => `  ${' '.repeat(width)}${line}`),
    ];
  });
}

/** `coatcheck help`: every command and option. */
export const USAGE = [
  'Usage: coatcheck <command> --store <url> [options]',
  '',
  'Commands:',
  ...COMMANDS.map((command) => `  ${command.padEnd(9)}${COMMAND_SPECS[command].summary}`),
  '',
  'Options:',
  ...optionLines(OPTION_NAMES),
  '',
  'Run `coatcheck help <command>` for one command.',
  'Exit codes: 0 done, 1 the store cannot do that (or the answer was no), 2 bad usage, bad URL or unreachable store.',
].join('\n');

/** `coatcheck help <command>`: its usage line, what it does, and the options it takes. */
export function commandHelp(command: CommandName): string {
  const spec = COMMAND_SPECS[command];
  const lines = [
    usageLine(command),
    '',
    `${spec.summary.replace(/^./, (c) => c.toUpperCase())}.`,
    '',
    spec.details,
  ];
  if (command !== 'help') {
    const own = OPTION_NAMES.filter((name) => name !== 'help' && commandsTaking(name).includes(command));
    lines.push('', 'Options:', ...optionLines([...own, 'help']));
  }
  return lines.join('\n');
}
