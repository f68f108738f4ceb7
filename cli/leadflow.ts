import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import type { BacktestReport, HistogramBucket } from '../src/domain/scoring/backtest';
import { diffRulesets, formatDiff } from '../src/domain/scoring/diff';
import type { Ruleset } from '../src/domain/scoring/ruleset';
import { validateRuleset } from '../src/domain/scoring/validate';
import { checkTemplateFields } from '../src/domain/campaigns/template';
import { SegmentDefinition } from '../src/domain/segments/segment';
import { accountedFor, type Campaign } from '../src/domain/campaigns/campaign';
import type { AudiencePreview } from '../src/app/audience';
import { AdminClient, resolveAuth, type AdminResponse, type Fetch } from './admin-client';
import { runDlq } from './dlq';
import { CliError } from './errors';

export interface CliIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly fetch?: Fetch;
  /** Pause between progress polls, and how long without progress means stuck; tests shorten them. */
  readonly pollMs?: number;
  readonly stallMs?: number;
}

const USAGE = `leadflow rules <command> [options]
leadflow campaigns send <campaignId>    start sending a draft and show its progress
leadflow campaigns schedule <campaignId> --at <yyyy-mm-ddThh:mm> --tz <IANA zone>
                                        send a draft at a local time in a zone (or move a scheduled one)
leadflow campaigns unschedule <campaignId>  back to draft; its schedule is deleted
leadflow campaigns pause|resume|cancel <campaignId>
leadflow campaigns report <campaignId>  sent, delivered, opened, clicked, bounced, complained, unsubscribed and rates
leadflow templates push <file.html> --name <name> --subject <subject> [--text <file.txt>] [--id <templateId>]
                                     create a template, or add a version to --id; prints its id and version
leadflow templates list              every template, most recently changed first, with its latest version
leadflow segments push <file.yaml|json> [--id <segmentId>]
                                     save a segment (checked offline first), or a new version of --id
leadflow segments preview <segmentId|file> [--subscription <type>]
                                     how many leads are in it now, and a sample
leadflow segments list               every saved segment, newest first, with its version
leadflow purchases import <file.json|file.csv>
                                     record purchases, 100 per request; a repeated order id counts once
leadflow routing get                 the owner routing configuration (teams, reps, rules), as JSON
leadflow routing put <file.yaml|file.json>
                                     replace it; every problem is listed with its field
leadflow webhooks add <url> --events <type,...> [--description <text>]
                                     register an endpoint; prints its Standard Webhooks signing secret (whsec_…), shown only this once
leadflow webhooks list               every endpoint, oldest first (never a secret)
leadflow webhooks rotate <webhookId> [--overlap-hours <0-168>]
                                     a new signing secret (printed once); the old one also signs for 24 h or the hours given
leadflow webhooks remove <webhookId> stop delivering to an endpoint
leadflow leads export <leadId>       everything held about a lead, as JSON (right of access)
leadflow leads erase <leadId> --yes  erase a lead everywhere; its address stays suppressed (right to erasure)
leadflow leads feedback <leadId> accept|reject|won|lost|disqualify --actor <rep> [--reason <code>]
                                     [--amount <n> --currency <ISO 4217> --billing one_time|monthly|quarterly|yearly]
                                     sales feedback: moves the lead's lifecycle stage
leadflow reports handoff [--from <yyyy-mm>] [--to <yyyy-mm>] [--json]
                                     funnel, conversion, time to MQL, MQL acceptance, won and lost reasons
leadflow dlq list                    every dead-letter queue: messages waiting and the age of the oldest
leadflow dlq show <function> [--max <n>]
                                     look at up to n (10) messages without consuming them; no personal data shown
leadflow dlq redrive <function|all>  move the DLQ's messages back to the function's queue, with progress

Commands:
  validate <file...>                 check ruleset files (JSON or YAML) offline; every problem with its path
  diff <file> [--against <version|file>]
                                     what the file changes against the active ruleset (or a version or file)
  backtest <file> [--from <time>] [--to <time>] [--json]
                                     save the file as a draft and replay recorded events through it
  activate <file|version> [--no-wait]
                                     activate a back-tested draft and follow the rescoring of every lead
  list                               every ruleset version and its status

Options:
  --api <url>     the leadflow API (default: $LEADFLOW_API_URL, else http://localhost:3000)
  --stack <name>  dlq in AWS: the stack whose queues to use (default: $LEADFLOW_STACK, else Leadflow)
dlq finds the queues locally on the SQS of npm start ($AWS_ENDPOINT_URL_SQS, else 127.0.0.1 port
$LEADFLOW_SQS_PORT or 4566), in AWS by name in the API's region.
Auth: locally the token in .leadflow/dev-token (or $LEADFLOW_DEV_TOKEN); in AWS, SigV4 with your AWS credentials.`;

