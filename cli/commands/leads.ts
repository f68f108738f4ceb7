import type { Command } from 'commander';
import { expectOk } from '../admin-api';
import { type CommandContext, commandGroup } from '../command-context';
import { CliError } from '../errors';

interface FoundLead {
  readonly id: string;
  readonly email: string;
  readonly firstName?: string;
  readonly lastName?: string;
  readonly company?: string;
  readonly stage: string;
  readonly score?: { readonly total: number; readonly grade: string; readonly qualified: boolean };
}

/** One lead a line: id, email, name and company, stage, and its score and grade when it has one (MQL when qualified). */
export function formatFoundLead(lead: FoundLead): string {
  const name = [lead.firstName, lead.lastName].filter(Boolean).join(' ');
  const score = lead.score ? `${Math.round(lead.score.total)} ${lead.score.grade}${lead.score.qualified ? ' MQL' : ''}` : '-';
  return `${lead.id}  ${lead.email.padEnd(32)} ${name.padEnd(20)} ${(lead.company ?? '').padEnd(20)} ${lead.stage.padEnd(12)} ${score}`;
}

/** At most this many leads are printed unless --limit says otherwise. */
const FOUND_LEADS_SHOWN = 20;

/** `leadflow leads find | export | erase | feedback | backfill-score-bands`: finding leads, one lead's data rights and sales feedback; the score bands of leads scored before them. */
export function registerLeads(program: Command, context: CommandContext): void {
  const { io } = context;
  const leads = commandGroup(program, 'leads', "finding leads, a lead's data (access, erasure) and sales feedback");

  leads
    .command('find')
    .description('leads whose email, name or company contains the text (any case), filtered by stage, grade or owner; by score with --by-score')
    .argument('[text...]', 'part of the email, name or company (words as typed: Jane Doe)')
    .option('--stage <stage>', 'in this lifecycle stage')
    .option('--grade <grade>', 'with this fit grade (A-D)')
    .option('--owner <rep>', "owned by this rep (the routing's rep id)")
    .option('--by-score', 'highest current score first')
    .option('--limit <n>', `print at most n (default ${FOUND_LEADS_SHOWN})`)
    .action(async (words: string[], options: { stage?: string; grade?: string; owner?: string; byScore?: boolean; limit?: string }) => {
      const text = words.join(' ');
      const limit = options.limit === undefined ? FOUND_LEADS_SHOWN : Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new CliError(`--limit must be a whole number of 1 or more; got ${options.limit}`);
      const filter = { ...(text ? { q: text } : {}), ...(options.stage ? { stage: options.stage } : {}), ...(options.grade ? { grade: options.grade } : {}), ...(options.owner ? { owner: options.owner } : {}), ...(options.byScore ? { sort: 'score' as const } : {}) };
      const api = await context.api();
      // A page holds the matches among the leads it read, often none: pages are read until enough are found.
      let shown = 0;
      let cut = false;
      let cursor: string | undefined;
      do {
        const page = expectOk(await api.findLeads(filter, cursor), 'Finding leads');
        const matches = page.items as FoundLead[];
        const printed = matches.slice(0, limit - shown);
        for (const lead of printed) io.out(formatFoundLead(lead));
        shown += printed.length;
        cut = matches.length > printed.length;
        cursor = typeof page.nextCursor === 'string' ? page.nextCursor : undefined;
      } while (cursor && shown < limit);
      if (!shown) io.out('no lead matches');
      else if (cut || cursor) io.out(`(stopped at ${shown}: more may match; --limit for more)`);
    });

  leads
    .command('export')
    .description('everything held about a lead, as JSON (right of access)')
    .argument('<leadId>')
    .action(async (leadId: string) => {
      io.out(JSON.stringify(expectOk(await (await context.api()).exportLead(leadId), `Exporting lead ${leadId}`), null, 2));
    });

  leads
    .command('erase')
    .description('erase a lead everywhere; its address stays suppressed (right to erasure)')
    .argument('<leadId>')
    .option('--yes', 'confirm: erasure cannot be undone')
    .action(async (leadId: string, options: { yes?: boolean }) => {
      if (!options.yes) throw new CliError(`Erasing lead ${leadId} cannot be undone: add --yes`);
      const erased = expectOk(await (await context.api()).eraseLead(leadId), `Erasing lead ${leadId}`);
      io.out(`erased lead ${leadId}: ${String(erased.items)} items (erasure ${String(erased.erasureId)})`);
    });

  leads
    .command('feedback')
    .description("sales feedback: moves the lead's lifecycle stage")
    .argument('<leadId>')
    .argument('<action>', 'accept, reject, won, lost or disqualify')
    .option('--actor <rep>', 'who gives the feedback (required)')
    .option('--reason <code>', 'a reason from the reject, won or lost list')
    .option('--amount <n>', 'the deal amount (won)')
    .option('--currency <ISO 4217>', 'the currency of --amount')
    .option('--billing <frequency>', 'one_time, monthly, quarterly or yearly')
    .action(async (leadId: string, action: string, options: { actor?: string; reason?: string; amount?: string; currency?: string; billing?: string }) => {
      if (!options.actor) throw new CliError('leads feedback needs --actor (who gives the feedback)');
      const amount = options.amount === undefined ? undefined : Number(options.amount);
      if (amount !== undefined && !Number.isFinite(amount)) throw new CliError(`--amount must be a number, not ${options.amount ?? ''}`);
      const feedback = {
        action,
        actor: options.actor,
        ...(options.reason ? { reason: options.reason } : {}),
        ...(amount !== undefined ? { amount } : {}),
        ...(options.currency ? { currency: options.currency } : {}),
        ...(options.billing ? { billingFrequency: options.billing } : {}),
      };
      const response = await (await context.api()).leadFeedback(leadId, feedback);
      if (response.status === 409) {
        const refusal = response.body as { stage: string; allowed: string[] };
        throw new CliError(`lead ${leadId} is ${refusal.stage}: ${action} is not allowed; from ${refusal.stage} it can move to ${refusal.allowed.join(', ')}`);
      }
      const changed = expectOk(response, `Feedback on lead ${leadId}`) as { stage: string; transition: { from: string } };
      io.out(`lead ${leadId}: ${changed.transition.from} -> ${changed.stage}`);
    });

  leads
    .command('backfill-score-bands')
    .description('file every lead scored before the score index existed under its score band, so the list sorted by score is exact (safe to repeat; resume with --from)')
    .option('--from <cursor>', 'resume after the page that printed this cursor')
    .action(async (options: { from?: string }) => {
      let cursor = options.from;
      let scanned = 0;
      let filed = 0;
      do {
        const page = expectOk(await (await context.api()).backfillScoreBands(cursor ? { cursor } : {}), 'Backfilling score bands');
        scanned += Number(page.scanned);
        filed += Number(page.filed);
        cursor = typeof page.nextCursor === 'string' ? page.nextCursor : undefined;
        io.out(`${scanned} leads looked at, ${filed} filed under their score band${cursor ? ` (resume with --from ${cursor})` : ''}`);
      } while (cursor);
      io.out('every scored lead has its score band: the list sorted by score is exact');
    });
}
