import type { Command } from 'commander';
import { expectOk } from '../admin-api';
import { type CommandContext, commandGroup } from '../command-context';
import { readDataFile } from '../files';

/** `leadflow routing get | put <file>`: the owner routing configuration. */
export function registerRouting(program: Command, context: CommandContext): void {
  const { io } = context;
  const routing = commandGroup(program, 'routing', 'owner routing: teams, reps and the rules that pick them');

  routing
    .command('get')
    .description('the owner routing configuration (teams, reps, rules), as JSON')
    .action(async () => {
      io.out(JSON.stringify(expectOk(await (await context.api()).getRouting(), 'Reading routing'), null, 2));
    });

  routing
    .command('put')
    .description('replace it; every problem is listed with its field')
    .argument('<file>', 'the configuration, YAML or JSON')
    .action(async (file: string) => {
      const saved = expectOk(await (await context.api()).putRouting(await readDataFile(file)), `Saving routing from ${file}`);
      const teams = saved.teams as { reps: unknown[] }[];
      io.out(`routing version ${String(saved.version)}: ${teams.length} teams, ${teams.reduce((sum, team) => sum + team.reps.length, 0)} reps, ${(saved.rules as unknown[]).length} rules`);
    });
}