const STALL_MS = 5 * 60_000;

async function readTextFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError(`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}

/** Purchases per request, as the API accepts them. */
const PURCHASE_BATCH = 100;
/** Attempts of one batch while the API answers 503 (the table throttled); repeats count nothing twice. */
const PURCHASE_ATTEMPTS = 5;
const PURCHASE_COLUMNS = ['orderId', 'email', 'leadId', 'product', 'amount', 'currency', 'purchasedAt', 'paymentMethod', 'quantity'];
const NUMERIC_COLUMNS = new Set(['amount', 'quantity']);

/** RFC 4180 CSV: quoted fields may hold commas, quotes (doubled) and line breaks. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        field += '"';
        index += 1;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(field);
      field = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[index + 1] === '\n') index += 1;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += char;
  }
  if (field !== '' || row.length) rows.push([...row, field]);
  return rows.filter((cells) => cells.some((cell) => cell.trim() !== ''));
}

/** Purchases from a CSV with a header row (orderId,email,product,amount,currency,purchasedAt,paymentMethod; leadId and quantity optional). */
function purchasesFromCsv(file: string, text: string): Record<string, unknown>[] {
  const [header, ...rows] = parseCsv(text.replace(/^\uFEFF/, ''));
  const columns = (header ?? []).map((name) => name.trim());
  const unknown = columns.filter((name) => !PURCHASE_COLUMNS.includes(name));
  if (!columns.length || unknown.length) throw new CliError(`${file}: the header row must name columns among ${PURCHASE_COLUMNS.join(',')}${unknown.length ? ` (unknown: ${unknown.join(', ')})` : ''}`);
  return rows.map((cells) =>
    Object.fromEntries(
      columns.flatMap((name, index) => {
        const cell = (cells[index] ?? '').trim();
        if (cell === '') return [];
        // A cell that is not a number is sent as it is, so the API's 400 names it.
        return [[name, NUMERIC_COLUMNS.has(name) && Number.isFinite(Number(cell)) ? Number(cell) : cell]];
      }),
    ),
  );
}

async function readPurchasesFile(file: string): Promise<Record<string, unknown>[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError(`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  if (extname(file).toLowerCase() === '.csv') return purchasesFromCsv(file, text);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${file}: not valid JSON: ${(error as Error).message}`);
  }
  const list = Array.isArray(parsed) ? parsed : (parsed as { purchases?: unknown }).purchases;
  if (!Array.isArray(list)) throw new CliError(`${file}: expected a list of purchases or { "purchases": [...] }`);
  return list as Record<string, unknown>[];
}

interface PurchaseOutcome {
  readonly orderId: string;
  readonly status: string;
  readonly message?: string;
}

/** Sends the purchases 100 at a time, repeating a batch the API could not finish (503). */
async function importPurchases(client: AdminClient, file: string, purchases: readonly Record<string, unknown>[], io: CliIo): Promise<PurchaseOutcome[]> {
  const outcomes: PurchaseOutcome[] = [];
  const csv = extname(file).toLowerCase() === '.csv';
  for (let start = 0; start < purchases.length; start += PURCHASE_BATCH) {
    const batch = purchases.slice(start, start + PURCHASE_BATCH);
    let response = await client.request('POST', '/v1/admin/purchases', { purchases: batch });
    for (let attempt = 1; response.status === 503 && attempt < PURCHASE_ATTEMPTS; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, (io.pollMs ?? 2000) * attempt));
      response = await client.request('POST', '/v1/admin/purchases', { purchases: batch });
    }
    if (response.status === 400) {
      // The API names fields within the batch; say where they are in the file.
      const issues = ((response.body as { issues?: { field: string; message: string }[] }).issues ?? []).map((issue) => {
        const position = /^purchases\[(\d+)\]\.?(.*)$/.exec(issue.field);
        if (!position) return `  ${issue.field}: ${issue.message}`;
        const item = start + Number(position[1]);
        return `  ${csv ? `line ${item + 2}` : `purchase ${item + 1}`}${position[2] ? ` ${position[2]}` : ''}: ${issue.message}`;
      });
      const sent = start ? `; the ${start} purchases before it were sent` : '';
      throw new CliError([`${file}: purchases ${start + 1}-${start + batch.length} refused (400)${sent}`, ...issues].join('\n'));
    }
    const answer = expectOk(response, `Recording purchases ${start + 1}-${start + batch.length}`) as { purchases: PurchaseOutcome[] };
    outcomes.push(...answer.purchases);
    io.out(`sent ${Math.min(start + PURCHASE_BATCH, purchases.length)} / ${purchases.length}`);
  }
  return outcomes;
}

/** `recorded 180, duplicate 15, currency_mismatch 3, unknown_lead 2 (200 purchases)` and each one not recorded. */
export function formatPurchaseResults(outcomes: readonly PurchaseOutcome[]): string {
  const counts = new Map<string, number>();
  for (const outcome of outcomes) counts.set(outcome.status, (counts.get(outcome.status) ?? 0) + 1);
  const order = ['recorded', 'duplicate', 'currency_mismatch', 'unknown_lead'];
  const statuses = [...counts.keys()].sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99));
  const refused = outcomes.filter((outcome) => outcome.status !== 'recorded' && outcome.status !== 'duplicate');
  return [
    `${statuses.map((status) => `${status} ${counts.get(status) ?? 0}`).join(', ') || 'nothing sent'} (${outcomes.length} purchases)`,
    ...refused.map((outcome) => `  ${outcome.orderId}: ${outcome.status}${outcome.message ? ` (${outcome.message})` : ''}`),
  ].join('\n');
}

/** A JSON or YAML file (rulesets, routing), parsed; unreadable or malformed files are refused with the reason. */
async function readDataFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError(`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  try {
    return ['.yaml', '.yml'].includes(extname(file).toLowerCase()) ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new CliError(`${file}: not valid ${extname(file).slice(1).toUpperCase() || 'JSON'}: ${(error as Error).message}`);
  }
}

