import { isDeepStrictEqual } from 'node:util';
import type { Command } from 'commander';
import type { BacktestReport, HistogramBucket } from '../../src/domain/scoring/backtest';
import { diffRulesets, formatDiff } from '../../src/domain/scoring/diff';
import { Ruleset } from '../../src/domain/scoring/ruleset';
import { validateRuleset } from '../../src/domain/scoring/validate';
import { type AdminApi, expectOk, everyItem } from '../admin-api';
import { type CommandContext, commandGroup } from '../command-context';
import { CliError } from '../errors';
import { asDataFile, fileProblems, readDataFile } from '../files';
import { followProgress } from '../progress';

const RULESET_FILE = /\.(json|ya?ml)$/i;

/** Reads and validates a file, refusing it with every issue listed. */
async function validRuleset(file: string): Promise<Ruleset> {
  const result = validateRuleset(await readDataFile(file));
  if (!result.valid) throw fileProblems(file, result.issues.map((issue) => ({ at: issue.path, message: issue.message })));
  return result.ruleset;
}

const saveDraft = async (api: AdminApi, ruleset: Ruleset) => expectOk(await api.saveRulesetDraft(ruleset), `Saving draft ${ruleset.version}`);

const pad = (text: string | number, width: number) => String(text).padStart(width);
const bucketLabel = (bucket: HistogramBucket) =>
  bucket.from === undefined ? `< ${bucket.to}` : bucket.to === undefined ? `>= ${bucket.from}` : `${bucket.from}..${(bucket.to ?? 0) - 1}`;

const caughtOf = (outcome: BacktestReport['draft']) => `${outcome.closedWon.caught} of ${outcome.closedWon.leads}`;

/** The back-test as a reader wants it in a terminal: the headline first, then the detail. */
export function formatBacktest(report: BacktestReport & { durationMs?: number }): string {
  const { draft, active } = report;
  const lines = [
    `Back-test of ${draft.version} against ${active.version}, ${report.window.from} .. ${report.window.to}`,
    `${report.events} events of ${report.leads} leads${report.durationMs === undefined ? '' : ` in ${report.durationMs} ms`}`,
    '',
    `${''.padEnd(22)}${pad(draft.version, 14)}${pad(active.version, 14)}`,
    `${'MQLs'.padEnd(22)}${pad(draft.mqls, 14)}${pad(active.mqls, 14)}`,
    `${'qualified at the end'.padEnd(22)}${pad(draft.qualifiedAtEnd, 14)}${pad(active.qualifiedAtEnd, 14)}`,
    '',
    `${'closed won caught'.padEnd(22)}${pad(caughtOf(draft), 14)}${pad(caughtOf(active), 14)}`,
    `${'days before the win'.padEnd(22)}${pad(draft.closedWon.medianDaysBeforeWin ?? 'n/a', 14)}${pad(active.closedWon.medianDaysBeforeWin ?? 'n/a', 14)}`,
    '',
    `Newly qualified: ${report.newlyQualified.leads}   Dropped out: ${report.droppedOut.leads}`,
    '',
    'Score at the end of the window (leads)',
    ...draft.histogram.map((bucket, index) => `${bucketLabel(bucket).padEnd(22)}${pad(bucket.leads, 14)}${pad(active.histogram[index]?.leads ?? 0, 14)}`),
  ];
  const weeks = [...new Set([...draft.mqlsPerWeek, ...active.mqlsPerWeek].map((entry) => entry.week))].sort();
  if (weeks.length) {
    lines.push('', 'MQLs per week (from Monday)');
    for (const week of weeks) {
      const count = (outcome: typeof draft) => outcome.mqlsPerWeek.find((entry) => entry.week === week)?.mqls ?? 0;
      lines.push(`${week.padEnd(22)}${pad(count(draft), 14)}${pad(count(active), 14)}`);
    }
  }
  const reps = [...new Set([...draft.alertLoad.perRep, ...active.alertLoad.perRep].map((load) => load.repId))];
  if (reps.length || draft.alertLoad.teamInbox.length || active.alertLoad.teamInbox.length) {
    lines.push('', 'MQL alerts per rep (busiest week)');
    const repCell = (outcome: typeof draft, repId: string) => {
      const load = outcome.alertLoad.perRep.find((entry) => entry.repId === repId);
      return load ? `${load.alerts} (${load.busiestWeek?.alerts ?? 0})` : '0';
    };
    for (const repId of reps) lines.push(`${repId.padEnd(22)}${pad(repCell(draft, repId), 14)}${pad(repCell(active, repId), 14)}`);
    const teams = [...new Set([...draft.alertLoad.teamInbox, ...active.alertLoad.teamInbox].map((entry) => entry.teamId))];
    const inboxCell = (outcome: typeof draft, teamId: string) => outcome.alertLoad.teamInbox.find((entry) => entry.teamId === teamId)?.alerts ?? 0;
    for (const teamId of teams) lines.push(`${`${teamId} inbox`.padEnd(22)}${pad(inboxCell(draft, teamId), 14)}${pad(inboxCell(active, teamId), 14)}`);
  }
  if (report.ruleMovers.length) {
    lines.push('', 'Rules that moved the most points (draft - active)');
    for (const mover of report.ruleMovers) lines.push(`${(mover.delta > 0 ? '+' : '') + mover.delta}`.padStart(8) + `  ${mover.ruleId}: ${mover.description}`);
  }
  return lines.join('\n');
}

