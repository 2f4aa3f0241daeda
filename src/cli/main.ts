#!/usr/bin/env node
/**
 * `coatcheck`: inspect and clean a session store (`stats`, `list`, `revoke`, `purge`, `migrate`).
 * Exit codes: 0 done, 1 the store cannot do what was asked, 2 bad usage, bad URL or unreachable
 * store. Errors are one line on stderr, never a stack trace.
 */
import { CoatcheckError, ConfigError, StoreUnavailableError } from '../core/errors.ts';
import { type CliArgs, parseCli, USAGE, UsageError } from './args.ts';
import { list, migrate, type Output, purge, revoke, stats } from './commands.ts';
import { type Connection, connect } from './connect.ts';
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
        return await revoke(connection, args);
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
  if (error instanceof CoatcheckError || error instanceof UsageError) return error.message;
  if (error instanceof Error) return `unexpected error: ${error.message}`;
  return `unexpected error: ${String(error)}`;
}

/** Runs the CLI on `argv`; resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let args: CliArgs | undefined;
  try {
    args = parseCli(argv);
  } catch (error) {
    process.stderr.write(`coatcheck: ${messageOf(error)}\nRun \`coatcheck --help\` for usage.\n`);
    return 2;
  }
  if (args === undefined) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
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