/** Reads and validates a file, refusing it with every issue listed. */
async function validRuleset(file: string): Promise<Ruleset> {
  const result = validateRuleset(await readDataFile(file));
  if (!result.valid) throw new CliError([`${file}: ${result.issues.length} problem(s)`, ...result.issues.map((issue) => `  ${issue.path}: ${issue.message}`)].join('\n'));
  return result.ruleset;
}

function expectOk(response: AdminResponse, doing: string): Record<string, unknown> {
  if (response.status >= 200 && response.status < 300) return response.body as Record<string, unknown>;
  const body = (typeof response.body === 'object' && response.body !== null ? response.body : { message: String(response.body) }) as { message?: string; issues?: { field: string; message: string }[] };
  const issues = (body.issues ?? []).map((issue) => `  ${issue.field}: ${issue.message}`);
  throw new CliError([`${doing} failed (${response.status}): ${body.message ?? 'no message'}`, ...issues].join('\n'));
}

/** Every item of an admin list, which answers a page at a time: each page's `nextCursor` asks for the next. */
async function everyItem<T>(api: Pick<AdminClient, 'request'>, path: string, doing: string): Promise<{ readonly items: T[] }> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = expectOk(await api.request('GET', cursor ? `${path}?cursor=${encodeURIComponent(cursor)}` : path), doing);
    items.push(...(page.items as T[]));
    cursor = typeof page.nextCursor === 'string' ? page.nextCursor : undefined;
  } while (cursor);
  return { items };
}

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

