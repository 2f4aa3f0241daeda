#!/usr/bin/env node
/**
 * `coatcheck`: inspect and clean a session store (`stats`, `list`, `revoke`, `purge`, `migrate`,
 * `help`). Exit codes: 0 done, 1 the store cannot do what was asked (or the confirmation was
 * declined), 2 bad usage, bad URL or unreachable store. Errors are one line on stderr (a usage
 * error adds the command's usage line), never a stack trace.
 */
import { CoatcheckError, ConfigError, StoreUnavailableError } from '../core/errors.ts';
import { type CliArgs, parseCli, UsageError } from './args.ts';
import { list, migrate, type Output, purge, revoke, stats } from './commands.ts';
import { type Connection, connect } from './connect.ts';
import { commandHelp, USAGE } from './help.ts';
import { NotConfirmedError, revokeAll } from './revoke-all.ts';
import { STREAMED, watchStats } from './watch.ts';

async function run(args: CliArgs): Promise<Output> {
  const connection: Connection = await connect(args, args.command !== 'migrate');
  try {
    switch (args.command) {
      case 'stats':
        return args.watch ? await watchStats(connection, args, process.stdout) : await stats(connection);
      case 'list':
        return await list(connection, args);
      case 'revoke':
        return args.all
          ? await revokeAll(connection, args, { stdin: process.stdin, stderr: process.stderr })
          : await revoke(connection, args);
      case 'purge':
        return await purge(connection, args, process.stderr);
      case 'migrate':
        return await migrate(connection);
    }
  } finally {
    await connection.close();
  }
}

function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError || error instanceof ConfigError || error instanceof StoreUnavailableError)
    return 2;
  return 1;
}

function messageOf(error: unknown): string {
  if (error instanceof CoatcheckError || error instanceof UsageError || error instanceof NotConfirmedError)
    return error.message;
  if (error instanceof Error) return `unexpected error: ${error.message}`;
  return `unexpected error: ${String(error)}`;
}

/** Runs the CLI on `argv`; resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let parsed: ReturnType<typeof parseCli>;
  try {
    parsed = parseCli(argv);
  } catch (error) {
    const usage = error instanceof UsageError ? `${error.usage}\n${error.more}\n` : '';
    process.stderr.write(`coatcheck: ${messageOf(error)}\n${usage}`);
    return 2;
  }
  if ('help' in parsed) {
    process.stdout.write(`${parsed.command === undefined ? USAGE : commandHelp(parsed.command)}\n`);
    return 0;
  }
  const args = parsed;
  try {
    const output = await run(args);
    if (output === STREAMED) return 0;
    process.stdout.write(args.json ? `${JSON.stringify(output.json)}\n` : `${output.text}\n`);
    return 0;
  } catch (error) {
    const code = exitCodeOf(error);
    if (args.json)
      process.stdout.write(
        `${JSON.stringify({ error: messageOf(error), code: (error as { code?: unknown }).code ?? null })}\n`,
      );
    process.stderr.write(`coatcheck: ${messageOf(error)}\n`);
    return code;
  }
}

// Drivers may keep sockets (and reconnect timers) alive after close: exit explicitly once done.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`coatcheck: ${messageOf(error)}\n`);
    process.exit(1);
  },
);
