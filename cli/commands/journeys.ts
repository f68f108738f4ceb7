import type { Command } from 'commander';
import { JourneyDefinition, type JourneyDefinitionInput } from '../../src/domain/journeys/definition';
import type { JourneyReport, MoveAll } from '../../src/domain/journeys/records';
import { issuePath, validateJourney } from '../../src/domain/journeys/validate';
import { everyItem, expectOk } from '../admin-api';
import { type CommandContext, commandGroup } from '../command-context';
import { CliError } from '../errors';
import { asDataFile, fileProblems, readDataFile } from '../files';

/** Reads a journey file and refuses it, every problem with its path, before anything is sent. */
async function validJourney(file: string): Promise<JourneyDefinitionInput> {
  const input = await readDataFile(file);
  const result = validateJourney(input);
  if (!result.valid) throw fileProblems(file, result.issues.map((issue) => ({ at: issuePath(issue), message: issue.message })));
  return input as JourneyDefinitionInput;
}

const pad = (value: number | string, width: number) => String(value).padStart(width);

/** The report as a table: the journey's totals, then one line per step (emails and split arms beside it). */
export function formatJourneyReport(report: JourneyReport): string {
  const exits = Object.entries(report.exitedBy).map(([reason, count]) => `${reason} ${count}`).join(', ');
  const lines = [
    `${report.name} (${report.status}${report.publishedVersion ? `, version ${report.publishedVersion}` : ''})`,
    `entered ${report.entered}  waiting ${report.waiting}  completed ${report.completed}  exited ${report.exited}${exits ? ` (${exits})` : ''}  goal reached ${report.goalReached}`,
    `${'step'.padEnd(24)}${'type'.padEnd(16)}${pad('entered', 8)}`,
  ];
  for (const step of report.steps) {
    let detail = '';
    if (step.emails) {
      const skipped = Object.entries(step.emails.skippedBy).map(([reason, count]) => `${reason} ${count}`).join(', ');
      detail = `  sent ${step.emails.sent}  skipped ${step.emails.skipped}${skipped ? ` (${skipped})` : ''}${step.emails.interrupted ? `  interrupted ${step.emails.interrupted} (not resent)` : ''}  opened ${step.emails.opened}  clicked ${step.emails.clicked}`;
    }
    if (step.arms) detail = `  ${Object.entries(step.arms).map(([arm, count]) => `${arm} ${count}`).join('  ')}`;
    lines.push(`${step.stepId.padEnd(24)}${step.type.padEnd(16)}${pad(step.entered, 8)}${detail}`);
  }
  return lines.join('\n');
}

interface JourneyListing {
  readonly id: string;
  readonly name: string;
  readonly status: string;
  readonly publishedVersion?: number;
  readonly updatedAt: string;
}

/** One journey a line: id, name, status, the version new leads enter, last changed. */
export function formatJourneyLine(journey: JourneyListing): string {
  return `${journey.id}  ${journey.name.padEnd(30)} ${journey.status.padEnd(10)} ${(journey.publishedVersion ? `v${journey.publishedVersion}` : '-').padEnd(5)} ${journey.updatedAt}`;
}

const CONTROLS = {
  publish: 'publish the draft as a new version: new entries go to it, enrolled leads finish on theirs',
  pause: 'pause: nobody enters, enrolled leads stay where they are',
  resume: 'resume a paused journey',
  archive: 'archive: nobody enters, enrolled leads exit at their next step',
} as const;

