import * as z from 'zod';

/**
 * DynamoDB capacity the local functions consume, as DynamoDB itself reports it (ReturnConsumedCapacity
 * INDEXES), summed by the local stack per function and per table or index. `npm run bench` turns it
 * into request units per engagement event and on-demand dollars.
 */

/** The operations that take ReturnConsumedCapacity, by the SDK's command name, and what they consume. */
export const CAPACITY_OPERATIONS: Readonly<Record<string, 'read' | 'write'>> = {
  GetItemCommand: 'read',
  BatchGetItemCommand: 'read',
  QueryCommand: 'read',
  ScanCommand: 'read',
  TransactGetItemsCommand: 'read',
  PutItemCommand: 'write',
  UpdateItemCommand: 'write',
  DeleteItemCommand: 'write',
  BatchWriteItemCommand: 'write',
  TransactWriteItemsCommand: 'write',
};

/** Units one call consumed on one table or index: `leadflow`, or `leadflow/gsi1` for an index. */
export interface CapacityEntry {
  readonly target: string;
  readonly readUnits: number;
  readonly writeUnits: number;
}

const Units = z.object({ CapacityUnits: z.number().optional(), ReadCapacityUnits: z.number().optional(), WriteCapacityUnits: z.number().optional() });
const TableCapacity = Units.extend({
  TableName: z.string(),
  Table: Units.optional(),
  GlobalSecondaryIndexes: z.record(z.string(), Units).optional(),
  LocalSecondaryIndexes: z.record(z.string(), Units).optional(),
});
/** A single-item call answers with one table's capacity, a batch or a transaction with a list. */
const ConsumedCapacity = z.union([TableCapacity, z.array(TableCapacity)]);

/**
 * Read and write units of one part of the answer. AWS splits them (ReadCapacityUnits, WriteCapacityUnits);
 * DynamoDB Local gives only CapacityUnits, which are the operation's kind.
 */
function split(units: z.infer<typeof Units>, kind: 'read' | 'write'): { readUnits: number; writeUnits: number } {
  if (units.ReadCapacityUnits !== undefined || units.WriteCapacityUnits !== undefined) {
    return { readUnits: units.ReadCapacityUnits ?? 0, writeUnits: units.WriteCapacityUnits ?? 0 };
  }
  const total = units.CapacityUnits ?? 0;
  return kind === 'read' ? { readUnits: total, writeUnits: 0 } : { readUnits: 0, writeUnits: total };
}

/** The entries of a call's `ConsumedCapacity`, per table and per index; none when it has none. */
export function capacityEntries(kind: 'read' | 'write', consumed: unknown): CapacityEntry[] {
  const parsed = ConsumedCapacity.safeParse(consumed);
  if (!parsed.success) return [];
  return (Array.isArray(parsed.data) ? parsed.data : [parsed.data]).flatMap((table) => {
    // TOTAL answers carry no per-table part: the whole is the table's.
    const own = { target: table.TableName, ...split(table.Table ?? table, kind) };
    const indexes = Object.entries({ ...table.GlobalSecondaryIndexes, ...table.LocalSecondaryIndexes }).map(([name, units]) => ({
      target: `${table.TableName}/${name}`,
      ...split(units, kind),
    }));
    return [own, ...indexes];
  });
}

const TableNamed = z.object({ TableName: z.string() });
const QueryInput = TableNamed.extend({ IndexName: z.string().optional(), ConsistentRead: z.boolean().optional() });
const BatchGetInput = z.object({ RequestItems: z.record(z.string(), z.object({ Keys: z.array(z.unknown()), ConsistentRead: z.boolean().optional() })) });
const BatchGetOutput = z.object({
  Responses: z.record(z.string(), z.array(z.unknown())).optional(),
  UnprocessedKeys: z.record(z.string(), z.object({ Keys: z.array(z.unknown()) })).optional(),
});
const TransactWriteInput = z.object({
  TransactItems: z.array(
    z.object({
      Put: TableNamed.extend({ Item: z.record(z.string(), z.unknown()) }).optional(),
      Update: TableNamed.optional(),
      Delete: TableNamed.optional(),
    }),
  ),
});

/** The least a read is charged in AWS, by its consistency: an eventually consistent one half a unit. */
const minimumReadUnits = (consistent: boolean | undefined) => (consistent ? 1 : 0.5);