/** `[##########----------]  12 / 24 sent or skipped` (a `+` while recipients are still being planned). */
export function progressBar(done: number, total: number, planned: boolean, width = 30): string {
  const filled = total ? Math.min(width, Math.round((done / total) * width)) : planned ? width : 0;
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${pad(done, 6)} / ${total}${planned ? '' : '+'} sent or skipped`;
}

interface ConversionCount {
  entered: number;
  converted: number;
  ratePercent: number | null;
}

export interface HandoffReportView {
  months: { from: string; to: string };
  funnel: { month: string; entered: Record<string, number> }[];
  conversion: (ConversionCount & { from: string; to: string; byMonth: (ConversionCount & { month: string })[] })[];
  timeToMql: { leads: number; medianDays: number | null; p90Days: number | null };
  mqlAcceptance: { accepted: number; rejected: number; ratePercent: number | null };
  won: { reason: string; count: number; amounts: Record<string, number> }[];
  lost: { reason: string; count: number; amounts: Record<string, number> }[];
}

const FUNNEL_COLUMNS = ['subscriber', 'lead', 'mql', 'sql', 'opportunity', 'customer', 'recycled', 'disqualified'];
const percent = (value: number | null) => (value === null ? 'n/a' : `${value}%`);

const conversionCell = (count: ConversionCount | undefined) => (count ? `${percent(count.ratePercent)} (${count.converted}/${count.entered})` : '');

/** The handoff report in a terminal: stages entered per month, conversion per cohort month, then the rates and the reasons. */
export function formatHandoffReport(report: HandoffReportView): string {
  const reasons = (lines: HandoffReportView['won']) =>
    lines.length
      ? lines.map((line) => `  ${line.reason.padEnd(20)}${pad(line.count, 5)}  ${Object.entries(line.amounts).map(([currency, amount]) => `${currency} ${amount.toLocaleString('en-US')}`).join(', ')}`)
      : ['  none'];
  return [
    `handoff ${report.months.from} .. ${report.months.to} (UTC)`,
    `${'month'.padEnd(9)}${FUNNEL_COLUMNS.map((stage) => pad(stage, 13)).join('')}`,
    ...report.funnel.map((row) => `${row.month.padEnd(9)}${FUNNEL_COLUMNS.map((stage) => pad(row.entered[stage] ?? 0, 13)).join('')}`),
    'conversion by the month leads entered a stage (reached a later stage since)',
    `${'month'.padEnd(9)}${report.conversion.map((line) => pad(`${line.from}->${line.to}`, 20)).join('')}`,
    ...report.funnel.map(({ month }) => `${month.padEnd(9)}${report.conversion.map((line) => pad(conversionCell(line.byMonth.find((row) => row.month === month)), 20)).join('')}`),
    `${'total'.padEnd(9)}${report.conversion.map((line) => pad(conversionCell(line), 20)).join('')}`,
    `time to MQL: median ${report.timeToMql.medianDays ?? 'n/a'} days, p90 ${report.timeToMql.p90Days ?? 'n/a'} days (${report.timeToMql.leads} leads)`,
    `MQL acceptance: ${percent(report.mqlAcceptance.ratePercent)} (${report.mqlAcceptance.accepted} accepted, ${report.mqlAcceptance.rejected} rejected)`,
    'won reasons',
    ...reasons(report.won),
    'lost reasons',
    ...reasons(report.lost),
  ].join('\n');
}

function formatCampaignReport(report: Record<string, unknown>): string {
  const row = (label: string, count: string, rate?: string) => `${label.padEnd(14)}${pad(String(report[count] ?? 0), 8)}${rate ? `${pad(String(report[rate] ?? 0), 8)} %` : ''}`;
  return [
    `${String(report.name)} (${String(report.status)})`,
    row('recipients', 'recipients'),
    row('sent', 'sent'),
    row('skipped', 'skipped'),
    ...(Number(report.interrupted ?? 0) > 0 ? [`${row('interrupted', 'interrupted')}  (recorded, never confirmed by SES; not resent)`] : []),
    row('delivered', 'delivered', 'deliveryRate'),
    row('opened', 'opened', 'openRate'),
    row('clicked', 'clicked', 'clickRate'),
    row('bounced', 'bounced', 'bounceRate'),
    row('complained', 'complained', 'complaintRate'),
    row('unsubscribed', 'unsubscribed', 'unsubscribeRate'),
  ].join('\n');
}

/** Reads a segment file and refuses it, every problem with its path, before anything is sent. */
async function validSegment(file: string): Promise<SegmentDefinition> {
  const result = SegmentDefinition.safeParse(await readDataFile(file));
  if (!result.success) throw new CliError([`${file}: ${result.error.issues.length} problem(s)`, ...result.error.issues.map((issue) => `  ${issue.path.join('.') || '(segment)'}: ${issue.message}`)].join('\n'));
  return result.data;
}

const segmentRule = ({ where, history }: SegmentDefinition) => ({ ...(where ? { where } : {}), ...(history ? { history } : {}) });

/** `1,240 leads in the segment (all 52,000 leads read)` and the sample, one address a line. */
export function formatAudience(audience: AudiencePreview): string {
  const scope = audience.complete ? `all ${audience.leadsScanned} leads read` : `among the first ${audience.leadsScanned} leads read; stopped at the preview's limit`;
  return [`${audience.count} leads in the segment (${scope})`, ...audience.sample.map((member) => `  ${member.email}  ${member.leadId}`)].join('\n');
}

async function saveDraft(client: AdminClient, ruleset: Ruleset) {
  return expectOk(await client.request('PUT', `/v1/admin/rulesets/${encodeURIComponent(ruleset.version)}`, ruleset), `Saving draft ${ruleset.version}`);
}

