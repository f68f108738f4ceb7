import type { Command } from 'commander';
import { expectOk } from '../admin-api';
import { type CommandContext, commandGroup } from '../command-context';

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
const pad = (text: string | number, width: number) => String(text).padStart(width);
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

/** `leadflow reports handoff`. */
export function registerReports(program: Command, context: CommandContext): void {
  const { io } = context;
  const reports = commandGroup(program, 'reports', 'reports on the pipeline');

  reports
    .command('handoff')
    .description('funnel, conversion, time to MQL, MQL acceptance, won and lost reasons')
    .option('--from <yyyy-mm>', 'first month (UTC)')
    .option('--to <yyyy-mm>', 'last month (UTC)')
    .option('--json', 'the report as JSON')
    .action(async (options: { from?: string; to?: string; json?: boolean }) => {
      const months = { ...(options.from ? { from: options.from } : {}), ...(options.to ? { to: options.to } : {}) };
      const report = expectOk(await (await context.api()).getHandoffReport(months), 'Reading the handoff report');
      io.out(options.json ? JSON.stringify(report, null, 2) : formatHandoffReport(report as unknown as HandoffReportView));
    });
}