/** `leadflow rules validate | diff | backtest | activate | list`: scoring rulesets as files. */
export function registerRules(program: Command, context: CommandContext): void {
  const { io } = context;
  const rules = commandGroup(program, 'rules', 'scoring rulesets: check files offline, compare, back-test, activate');

  rules
    .command('validate')
    .description('check ruleset files (JSON or YAML) offline; every problem with its path')
    .argument('<file...>', 'ruleset files')
    .action(async (files: string[]) => {
      const failures: string[] = [];
      for (const file of files) {
        try {
          const ruleset = await validRuleset(file);
          io.out(`ok ${file}: ${ruleset.version}, ${ruleset.rules.length} rules`);
        } catch (error) {
          if (!(error instanceof CliError)) throw error;
          failures.push(error.message);
        }
      }
      if (failures.length) throw new CliError(failures.join('\n'));
    });

  rules
    .command('diff')
    .description('what the file changes against the active ruleset (or a version or file)')
    .argument('<file>', 'the ruleset file')
    .option('--against <version|file>', 'a saved version or another file (default: the active ruleset)')
    .action(async (file: string, options: { against?: string }) => {
      const after = await validRuleset(file);
      let before: Ruleset;
      if (options.against && RULESET_FILE.test(options.against)) before = await validRuleset(options.against);
      else {
        const api = await context.api();
        const version = options.against ?? (expectOk(await api.listRulesets(), 'Listing rulesets').active as string);
        before = expectOk(await api.getRuleset(version), `Reading ruleset ${version}`).ruleset as Ruleset;
      }
      io.out(formatDiff(diffRulesets(before, after)));
    });

  rules
    .command('backtest')
    .description('save the file as a draft and replay recorded events through it beside the active ruleset')
    .argument('<file>', 'the ruleset file')
    .option('--from <time>', 'start of the window (default: 30 days ago)')
    .option('--to <time>', 'end of the window (default: now)')
    .option('--json', 'the report as JSON')
    .action(async (file: string, options: { from?: string; to?: string; json?: boolean }) => {
      const ruleset = await validRuleset(file);
      const api = await context.api();
      await saveDraft(api, ruleset);
      const window = { ...(options.from ? { from: options.from } : {}), ...(options.to ? { to: options.to } : {}) };
      const report = expectOk(await api.backtestRuleset(ruleset.version, window), 'Back-test');
      io.out(options.json ? JSON.stringify(report, null, 2) : formatBacktest(report as unknown as BacktestReport));
    });

  rules
    .command('activate')
    .description('activate a back-tested draft and follow the rescoring of every lead')
    .argument('<file|version>', 'a ruleset file (saved first if it changed) or a saved version')
    .option('--no-wait', 'return once the rescoring has started')
    .action(async (target: string, options: { wait: boolean }) => {
      const api = await context.api();
      const fromFile = RULESET_FILE.test(target) ? await validRuleset(target) : undefined;
      const version = fromFile?.version ?? target;
      if (fromFile) {
        const stored = await api.getRuleset(version);
        const unchanged = stored.status === 200 && isDeepStrictEqual((stored.body as { ruleset: unknown }).ruleset, fromFile);
        // A changed file is saved first; saving drops the old back-test, so activation then asks for a new one.
        if (!unchanged) await saveDraft(api, fromFile);
      }
      const started = expectOk(await api.activateRuleset(version), `Activating ${version}`);
      io.out(`${version} is active; rescoring job ${String(started.jobId)}`);
      if (!options.wait) return;
      await followProgress(
        io,
        async () => {
          const job = expectOk(await api.getRescoringJob(String(started.jobId)), 'Reading rescoring progress');
          io.out(`rescored ${String(job.progress)}`);
          return job.status === 'done' ? { finished: true, result: job } : { finished: false, progress: job.progress };
        },
        (seconds) => `Rescoring made no progress for ${seconds} s; the plan-rescoring and rescore-leads dead-letter queues say why`,
      );
    });

  rules
    .command('list')
    .description('every ruleset version and its status')
    .action(async () => {
      const api = await context.api();
      const rulesets = await everyItem<{ version: string; status: string; rules: number; updatedAt: string }>((cursor) => api.listRulesets(cursor), 'Listing rulesets');
      for (const ruleset of rulesets) io.out(`${ruleset.version.padEnd(24)}${ruleset.status.padEnd(10)}${pad(ruleset.rules, 4)} rules   ${ruleset.updatedAt}`);
    });

  rules
    .command('show')
    .description('a ruleset version as a file (the active one by default), to copy and edit under a new version')
    .argument('[version]', 'the version (default: the active one)')
    .action(async (version: string | undefined) => {
      const api = await context.api();
      const named = version ?? String(expectOk(await api.listRulesets(), 'Reading the active ruleset').active);
      io.out(asDataFile(expectOk(await api.getRuleset(named), `Reading ruleset ${named}`).ruleset, Ruleset));
    });
}
