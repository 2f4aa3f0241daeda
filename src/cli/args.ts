/**
 * Command-line parsing for `coatcheck`. node:util parseArgs splits the tokens (non-strict, so its
 * own messages, written for a generic program, never reach the user); every check and message is
 * ours: unknown commands and options get a "did you mean", an option given to a command that does
 * not take it says which commands do, and each error carries the command's usage line.
 */
import { parseArgs } from 'node:util';
import { suggestion } from './did-you-mean.ts';
import {
  COMMANDS,
  type CommandName,
  commandsTaking,
  OPTION_NAMES,
  OPTIONS,
  type OptionName,
  usageLine,
} from './help.ts';

export { COMMANDS, type CommandName } from './help.ts';

/** A command to run. */
export interface CliArgs {
  readonly command: Exclude<CommandName, 'help'>;
  readonly store: string;
  readonly user: string | undefined;
  readonly session: string | undefined;
  /** `revoke --all`. */
  readonly all: boolean;
  /** `revoke --all --yes`: no confirmation prompt. */
  readonly yes: boolean;
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

/** Help to print: the whole usage (`command` undefined) or one command's. */
export interface HelpRequest {
  readonly help: true;
  readonly command: CommandName | undefined;
}

/** A mistake on the command line: printed with the usage line, exit code 2. */
export class UsageError extends Error {
  /** The usage line of the command it concerns, or of the CLI. */
  readonly usage: string;
  /** Where to read more: `coatcheck help <command>`, or `coatcheck help`. */
  readonly more: string;
  constructor(message: string, command?: CommandName) {
    super(message);
    this.usage =
      command === undefined ? 'Usage: coatcheck <command> --store <url> [options]' : usageLine(command);
    this.more =
      command === undefined || command === 'help'
        ? 'Run `coatcheck help` for every command and option.'
        : `Run \`coatcheck help ${command}\` for its options.`;
  }
}

function positiveInt(name: string, text: string | undefined, fallback: number, command: CommandName): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < 1)
    throw new UsageError(`--${name} must be a positive integer, got "${text}"`, command);
  return value;
}

function isOption(name: string): name is OptionName {
  return Object.hasOwn(OPTIONS, name);
}

function listOf(commands: readonly string[]): string {
  return commands.length <= 1
    ? (commands[0] ?? '')
    : `${commands.slice(0, -1).join(', ')} and ${commands.at(-1)}`;
}

type Values = Partial<Record<OptionName, string | true>>;

type Token = ReturnType<typeof tokenize>['tokens'][number];

function tokenize(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: false,
    tokens: true,
    options: Object.fromEntries(
      OPTION_NAMES.map((name) => [
        name,
        name === 'help' ? { type: 'boolean', short: 'h' } : { type: OPTIONS[name].type },
      ]),
    ),
  });
}

/** Reads the option tokens into `values`, refusing unknown options and malformed values. */
function readOptions(tokens: readonly Token[], command: CommandName | undefined): Values {
  const values: Values = {};
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const { name, rawName } = token;
    if (!isOption(name)) {
      const hint = rawName.startsWith('--') ? suggestion(name, OPTION_NAMES, (word) => `--${word}`) : '';
      throw new UsageError(`unknown option ${rawName}${hint}`, command);
    }
    if (OPTIONS[name].type === 'boolean') {
      if (token.inlineValue === true) throw new UsageError(`${rawName} takes no value`, command);
      values[name] = true;
      continue;
    }
    const { value } = token;
    // `--store --json`: parseArgs would take "--json" as the URL, so a separate value that looks
    // like a long option (or is -h) is refused. One dash is a value: a store key is base64url and
    // starts with "-" once in 64 keys (`--session -Xy…`, as `coatcheck list` prints it).
    const looksLikeOption = value !== undefined && (value.startsWith('--') || value === '-h');
    if (value === undefined || (token.inlineValue !== true && looksLikeOption)) {
      const inline = value === undefined ? '' : ` (if "${value}" is the value, write ${rawName}=${value})`;
      throw new UsageError(`${rawName} needs a value: ${rawName} ${OPTIONS[name].value}${inline}`, command);
    }
    values[name] = value;
  }
  return values;
}

function commandOf(word: string): CommandName {
  if ((COMMANDS as readonly string[]).includes(word)) return word as CommandName;
  const hint = suggestion(word, COMMANDS);
  throw new UsageError(`unknown command "${word}"${hint || `; expected one of ${COMMANDS.join(', ')}`}`);
}

/**
 * Parses `argv` (without node and the script): the command to run, or the help to print
 * (`--help`, `-h`, `help [command]`, or nothing at all).
 * @throws UsageError for anything else that is not a valid command line.
 */
export function parseCli(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): CliArgs | HelpRequest {
  const { tokens, positionals } = tokenize(argv);
  const [first, ...extra] = positionals;
  // Option mistakes first (`--usr alice list` is about --usr, not a command named "alice").
  const known = (COMMANDS as readonly string[]).includes(first ?? '') ? (first as CommandName) : undefined;
  const values = readOptions(tokens, known);
  const command = first === undefined ? undefined : commandOf(first);
  if (command === 'help') {
    if (extra.length > 1) throw new UsageError(`unexpected argument "${extra[1]}"`, 'help');
    return { help: true, command: extra[0] === undefined ? undefined : commandOf(extra[0]) };
  }
  if (values.help === true || command === undefined) return { help: true, command };
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`, command);
  for (const name of OPTION_NAMES) {
    const takers = commandsTaking(name);
    if (values[name] !== undefined && !takers.includes(command))
      throw new UsageError(`--${name} only applies to ${listOf(takers)}`, command);
  }
  const text = (name: OptionName) => {
    const value = values[name];
    return typeof value === 'string' ? value : undefined;
  };
  const store = text('store') ?? env.COATCHECK_STORE;
  if (store === undefined || store === '')
    throw new UsageError('--store <url> is required (or set COATCHECK_STORE)', command);
  const all = values.all === true;
  const targets = [text('user') !== undefined, text('session') !== undefined, all].filter(Boolean).length;
  if (command === 'revoke' && targets !== 1)
    throw new UsageError('revoke needs exactly one of --user <id>, --session <key> or --all', command);
  if (values.yes === true && !all) throw new UsageError('--yes only applies to revoke --all', command);
  const watch = values.watch === true;
  if (text('interval') !== undefined && !watch)
    throw new UsageError('--interval only applies to stats --watch', command);
  const interval = Number(text('interval') ?? 2);
  if (!Number.isFinite(interval) || interval < 0.1 || interval > 86_400)
    throw new UsageError(
      `--interval must be a number of seconds from 0.1 to 86400, got "${text('interval')}"`,
      command,
    );
  return {
    command,
    store,
    user: text('user'),
    session: text('session'),
    all,
    yes: values.yes === true,
    dryRun: values['dry-run'] === true,
    json: values.json === true,
    limit: positiveInt('limit', text('limit'), 100, command),
    timeoutMs: positiveInt('timeout', text('timeout'), 5000, command),
    table: text('table'),
    prefix: text('prefix'),
    watch,
    intervalMs: Math.round(interval * 1000),
  };
}
