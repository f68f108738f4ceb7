import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { AwsClientStub } from 'aws-sdk-client-mock';

export type Item = Record<string, unknown>;
type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export const keyOf = (item: { pk?: unknown; sk?: unknown }) => `${String(item.pk)}|${String(item.sk)}`;
export const cancelled = (codes: readonly string[]) =>
  new TransactionCanceledException({ message: 'cancelled', $metadata: {}, CancellationReasons: codes.map((Code) => ({ Code })) });

/**
 * `SET #a = :a, #b.#c = :c` and `ADD #n :n` as the lifecycle store writes them, applied to an item
 * (nested paths one level deep; ADD on numbers).
 */
function applySets(item: Item, expression: string, names: Record<string, string>, values: Record<string, unknown>): Item {
  const updated: Item = { ...item };
  for (const [, action, clause] of expression.matchAll(/(SET|ADD) (.*?)(?= SET | ADD |$)/g)) {
    for (const assignment of (clause ?? '').split(', ')) {
      const [path = '', value = ''] = action === 'SET' ? assignment.split(' = ') : assignment.split(' ');
      const [head = '', leaf] = path.split('.').map((name) => names[name] ?? '');
      const next = action === 'SET' ? values[value] : Number(updated[head] ?? 0) + Number(values[value]);
      updated[head] = leaf === undefined ? next : { ...(updated[head] as Item), [leaf]: next };
    }
  }
  return updated;
}

/**
 * A small stand-in for the table behind the lifecycle store: consistent gets and the lead's one-query read, and transactions whose
 * conditions are the ones it uses (`attribute_not_exists(pk)`, `#version = :version`), all or nothing,
 * so concurrent writers really race. `beforeTransaction` lets a test change the lead first.
 */
export function lifecycleTable(dynamo: AwsClientStub<DynamoDBDocumentClient>) {
  const table = new Map<string, Item>();
  const hooks: { beforeTransaction: (items: readonly TransactItem[]) => void } = { beforeTransaction: () => {} };
  dynamo.on(GetCommand).callsFake((input: { Key: Item }) => ({ Item: table.get(keyOf(input.Key)) }));
  // The lead read as one query of its profile and score (`pk = :lead AND sk BETWEEN :profile AND :score`).
  dynamo.on(QueryCommand).callsFake((input: { ExpressionAttributeValues: Record<string, string> }) => {
    const { ':lead': pk, ':profile': from = '', ':score': to = '' } = input.ExpressionAttributeValues;
    const items = [...table.values()].filter((item) => item.pk === pk && String(item.sk) >= from && String(item.sk) <= to);
    return { Items: items.sort((a, b) => String(a.sk).localeCompare(String(b.sk))) };
  });
  dynamo.on(PutCommand).callsFake((input: { Item: Item }) => {
    table.set(keyOf(input.Item), input.Item);
    return {};
  });
  dynamo.on(UpdateCommand).callsFake((input: { Key: Item; UpdateExpression: string }) => {
    const key = keyOf(input.Key);
    const existing = table.get(key);
    if (existing && input.UpdateExpression === 'REMOVE pendingStageChange') {
      const { pendingStageChange: _removed, ...rest } = existing;
      table.set(key, rest);
    }
    return {};
  });
  dynamo.on(TransactWriteCommand).callsFake((input: TransactWriteCommandInput) => {
    const items = input.TransactItems ?? [];
    hooks.beforeTransaction(items);
    const holds = items.map((item) => {
      const operation = item.Put ?? item.Update;
      const existing = table.get(keyOf(item.Put ? (item.Put.Item as Item) : (item.Update?.Key as Item)));
      switch (operation?.ConditionExpression) {
        case 'attribute_not_exists(pk)':
          return !existing;
        case '#version = :version':
          return existing?.version === operation.ExpressionAttributeValues?.[':version'];
        default:
          return true;
      }
    });
    if (holds.includes(false)) throw cancelled(holds.map((held) => (held ? 'None' : 'ConditionalCheckFailed')));
    for (const item of items) {
      if (item.Put) table.set(keyOf(item.Put.Item as Item), item.Put.Item as Item);
      if (item.Update) {
        const key = keyOf(item.Update.Key as Item);
        table.set(key, applySets(table.get(key) ?? {}, item.Update.UpdateExpression ?? '', item.Update.ExpressionAttributeNames ?? {}, item.Update.ExpressionAttributeValues ?? {}));
      }
    }
    return {};
  });
  const transitions = () => [...table.values()].filter((item) => item.entity === 'stage-transition');
  return { table, hooks, transitions };
}