/** Raises the units `entries` give `target` to at least `floor`, adding the target if they have none. */
function atLeast(entries: CapacityEntry[], target: string, kind: 'read' | 'write', floor: number): CapacityEntry[] {
  const units = (entry: CapacityEntry) => (kind === 'read' ? entry.readUnits : entry.writeUnits);
  const found = entries.find((entry) => entry.target === target);
  if (found && units(found) >= floor) return entries;
  const raised = { target, readUnits: kind === 'read' ? floor : (found?.readUnits ?? 0), writeUnits: kind === 'write' ? floor : (found?.writeUnits ?? 0) };
  return found ? entries.map((entry) => (entry === found ? raised : entry)) : [...entries, raised];
}

/**
 * The units of a call as AWS charges them, where DynamoDB Local (2026-01-16 release) reports less,
 * each case checked call by call against it (docs/performance.md, "How the bench measures"):
 * - A Query that finds nothing: DynamoDB Local reports 0; AWS charges the read minimum of its
 *   consistency even if no data exists (DynamoDB Developer Guide, "DynamoDB read and write operations").
 * - A BatchGetItem key that finds no item: DynamoDB Local reports 0; AWS charges each key as the GetItem
 *   it processes it as, and a GetItem of a missing item the minimum (as DynamoDB Local does for GetItem).
 * - TransactWriteItems: DynamoDB Local counts the items of equal capacity once (three small puts report
 *   2 units, where AWS charges each item twice its units: 6). Each put, update and delete is counted at
 *   two units at least, and each put that carries an index's partition key two on that index: a lower
 *   bound, since an item's size and an update's or delete's index entries are not known here. A
 *   condition check keeps what was reported.
 * `indexKeys` names each index's partition key attribute.
 */
export function atAwsCharges(
  operation: string,
  input: unknown,
  output: unknown,
  reported: CapacityEntry[],
  indexKeys: Readonly<Record<string, string>>,
): CapacityEntry[] {
  if (operation === 'QueryCommand') {
    const query = QueryInput.safeParse(input);
    if (!query.success) return reported;
    const { TableName, IndexName, ConsistentRead } = query.data;
    return atLeast(reported, IndexName ? `${TableName}/${IndexName}` : TableName, 'read', minimumReadUnits(IndexName ? false : ConsistentRead));
  }
  if (operation === 'BatchGetItemCommand') {
    const request = BatchGetInput.safeParse(input);
    const answer = BatchGetOutput.safeParse(output);
    if (!request.success || !answer.success) return reported;
    return Object.entries(request.data.RequestItems).reduce((entries, [table, { Keys, ConsistentRead }]) => {
      const missing = Keys.length - (answer.data.Responses?.[table]?.length ?? 0) - (answer.data.UnprocessedKeys?.[table]?.Keys.length ?? 0);
      if (missing <= 0) return entries;
      const found = entries.find((entry) => entry.target === table)?.readUnits ?? 0;
      return atLeast(entries, table, 'read', found + missing * minimumReadUnits(ConsistentRead));
    }, reported);
  }
  if (operation === 'TransactWriteItemsCommand') {
    const transaction = TransactWriteInput.safeParse(input);
    if (!transaction.success) return reported;
    const writesByTarget = new Map<string, number>();
    const count = (target: string) => writesByTarget.set(target, (writesByTarget.get(target) ?? 0) + 1);
    for (const { Put, Update, Delete } of transaction.data.TransactItems) {
      const write = Put ?? Update ?? Delete;
      if (!write) continue;
      count(write.TableName);
      for (const [index, key] of Object.entries(indexKeys)) if (Put && Object.hasOwn(Put.Item, key)) count(`${Put.TableName}/${index}`);
    }
    return [...writesByTarget].reduce((entries, [target, writes]) => atLeast(entries, target, 'write', 2 * writes), reported);
  }
  return reported;
}

/**
 * A write refused by its condition answers with an error and no ConsumedCapacity, in AWS as in
 * DynamoDB Local, yet it consumes write units (DynamoDB Developer Guide, "Read and write operations":
 * by the size of the item it was checked against, at least one). That size is not known here, so a
 * failed conditional write counts one unit: an estimate and a lower bound, kept apart from the units
 * DynamoDB reported. A cancelled transaction is counted, with no units (none are reported).
 */
