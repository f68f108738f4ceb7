import { extname } from 'node:path';
import type { Command } from 'commander';
import { CsvError, type Info, parse } from 'csv-parse/sync';
import { type AdminApi, expectOk } from '../admin-api';
import { type CommandContext, commandGroup } from '../command-context';
import { CliError } from '../errors';
import { readTextFile } from '../files';
import { sleep, type ProgressTiming } from '../progress';

/** Purchases per request, as the API accepts them. */
const PURCHASE_BATCH = 100;
/** Attempts of one batch while the API answers 503 (the table throttled); repeats count nothing twice. */
const PURCHASE_ATTEMPTS = 5;
const DEFAULT_RETRY_MS = 2000;
const PURCHASE_COLUMNS = ['orderId', 'email', 'leadId', 'product', 'amount', 'currency', 'purchasedAt', 'paymentMethod', 'quantity'];
const NUMERIC_COLUMNS = new Set(['amount', 'quantity']);
const LINE_BREAK = /\r\n|\r|\n/g;

interface CsvRow {
  readonly record: string[];
  /** The record's text, with the blank lines before it and the line break that ends it. */
  readonly raw: string;
  /** `lines`: the line the record ends on. */
  readonly info: Info;
}

/** The line a row starts on: csv-parse counts the line it ends on, later when a quoted cell breaks lines. */
const firstLine = (row: CsvRow | undefined) => (row ? row.info.lines - (row.raw.replace(/^[\r\n]+|[\r\n]+$/g, '').match(LINE_BREAK)?.length ?? 0) : '?');

/** The purchases of a file, each with where it is in the file, for messages. */
interface PurchasesFile {
  readonly purchases: readonly Record<string, unknown>[];
  /** `line 7` of a CSV, `purchase 3` of JSON. */
  readonly positionOf: (index: number) => string;
}

/**
 * Purchases from a CSV with a header row naming its columns (orderId, email or leadId, product, amount,
 * currency, purchasedAt; paymentMethod and quantity optional). Quoted fields may hold commas, doubled quotes and line breaks; blank
 * rows are skipped; a row with fewer cells leaves the rest out.
 */
function purchasesFromCsv(file: string, text: string): PurchasesFile {
  let rows: CsvRow[];
  try {
    // With `raw` and `info`, csv-parse gives each record with its text and position; its types do not say so.
    rows = parse(text, {
      bom: true,
      record_delimiter: ['\r\n', '\n', '\r'],
      skip_empty_lines: true,
      skip_records_with_empty_values: true,
      relax_column_count: true,
      trim: true,
      raw: true,
      info: true,
    }) as unknown as CsvRow[];
  } catch (error) {
    if (error instanceof CsvError) throw new CliError(`${file}: not valid CSV: ${error.message}`);
    throw error;
  }
  const [header, ...records] = rows.map((row) => row.record);
  const columns = (header ?? []).map((name) => name.trim());
  const unknown = columns.filter((name) => !PURCHASE_COLUMNS.includes(name));
  if (!columns.length || unknown.length) throw new CliError(`${file}: the header row must name columns among ${PURCHASE_COLUMNS.join(',')}${unknown.length ? ` (unknown: ${unknown.join(', ')})` : ''}`);
  const purchases = records.map((cells) =>
    Object.fromEntries(
      columns.flatMap((name, index) => {
        const cell = (cells[index] ?? '').trim();
        if (cell === '') return [];
        // A cell that is not a number is sent as it is, so the API's 400 names it.
        return [[name, NUMERIC_COLUMNS.has(name) && Number.isFinite(Number(cell)) ? Number(cell) : cell]];
      }),
    ),
  );
  return { purchases, positionOf: (index) => `line ${firstLine(rows[index + 1])}` };
}

/** Purchases from JSON: a list, or `{ "purchases": [...] }`. */
function purchasesFromJson(file: string, text: string): PurchasesFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${file}: not valid JSON: ${(error as Error).message}`);
  }
  const list = Array.isArray(parsed) ? parsed : (parsed as { purchases?: unknown }).purchases;
  if (!Array.isArray(list)) throw new CliError(`${file}: expected a list of purchases or { "purchases": [...] }`);
  return { purchases: list as Record<string, unknown>[], positionOf: (index) => `purchase ${index + 1}` };
}

async function readPurchasesFile(file: string): Promise<PurchasesFile> {
  const text = await readTextFile(file);
  return extname(file).toLowerCase() === '.csv' ? purchasesFromCsv(file, text) : purchasesFromJson(file, text);
}

export interface PurchaseOutcome {
  readonly orderId: string;
  readonly status: string;
  readonly message?: string;
}

/** Sends the purchases 100 at a time, repeating a batch the API could not finish (503). */
async function importPurchases(api: AdminApi, file: string, { purchases, positionOf }: PurchasesFile, io: ProgressTiming & { out: (line: string) => void }): Promise<PurchaseOutcome[]> {
  const outcomes: PurchaseOutcome[] = [];
  for (let start = 0; start < purchases.length; start += PURCHASE_BATCH) {
    const batch = purchases.slice(start, start + PURCHASE_BATCH);
    let response = await api.recordPurchases(batch);
    for (let attempt = 1; response.status === 503 && attempt < PURCHASE_ATTEMPTS; attempt += 1) {
      await sleep((io.pollMs ?? DEFAULT_RETRY_MS) * attempt);
      response = await api.recordPurchases(batch);
    }
    if (response.status === 400) {
      // The API names fields within the batch; say where they are in the file.
      const issues = ((response.body as { issues?: { field: string; message: string }[] }).issues ?? []).map((issue) => {
        const position = /^purchases\[(\d+)\]\.?(.*)$/.exec(issue.field);
        if (!position) return `  ${issue.field}: ${issue.message}`;
        return `  ${positionOf(start + Number(position[1]))}${position[2] ? ` ${position[2]}` : ''}: ${issue.message}`;
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

/** `leadflow purchases import <file>`. */
export function registerPurchases(program: Command, context: CommandContext): void {
  const { io } = context;
  const purchases = commandGroup(program, 'purchases', 'purchase history from a shop or CRM');

  purchases
    .command('import')
    .description('record purchases, 100 per request; a repeated order id counts once')
    .argument('<file>', 'a .csv with a header row, or .json: a list or { "purchases": [...] }')
    .addHelpText('after', '\nCSV columns: orderId, email or leadId, product, amount, currency, purchasedAt; paymentMethod and quantity optional')
    .action(async (file: string) => {
      const read = await readPurchasesFile(file);
      if (!read.purchases.length) throw new CliError(`${file}: no purchases`);
      const outcomes = await importPurchases(await context.api(), file, read, io);
      io.out(formatPurchaseResults(outcomes));
      const refused = outcomes.filter((outcome) => outcome.status !== 'recorded' && outcome.status !== 'duplicate').length;
      if (refused) throw new CliError(`${refused} of ${outcomes.length} purchases not recorded`);
    });
}
