import { leadingKeyPattern, isOfKind, type IndexName } from './table';
import type { TableAccess } from './types';

/** The DynamoDB actions each kind of table access allows. Scan is in none of them. */
export const TABLE_ACTIONS = {
  read: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:ConditionCheckItem', 'dynamodb:Query'],
  write: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
  delete: ['dynamodb:DeleteItem'],
  batchWrite: ['dynamodb:BatchWriteItem'],
} as const;

export type TableOperation = keyof typeof TABLE_ACTIONS;

/** One IAM statement of a function's table access: these actions, on the table or one index, on these partitions. */
export interface TableGrant {
  readonly actions: readonly string[];
  /** The index the statement covers; the table itself when absent. */
  readonly index?: IndexName;
  /** `dynamodb:LeadingKeys` patterns (`ForAllValues:StringLike`): the partitions the actions may reach. */
  readonly leadingKeys: readonly string[];
}

const OPERATIONS = Object.keys(TABLE_ACTIONS) as TableOperation[];

/**
 * The statements a table access becomes. A Query on an index names a value of the index's partition
 * key (`gsi1pk`), not the table's, so index grants are bounded by index partition values (`LEADS#*`,
 * `CAMPAIGNS`) on that index's ARN only. Should DynamoDB give such a Query no leading key at all,
 * `ForAllValues` holds over the empty set: the grant would still be that one index, never a refusal.
 */
export function tableGrants(access: TableAccess | undefined): TableGrant[] {
  if (!access) return [];
  const onTable = OPERATIONS.flatMap((operation) => {
    const kinds = access[operation] ?? [];
    return kinds.length ? [{ actions: TABLE_ACTIONS[operation], leadingKeys: kinds.map(leadingKeyPattern) }] : [];
  });
  const onIndexes = Object.entries(access.query ?? {}).flatMap(([index, partitions]) =>
    partitions?.length ? [{ actions: ['dynamodb:Query'], index: index as IndexName, leadingKeys: partitions.map(leadingKeyPattern) }] : [],
  );
  return [...onTable, ...onIndexes];
}

/** Whether an access lets `operation` reach `partition` (of the table, or of `index` for a Query on one). */
export function allows(access: TableAccess | undefined, operation: TableOperation, partition: string, index?: IndexName): boolean {
  if (!access) return false;
  const kinds: readonly string[] = index ? (operation === 'read' ? (access.query?.[index] ?? []) : []) : (access[operation] ?? []);
  return kinds.some((kind) => isOfKind(partition, kind));
}
