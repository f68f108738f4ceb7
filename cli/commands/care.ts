import type { Command } from 'commander';
import { expectOk } from '../admin-api';
import { type CommandContext, commandGroup } from '../command-context';
import { CliError } from '../errors';
import { readDataFile } from '../files';

const json = (value: unknown) => JSON.stringify(value, null, 2);

/**
 * `leadflow care ...`: after the sale. Settings (surveys, reasons, triggers, lifespan), the versioned
 * churn-risk formula, tickets, survey requests, the help desk's webhook, churn, a customer's record
 * and the care report.
 */
export function registerCare(program: Command, context: CommandContext): void {
  const { io } = context;
  const care = commandGroup(program, 'care', 'after the sale: surveys, tickets, churn risk, triggers, churn and lifetime value');
  const api = () => context.api();

  care
    .command('settings')
    .description('the after-sale settings as JSON, or replace them from a file')
    .argument('[file]', 'new settings, YAML or JSON; every problem is listed with its field')
    .action(async (file?: string) => {
      if (!file) return io.out(json(expectOk(await (await api()).getCareSettings(), 'Reading care settings')));
      const saved = expectOk(await (await api()).putCareSettings(await readDataFile(file)), `Saving care settings from ${file}`);
      io.out(`care settings saved: ${(saved.surveys as unknown[]).length} surveys, ${(saved.triggers as unknown[]).length} triggers`);
    });

  care
    .command('risk-formula')
    .description('the churn-risk formula in force, or save a file as its next version')
    .argument('[file]', 'the formula, YAML or JSON')
    .action(async (file?: string) => {
      const current = expectOk(await (await api()).getRiskFormula(), 'Reading the risk formula');
      if (!file) return io.out(json(current));
      const saved = expectOk(await (await api()).saveRiskFormula(await readDataFile(file), Number(current.version)), `Saving the risk formula from ${file}`);
      io.out(`risk formula version ${String(saved.version)} saved; customers are reassessed at their next ticket, answer, purchase or stage change, or at their daily reassessment`);
    });

  care
    .command('tickets')
    .description('record support tickets from a file holding `{ tickets: [...] }` or a list (100 per request)')
    .argument('<file>', 'tickets, YAML or JSON')
    .action(async (file: string) => {
      const data = await readDataFile(file);
      const tickets = (Array.isArray(data) ? data : ((data as { tickets?: unknown[] }).tickets ?? [])) as Record<string, unknown>[];
      const counts: Record<string, number> = {};
      for (let start = 0; start < tickets.length; start += 100) {
        const answer = expectOk(await (await api()).recordTickets(tickets.slice(start, start + 100)), `Recording tickets ${start + 1}-${Math.min(start + 100, tickets.length)} of ${file}`);
        for (const result of answer.tickets as { status: string }[]) counts[result.status] = (counts[result.status] ?? 0) + 1;
      }
      io.out(`${tickets.length} tickets: ${Object.entries(counts).map(([status, count]) => `${count} ${status}`).join(', ') || 'none'}`);
    });

  care
    .command('survey')
    .description('send a survey to leads now (each once per request id; consent and the gap are checked at sending)')
    .argument('<surveyId>', 'a survey of the settings (nps, csat, ...)')
    .argument('<leadIds...>', 'the customers')
    .requiredOption('--request-id <id>', 'names this request: repeating it sends nothing twice')
    .action(async (surveyId: string, leadIds: string[], options: { requestId: string }) => {
      expectOk(await (await api()).requestSurvey(surveyId, { leadIds, requestId: options.requestId }), `Requesting survey ${surveyId}`);
      io.out(`survey ${surveyId} requested for ${leadIds.length} customers`);
    });

  care
    .command('help-desk')
    .description("connect the help desk's webhook: zendesk (give its signing secret), freshdesk (Basic auth, secret shown once) or generic (Standard Webhooks, secret shown once)")
    .argument('<kind>', 'zendesk, freshdesk or generic')
    .option('--secret <secret>', "Zendesk's webhook signing secret")
    .action(async (kind: string, options: { secret?: string }) => {
      const connected = expectOk(await (await api()).connectHelpDesk({ kind, ...(options.secret ? { secret: options.secret } : {}) }), 'Connecting the help desk');
      io.out(`POST ${context.apiUrl()}${String(connected.path)}`);
      if (connected.secret) io.out(`secret (shown once): ${String(connected.secret)}`);
      if (connected.triggerBody) io.out(`Zendesk trigger body (JSON):\n${json(connected.triggerBody)}`);
      if (connected.webhookBody) io.out(`Freshdesk "Trigger webhook" body (Encoding JSON, Content Advanced; Requires authentication: the secret as password):\n${json(connected.webhookBody)}`);
      if (Array.isArray(connected.simpleFields)) io.out(`or Content Simple (Encoding JSON or X-FORM-URLENCODED), ticking: ${connected.simpleFields.join(', ')} (dated on arrival: no replay bound)`);
    });

  care
    .command('help-desk-requesters')
    .description("say which lead each Zendesk requester id is (for Zendesk ticket events, which carry no address), from a file of { requesterId, email | leadId }")
    .argument('<file>', 'a list, YAML or JSON (100 per request)')
    .action(async (file: string) => {
      const data = await readDataFile(file);
      const entries = (Array.isArray(data) ? data : ((data as { requesters?: unknown[] }).requesters ?? [])) as Record<string, unknown>[];
      const counts: Record<string, number> = {};
      for (let start = 0; start < entries.length; start += 100) {
        const answer = expectOk(await (await api()).mapHelpDeskRequesters(entries.slice(start, start + 100)), `Mapping requesters ${start + 1}-${Math.min(start + 100, entries.length)} of ${file}`);
        for (const result of answer.requesters as { status: string }[]) counts[result.status] = (counts[result.status] ?? 0) + 1;
      }
      io.out(`${entries.length} requesters: ${Object.entries(counts).map(([status, count]) => `${count} ${status}`).join(', ') || 'none'}`);
    });

  care
    .command('churn')
    .description('a customer left: move it to churned with an exit reason')
    .argument('<leadId>')
    .requiredOption('--reason <code>', 'an exit reason of the settings')
    .option('--actor <who>', 'who records it', 'cli')
    .action(async (leadId: string, options: { reason: string; actor: string }) => {
      const moved = expectOk(await (await api()).churnCustomer(leadId, { reason: options.reason, actor: options.actor }), `Churning ${leadId}`);
      io.out(`${leadId}: ${String(moved.from)} -> churned (${options.reason})`);
    });

  care
    .command('customer')
    .description("a customer's record: tickets, NPS and CSAT, churn risk with its breakdown, projected lifetime value with its inputs")
    .argument('<leadId>')
    .action(async (leadId: string) => {
      io.out(json(expectOk(await (await api()).getCustomerCare(leadId), `Reading customer ${leadId}`)));
    });

  care
    .command('backfill-timers')
    .description('give every existing customer the timers it lacks: daily churn-risk reassessment, recurring surveys (runs by itself after a deploy; safe to repeat; resume with --from)')
    .option('--from <cursor>', 'resume after the page that printed this cursor')
    .option('--page <leads>', 'leads looked at per call', '500')
    .action(async (options: { from?: string; page: string }) => {
      const limit = Number(options.page);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new CliError('--page must be a whole number from 1 to 1000');
      let cursor = options.from;
      let scanned = 0;
      let customers = 0;
      do {
        const page = expectOk(await (await api()).backfillReassessmentTimers({ ...(cursor ? { cursor } : {}), limit }), 'Backfilling care timers');
        scanned += Number(page.scanned);
        customers += Number(page.customers);
        cursor = typeof page.cursor === 'string' ? page.cursor : undefined;
        io.out(`${scanned} leads looked at, ${customers} customers asked for their missing timers${cursor ? ` (resume with --from ${cursor})` : ''}`);
      } while (cursor);
      io.out('every customer gets the timers it lacked within minutes; no existing timer moved');
    });

  care
    .command('report')
    .description('NPS and CSAT per month, reasons, tickets by topic, churn by exit reason')
    .option('--from <yyyy-mm>')
    .option('--to <yyyy-mm>')
    .action(async (options: { from?: string; to?: string }) => {
      io.out(json(expectOk(await (await api()).getCareReport(options), 'Reading the care report')));
    });
}