export const ESTIMATED_UNITS_PER_FAILED_CONDITIONAL_WRITE = 1;

/** What one function consumed: reported units per target, and the failed writes DynamoDB reported none for. */
export interface FunctionCapacity {
  readonly targets: Readonly<Record<string, { readonly readUnits: number; readonly writeUnits: number }>>;
  readonly calls: number;
  /** Time the calls took, from the function's side (the SDK's retries included): divided by `calls`, a mean latency. */
  readonly callMilliseconds: number;
  readonly failedConditionalWrites: number;
  readonly cancelledTransactions: number;
  /** `failedConditionalWrites` x ESTIMATED_UNITS_PER_FAILED_CONDITIONAL_WRITE: an estimate, not reported by DynamoDB. */
  readonly estimatedFailedWriteUnits: number;
}

/** What a function's runtime reports after each table call. */
export type CapacityReport = { readonly milliseconds: number } & (
  | { readonly kind: 'consumed'; readonly entries: readonly CapacityEntry[] }
  | { readonly kind: 'failed'; readonly error: 'ConditionalCheckFailedException' | 'TransactionCanceledException' }
);

type MutableFunctionCapacity = { -readonly [K in keyof FunctionCapacity]: FunctionCapacity[K] } & { targets: Record<string, { readUnits: number; writeUnits: number }> };

/** Sums per function and target, kept for the stack's life: bounded by functions x targets. */
export class CapacityTotals {
  readonly #byFunction = new Map<string, MutableFunctionCapacity>();

  record(functionName: string, report: CapacityReport): void {
    let totals = this.#byFunction.get(functionName);
    if (!totals) {
      totals = { targets: {}, calls: 0, callMilliseconds: 0, failedConditionalWrites: 0, cancelledTransactions: 0, estimatedFailedWriteUnits: 0 };
      this.#byFunction.set(functionName, totals);
    }
    totals.calls += 1;
    totals.callMilliseconds += report.milliseconds;
    if (report.kind === 'failed') {
      if (report.error === 'ConditionalCheckFailedException') {
        totals.failedConditionalWrites += 1;
        totals.estimatedFailedWriteUnits += ESTIMATED_UNITS_PER_FAILED_CONDITIONAL_WRITE;
      } else totals.cancelledTransactions += 1;
      return;
    }
    for (const entry of report.entries) {
      const target = (totals.targets[entry.target] ??= { readUnits: 0, writeUnits: 0 });
      target.readUnits += entry.readUnits;
      target.writeUnits += entry.writeUnits;
    }
  }

  /** A copy of the sums now, by function name. */
  snapshot(): Record<string, FunctionCapacity> {
    return Object.fromEntries(
      [...this.#byFunction].map(([name, totals]) => [
        name,
        { ...totals, targets: Object.fromEntries(Object.entries(totals.targets).map(([target, units]) => [target, { ...units }])) },
      ]),
    );
  }
}

/** What was consumed between two snapshots (`before` may lack functions that had not run yet). */
export function capacityBetween(before: Record<string, FunctionCapacity>, after: Record<string, FunctionCapacity>): Record<string, FunctionCapacity> {
  return Object.fromEntries(
    Object.entries(after).map(([name, now]) => {
      const then = before[name];
      const targets = Object.fromEntries(
        Object.entries(now.targets).map(([target, units]) => [
          target,
          { readUnits: units.readUnits - (then?.targets[target]?.readUnits ?? 0), writeUnits: units.writeUnits - (then?.targets[target]?.writeUnits ?? 0) },
        ]),
      );
      return [
        name,
        {
          targets,
          calls: now.calls - (then?.calls ?? 0),
          callMilliseconds: now.callMilliseconds - (then?.callMilliseconds ?? 0),
          failedConditionalWrites: now.failedConditionalWrites - (then?.failedConditionalWrites ?? 0),
          cancelledTransactions: now.cancelledTransactions - (then?.cancelledTransactions ?? 0),
          estimatedFailedWriteUnits: now.estimatedFailedWriteUnits - (then?.estimatedFailedWriteUnits ?? 0),
        },
      ];
    }),
  );
}
