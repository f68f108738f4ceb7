import { CommanderError } from 'commander';
import type { CliIo } from './command-context';
import { CliError } from './errors';
import { buildProgram } from './program';

export type { CliIo } from './command-context';

/** Runs the CLI; returns the exit code (0 ok or help asked for, 1 refused or failed). */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    await buildProgram(io).parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    // Commander has already printed what it refused (an unknown flag, a missing argument) or the help.
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof CliError) {
      if (error.message) io.err(error.message);
      return 1;
    }
    io.err(`leadflow: ${(error as Error).message}`);
    return 1;
  }
}