async function run(argv: readonly string[], io: CliIo): Promise<void> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      api: { type: 'string' },
      against: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      json: { type: 'boolean', default: false },
      'no-wait': { type: 'boolean', default: false },
      yes: { type: 'boolean', default: false },
      name: { type: 'string' },
      subject: { type: 'string' },
      text: { type: 'string' },
      id: { type: 'string' },
      at: { type: 'string' },
      tz: { type: 'string' },
      subscription: { type: 'string' },
      actor: { type: 'string' },
      reason: { type: 'string' },
      amount: { type: 'string' },
      currency: { type: 'string' },
      billing: { type: 'string' },
      events: { type: 'string' },
      description: { type: 'string' },
      'overlap-hours': { type: 'string' },
      max: { type: 'string' },
      stack: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [group, command, ...targets] = positionals;
  if (values.help || !['rules', 'leads', 'campaigns', 'templates', 'segments', 'purchases', 'routing', 'webhooks', 'reports', 'dlq'].includes(group ?? '') || !command) {
    io.out(USAGE);
    if (!values.help) throw new CliError('');
    return;
  }
  const apiUrl = values.api ?? io.env.LEADFLOW_API_URL ?? 'http://localhost:3000';
  const client = async () => new AdminClient(apiUrl, await resolveAuth(apiUrl, io.env, io.cwd), io.fetch);
  const target = targets[0];

  if (group === 'dlq') {
    await runDlq(command, target, { apiUrl, ...(values.max === undefined ? {} : { max: values.max }), ...(values.stack === undefined ? {} : { stack: values.stack }) }, io);
    return;
  }

  if (group === 'campaigns') {
    if (!target) throw new CliError(`campaigns ${command} needs a campaign id`);
    const path = `/v1/admin/campaigns/${encodeURIComponent(target)}`;
    const api = await client();
    if (command === 'report') {
      const report = expectOk(await api.request('GET', `${path}/report`), `Reading the report of campaign ${target}`);
      io.out(formatCampaignReport(report));
      return;
    }
    if (command === 'schedule') {
      if (!values.at || !values.tz) throw new CliError('campaigns schedule needs --at <yyyy-mm-ddThh:mm> and --tz <IANA zone>, e.g. --at 2026-12-01T09:00 --tz Asia/Jakarta');
      const changed = expectOk(await api.request('POST', `${path}/schedule`, { sendAt: values.at, timeZone: values.tz }), `Scheduling campaign ${target}`);
      const schedule = changed.schedule as { sendAt: string; timeZone: string; sendsAtUtc: string };
      io.out(`campaign ${target} is scheduled for ${schedule.sendAt} ${schedule.timeZone} (${schedule.sendsAtUtc} UTC)`);
      return;
    }
    if (command === 'unschedule') {
      const changed = expectOk(await api.request('POST', `${path}/unschedule`), `Unscheduling campaign ${target}`);
      io.out(`campaign ${target} is ${String(changed.status)}; its schedule is deleted`);
      return;
    }
    if (command === 'pause' || command === 'resume' || command === 'cancel') {
      const changed = expectOk(await api.request('POST', `${path}/${command}`), `${command} campaign ${target}`);
      io.out(`campaign ${target} is ${String(changed.status)}`);
      return;
    }
    if (command === 'send') {
      expectOk(await api.request('POST', `${path}/send`), `Sending campaign ${target}`);
      let lastChange = { at: Date.now(), done: -1 };
      for (;;) {
        const campaign = expectOk(await api.request('GET', path), `Reading campaign ${target}`) as Pick<Campaign, 'recipients' | 'planned' | 'sent' | 'skipped' | 'interrupted'>;
        const done = accountedFor(campaign);
        io.out(progressBar(done, campaign.recipients, campaign.planned));
        if (campaign.planned && done >= campaign.recipients) return;
        if (done !== lastChange.done) lastChange = { at: Date.now(), done };
        if (Date.now() - lastChange.at > (io.stallMs ?? STALL_MS)) {
          throw new CliError(`Campaign ${target} made no progress for ${Math.round((io.stallMs ?? STALL_MS) / 1000)} s; the plan-campaign and send-campaign dead-letter queues say why`);
        }
        await new Promise((resolve) => setTimeout(resolve, io.pollMs ?? 1000));
      }
    }
    throw new CliError(`unknown command campaigns ${command}\n\n${USAGE}`);
  }

  if (group === 'templates') {
    if (command === 'list') {
      const { items: templates } = await everyItem<{ templateId: string; name: string; latestVersion: number; updatedAt: string }>(await client(), '/v1/admin/templates', 'Listing templates');
      for (const template of templates) io.out(`${template.templateId}  ${template.name.padEnd(30)} v${String(template.latestVersion).padEnd(5)} ${template.updatedAt}`);
      return;
    }
    if (command === 'push') {
      if (!target) throw new CliError('templates push needs an HTML file');
      if (!values.name || !values.subject) throw new CliError('templates push needs --name and --subject');
      const template = { name: values.name, subject: values.subject, html: await readTextFile(target), ...(values.text ? { text: await readTextFile(values.text) } : {}) };
      // Checked here first, so a typo in a field is found before anything is sent.
      const issues = checkTemplateFields(template);
      if (issues.length) throw new CliError([`${target}: ${issues.length} problem(s)`, ...issues.map((issue) => `  ${issue.part}: ${issue.message}`)].join('\n'));
      const api = await client();
      const saved = values.id
        ? expectOk(await api.request('PUT', `/v1/admin/templates/${encodeURIComponent(values.id)}`, template), `Adding a version to template ${values.id}`)
        : expectOk(await api.request('POST', '/v1/admin/templates', template), `Creating template ${values.name}`);
      io.out(`template ${String(saved.templateId)} version ${String(saved.version)}${saved.created === false ? ' (unchanged: same content as the latest version)' : ''}`);
      return;
    }
    throw new CliError(`unknown command templates ${command}\n\n${USAGE}`);
  }

  if (group === 'segments') {
    const api = await client();
    if (command === 'list') {
      const { items: segments } = await everyItem<{ id: string; name: string; version: number; updatedAt: string }>(api, '/v1/admin/segments', 'Listing segments');
      for (const segment of segments) io.out(`${segment.id}  ${segment.name.padEnd(30)} v${String(segment.version).padEnd(5)} ${segment.updatedAt}`);
      return;
    }
    if (command === 'push') {
      if (!target) throw new CliError('segments push needs a segment file (YAML or JSON)');
      const segment = await validSegment(target);
      const saved = values.id
        ? expectOk(await api.request('PUT', `/v1/admin/segments/${encodeURIComponent(values.id)}`, segment), `Saving a new version of segment ${values.id}`)
        : expectOk(await api.request('POST', '/v1/admin/segments', segment), `Saving segment ${segment.name}`);
      io.out(`segment ${String(saved.id)} version ${String(saved.version)}`);
      return;
    }
    if (command === 'preview') {
      if (!target) throw new CliError('segments preview needs a segment id or a segment file');
      const query = values.subscription ? `?subscription=${encodeURIComponent(values.subscription)}` : '';
      // A saved segment by its id; otherwise a file, tried before it is saved.
      const answer = /^[0-9a-f-]{36}$/i.test(target)
        ? expectOk(await api.request('GET', `/v1/admin/segments/${target}/preview${query}`), `Previewing segment ${target}`)
        : expectOk(await api.request('POST', '/v1/admin/segments/preview', { ...segmentRule(await validSegment(target)), ...(values.subscription ? { subscription: values.subscription } : {}) }), `Previewing ${target}`);
      io.out(formatAudience(answer.audience as AudiencePreview));
      return;
    }
    throw new CliError(`unknown command segments ${command}\n\n${USAGE}`);
  }

  if (group === 'purchases') {
    if (command !== 'import') throw new CliError(`unknown command purchases ${command}\n\n${USAGE}`);
    if (!target) throw new CliError('purchases import needs a file (.json or .csv)');
    const purchases = await readPurchasesFile(target);
    if (!purchases.length) throw new CliError(`${target}: no purchases`);
    const outcomes = await importPurchases(await client(), target, purchases, io);
    io.out(formatPurchaseResults(outcomes));
    const refused = outcomes.filter((outcome) => outcome.status !== 'recorded' && outcome.status !== 'duplicate').length;
    if (refused) throw new CliError(`${refused} of ${outcomes.length} purchases not recorded`);
    return;
  }

  if (group === 'routing') {
    if (command === 'get') {
      io.out(JSON.stringify(expectOk(await (await client()).request('GET', '/v1/admin/routing'), 'Reading routing'), null, 2));
      return;
    }
    if (command === 'put') {
      if (!target) throw new CliError('routing put needs a file');
      const saved = expectOk(await (await client()).request('PUT', '/v1/admin/routing', await readDataFile(target)), `Saving routing from ${target}`);
      const teams = saved.teams as { reps: unknown[] }[];
      io.out(`routing version ${String(saved.version)}: ${teams.length} teams, ${teams.reduce((sum, team) => sum + team.reps.length, 0)} reps, ${(saved.rules as unknown[]).length} rules`);
      return;
    }
    throw new CliError(`unknown command routing ${command}\n\n${USAGE}`);
  }

  if (group === 'webhooks') {
    const api = await client();
    if (command === 'add') {
      if (!target || !values.events) throw new CliError('webhooks add needs a URL and --events, e.g. webhooks add https://crm.example.com/hooks --events lead.qualified,lead.assigned');
      const eventTypes = values.events.split(',').map((type) => type.trim()).filter(Boolean);
      const created = expectOk(
        await api.request('POST', '/v1/admin/webhooks', { url: target, eventTypes, ...(values.description ? { description: values.description } : {}) }),
        `Registering ${target}`,
      );
      io.out(`webhook ${String(created.id)} registered for ${eventTypes.join(', ')}`);
      io.out(`signing secret (shown only now; the receiver verifies with it and a Standard Webhooks library): ${String(created.secret)}`);
      return;
    }
    if (command === 'list') {
      const { items: webhooks } = await everyItem<{ id: string; url: string; eventTypes: string[]; createdAt: string; description?: string }>(api, '/v1/admin/webhooks', 'Listing webhooks');
      io.out(webhooks.length ? webhooks.map((hook) => `${hook.id}  ${hook.url}  ${hook.eventTypes.join(',')}  ${hook.createdAt}${hook.description ? `  ${hook.description}` : ''}`).join('\n') : 'no webhooks');
      return;
    }
    if (command === 'rotate') {
      if (!target) throw new CliError('webhooks rotate needs a webhook id');
      const overlapHours = values['overlap-hours'] === undefined ? undefined : Number(values['overlap-hours']);
      const rotated = expectOk(
        await api.request('POST', `/v1/admin/webhooks/${encodeURIComponent(target)}/secret`, overlapHours === undefined ? {} : { overlapHours }),
        `Rotating the secret of webhook ${target}`,
      );
      io.out(`new signing secret (shown only now; the receiver verifies with it and a Standard Webhooks library): ${String(rotated.secret)}`);
      io.out(rotated.previousSecretUntil ? `the old secret also signs until ${String(rotated.previousSecretUntil)}` : 'the old secret no longer signs');
      return;
    }
    if (command === 'remove') {
      if (!target) throw new CliError('webhooks remove needs a webhook id');
      expectOk(await api.request('DELETE', `/v1/admin/webhooks/${encodeURIComponent(target)}`), `Removing webhook ${target}`);
      io.out(`webhook ${target} removed`);
      return;
    }
    throw new CliError(`unknown command webhooks ${command}\n\n${USAGE}`);
  }

  if (group === 'reports') {
    if (command !== 'handoff') throw new CliError(`unknown command reports ${command}\n\n${USAGE}`);
    const query = new URLSearchParams({ ...(values.from ? { from: values.from } : {}), ...(values.to ? { to: values.to } : {}) }).toString();
    const report = expectOk(await (await client()).request('GET', `/v1/admin/reports/handoff${query ? `?${query}` : ''}`), 'Reading the handoff report');
    io.out(values.json ? JSON.stringify(report, null, 2) : formatHandoffReport(report as unknown as HandoffReportView));
    return;
  }

  if (group === 'leads') {
    if (!target) throw new CliError(`leads ${command} needs a lead id`);
    const path = `/v1/admin/leads/${encodeURIComponent(target)}`;
    if (command === 'feedback') {
      const action = targets[1];
      if (!action) throw new CliError('leads feedback needs an action: accept, reject, won, lost or disqualify');
      if (!values.actor) throw new CliError('leads feedback needs --actor (who gives the feedback)');
      const amount = values.amount === undefined ? undefined : Number(values.amount);
      if (amount !== undefined && !Number.isFinite(amount)) throw new CliError(`--amount must be a number, not ${values.amount ?? ''}`);
      const body = {
        action,
        actor: values.actor,
        ...(values.reason ? { reason: values.reason } : {}),
        ...(amount !== undefined ? { amount } : {}),
        ...(values.currency ? { currency: values.currency } : {}),
        ...(values.billing ? { billingFrequency: values.billing } : {}),
      };
      const response = await (await client()).request('POST', `${path}/feedback`, body);
      if (response.status === 409) {
        const refusal = response.body as { stage: string; allowed: string[] };
        throw new CliError(`lead ${target} is ${refusal.stage}: ${action} is not allowed; from ${refusal.stage} it can move to ${refusal.allowed.join(', ')}`);
      }
      const changed = expectOk(response, `Feedback on lead ${target}`) as { stage: string; transition: { from: string } };
      io.out(`lead ${target}: ${changed.transition.from} -> ${changed.stage}`);
      return;
    }
    if (command === 'export') {
      io.out(JSON.stringify(expectOk(await (await client()).request('GET', `${path}/export`), `Exporting lead ${target}`), null, 2));
      return;
    }
    if (command === 'erase') {
      if (!values.yes) throw new CliError(`Erasing lead ${target} cannot be undone: add --yes`);
      const erased = expectOk(await (await client()).request('DELETE', path), `Erasing lead ${target}`);
      io.out(`erased lead ${target}: ${String(erased.items)} items (erasure ${String(erased.erasureId)})`);
      return;
    }
    throw new CliError(`unknown command leads ${command}\n\n${USAGE}`);
  }

  switch (command) {
    case 'validate': {
      if (!targets.length) throw new CliError('validate needs at least one file');
      const failures: string[] = [];
      for (const file of targets) {
        try {
          const ruleset = await validRuleset(file);
          io.out(`ok ${file}: ${ruleset.version}, ${ruleset.rules.length} rules`);
        } catch (error) {
          if (!(error instanceof CliError)) throw error;
          failures.push(error.message);
        }
      }
      if (failures.length) throw new CliError(failures.join('\n'));
      return;
    }
    case 'diff': {
      if (!target) throw new CliError('diff needs a file');
      const after = await validRuleset(target);
      const against = values.against;
      let before: Ruleset;
      if (against && /\.(json|ya?ml)$/i.test(against)) before = await validRuleset(against);
      else {
        const api = await client();
        const version = against ?? (expectOk(await api.request('GET', '/v1/admin/rulesets'), 'Listing rulesets').active as string);
        before = expectOk(await api.request('GET', `/v1/admin/rulesets/${encodeURIComponent(version)}`), `Reading ruleset ${version}`).ruleset as Ruleset;
      }
      io.out(formatDiff(diffRulesets(before, after)));
      return;
    }
    case 'backtest': {
      if (!target) throw new CliError('backtest needs a file');
      const ruleset = await validRuleset(target);
      const api = await client();
      await saveDraft(api, ruleset);
      const window = { ...(values.from ? { from: values.from } : {}), ...(values.to ? { to: values.to } : {}) };
      const report = expectOk(await api.request('POST', `/v1/admin/rulesets/${encodeURIComponent(ruleset.version)}/backtest`, window), 'Back-test');
      io.out(values.json ? JSON.stringify(report, null, 2) : formatBacktest(report as unknown as BacktestReport));
      return;
    }
    case 'activate': {
      if (!target) throw new CliError('activate needs a file or a version');
      const api = await client();
      const fromFile = /\.(json|ya?ml)$/i.test(target) ? await validRuleset(target) : undefined;
      const version = fromFile?.version ?? target;
      if (fromFile) {
        const stored = await api.request('GET', `/v1/admin/rulesets/${encodeURIComponent(version)}`);
        const unchanged = stored.status === 200 && isDeepStrictEqual((stored.body as { ruleset: unknown }).ruleset, fromFile);
        // A changed file is saved first; saving drops the old back-test, so activation then asks for a new one.
        if (!unchanged) await saveDraft(api, fromFile);
      }
      const started = expectOk(await api.request('POST', `/v1/admin/rulesets/${encodeURIComponent(version)}/activate`), `Activating ${version}`);
      io.out(`${version} is active; rescoring job ${String(started.jobId)}`);
      if (values['no-wait']) return;
      let lastChange = { at: Date.now(), progress: '' };
      for (;;) {
        const job = expectOk(await api.request('GET', String(started.progress)), 'Reading rescoring progress');
        io.out(`rescored ${String(job.progress)}`);
        if (job.status === 'done') return;
        if (job.progress !== lastChange.progress) lastChange = { at: Date.now(), progress: String(job.progress) };
        if (Date.now() - lastChange.at > (io.stallMs ?? STALL_MS)) {
          throw new CliError(`Rescoring made no progress for ${Math.round((io.stallMs ?? STALL_MS) / 1000)} s; the plan-rescoring and rescore-leads dead-letter queues say why`);
        }
        await new Promise((resolve) => setTimeout(resolve, io.pollMs ?? 1000));
      }
    }
    case 'list': {
      const { items: rulesets } = await everyItem<{ version: string; status: string; rules: number; updatedAt: string }>(await client(), '/v1/admin/rulesets', 'Listing rulesets');
      for (const ruleset of rulesets) io.out(`${ruleset.version.padEnd(24)}${ruleset.status.padEnd(10)}${pad(ruleset.rules, 4)} rules   ${ruleset.updatedAt}`);
      return;
    }
    default:
      throw new CliError(`unknown command ${command}\n\n${USAGE}`);
  }
}

/** Runs the CLI; returns the exit code (0 ok, 1 refused or failed). */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    await run(argv, io);
    return 0;
  } catch (error) {
    if (error instanceof CliError) {
      if (error.message) io.err(error.message);
      return 1;
    }
    io.err(`leadflow: ${(error as Error).message}`);
    return 1;
  }
}