/** `leadflow journeys list | show | validate | push | publish | pause | resume | archive | enrol | move | report`. */
export function registerJourneys(program: Command, context: CommandContext): void {
  const { io } = context;
  const journeys = commandGroup(program, 'journeys', 'automations: entries, waits, branches, emails, sales tasks and goals');

  journeys
    .command('list')
    .description('every journey, newest first: status, the version new leads enter, last changed')
    .action(async () => {
      const api = await context.api();
      for (const journey of await everyItem<JourneyListing>((cursor) => api.listJourneys(cursor), 'Listing journeys')) io.out(formatJourneyLine(journey));
    });

  journeys
    .command('show')
    .description('the draft as YAML: save it to a file, edit it, and push it back with --id (a journey made in the console too)')
    .argument('<journeyId>')
    .action(async (journeyId: string) => {
      const journey = expectOk(await (await context.api()).getJourney(journeyId), `Reading journey ${journeyId}`);
      io.out(asDataFile(journey.draft, JourneyDefinition));
    });

  journeys
    .command('validate')
    .description('check a journey file offline; with --online also its stored templates')
    .argument('<file>', 'the journey, YAML or JSON')
    .option('--online', 'ask the API too (stored templates)')
    .action(async (file: string, options: { online?: boolean }) => {
      const journey = await validJourney(file);
      if (options.online) expectOk(await (await context.api()).validateJourney(journey), `Validating ${file}`);
      io.out(`${file}: valid`);
    });

  journeys
    .command('push')
    .description('save a journey draft (checked offline first), or the new draft of --id')
    .argument('<file>', 'the journey, YAML or JSON')
    .option('--id <journeyId>', 'replace the draft of this journey')
    .action(async (file: string, options: { id?: string }) => {
      const journey = await validJourney(file);
      const api = await context.api();
      const saved = options.id ? expectOk(await api.saveJourneyDraft(options.id, journey), `Saving the draft of journey ${options.id}`) : expectOk(await api.createJourney(journey), `Saving journey ${journey.name}`);
      io.out(`journey ${String(saved.id)} draft saved (${String(saved.status)}); publish it with: leadflow journeys publish ${String(saved.id)}`);
    });

  for (const [control, description] of Object.entries(CONTROLS) as [keyof typeof CONTROLS, string][]) {
    journeys
      .command(control)
      .description(description)
      .argument('<journeyId>')
      .action(async (journeyId: string) => {
        const api = await context.api();
        const changed = control === 'publish' ? expectOk(await api.publishJourney(journeyId), `Publishing journey ${journeyId}`) : expectOk(await api.controlJourney(journeyId, control), `${control} journey ${journeyId}`);
        io.out(`journey ${journeyId} is ${String(changed.status)}${changed.version ? ` (version ${String(changed.version)})` : ''}`);
      });
  }

  journeys
    .command('enrol')
    .description('enrol a lead by hand (it enters once its re-entry rule allows)')
    .argument('<journeyId>')
    .argument('<leadId>')
    .action(async (journeyId: string, leadId: string) => {
      expectOk(await (await context.api()).enrolInJourney(journeyId, leadId), `Enrolling lead ${leadId} in journey ${journeyId}`);
      io.out(`lead ${leadId} enrolment in journey ${journeyId} requested`);
    });

  journeys
    .command('move')
    .description('move enrolled leads (named, or every one with --all) to a newer version (the published one unless --version), steps mapped by id; refused, naming the step, when a lead waits at a step the version lacks')
    .argument('<journeyId>')
    .argument('[leadIds...]', 'up to 100 lead ids (none with --all)')
    .option('--all', 'every enrolled lead: checks them all, then moves them, call after call until done')
    .option('--version <n>', 'the version to move to (default: the published one)')
    .action(async (journeyId: string, leadIds: string[], options: { version?: string; all?: boolean }) => {
      const version = options.version === undefined ? undefined : Number(options.version);
      const api = await context.api();
      if (options.all) {
        if (leadIds.length) throw new CliError('Name lead ids or --all, not both');
        // Each call works a few seconds and stores where it stopped; the next goes on from there.
        for (;;) {
          const move = expectOk(await api.moveAllJourneyEnrolments(journeyId, version), `Moving every lead of journey ${journeyId}`) as unknown as MoveAll;
          const { counts } = move;
          if (move.phase === 'done') {
            io.out(`${counts.moved} of ${move.enrolled} enrolled lead(s) moved to version ${move.version} (${counts.alreadyThere} already there, ${counts.ended} ended, ${counts.refused + counts.changedMeanwhile} moved on by their runner meanwhile and left)`);
            return;
          }
          io.out(`${move.phase}: ${counts.leadsRead} lead(s) read${move.phase === 'moving' ? `, ${counts.moved} moved` : `, ${move.enrolled} enrolled`}`);
        }
      }
      if (!leadIds.length) throw new CliError('Name at least one lead id, or --all');
      const moved = expectOk(await api.moveJourneyEnrolments(journeyId, leadIds, version), `Moving leads of journey ${journeyId}`);
      const leads = (moved.leads ?? []) as { leadId: string; outcome: string }[];
      for (const lead of leads) io.out(`lead ${lead.leadId}: ${lead.outcome}`);
      io.out(`${leads.filter((lead) => lead.outcome === 'moved').length} of ${leads.length} moved to version ${String(moved.version)}`);
    });

  journeys
    .command('report')
    .description('entered, waiting, completed, exited by reason, goal reached; per step and split arm')
    .argument('<journeyId>')
    .action(async (journeyId: string) => {
      io.out(formatJourneyReport(expectOk(await (await context.api()).getJourneyReport(journeyId), `Reading the report of journey ${journeyId}`) as unknown as JourneyReport));
    });
}
