import type { Command } from 'commander';
import type { AdminApi } from './admin-api';
import type { Fetch } from '../src/api/client';
import { CliError } from './errors';
import type { ProgressTiming } from './progress';

/** Where the CLI writes and what it reads from its environment; tests pass their own. */
export interface CliIo extends ProgressTiming {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly fetch?: Fetch;
}

/** What every command group gets: the I/O, and the admin API once a command needs it. */
export interface CommandContext {
  readonly io: CliIo;
  /** `--api`, else $LEADFLOW_API_URL, else the local stack's. */
  apiUrl(): string;
  /** The admin API at `apiUrl()`, authenticated; resolved only by the commands that call it. */
  api(): Promise<AdminApi>;
}

/** `a, b or c` */
const inWords = (items: readonly string[]) => (items.length > 1 ? `${items.slice(0, -1).join(', ')} or ${items.at(-1)}` : (items[0] ?? ''));

/** `show <function>`, `show [version]`: a command as its group's refusal names it, with its arguments as its usage gives them (a group by its name alone). */
const synopsis = (command: Command) => (command.commands.length ? command.name() : `${command.name()} ${command.usage().replace(/\[options\]/g, '')}`.replace(/\s+/g, ' ').trim());

/**
 * Makes `group` a group of commands: without a command it prints its help and exits 1; an unknown
 * command is refused with the group's commands listed.
 */
export function actAsGroup(group: Command): Command {
  return group
    .usage('<command> [options]')
    .argument('[command]')
    // An unknown command's own arguments (`rules check file.yaml`) would otherwise hide it behind commander's "too many arguments".
    .allowExcessArguments()
    .action((command: string | undefined) => {
      if (command === undefined) {
        group.outputHelp();
        throw new CliError('');
      }
      const path = group.parent ? `${group.name()} ` : '';
      throw new CliError(`unknown command ${path}${command}: ${inWords(group.commands.map(synopsis))}`);
    });
}

/** A command group (`rules`, `dlq`, ...) under `parent`. */
export const commandGroup = (parent: Command, name: string, description: string): Command => actAsGroup(parent.command(name).description(description));
