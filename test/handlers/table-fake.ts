import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { AwsClientStub } from 'aws-sdk-client-mock';

type Item = Record<string, unknown>;
type Names = Record<string, string> | undefined;
type Values = Record<string, unknown> | undefined;

/**
 * A small in-memory stand-in for the single table behind aws-sdk-client-mock: items by pk/sk, and
 * condition and update expressions evaluated the way DynamoDB does for the subset leadflow writes
 * (attribute_exists, attribute_not_exists, comparisons, AND/OR/parentheses; SET, ADD, REMOVE).
 * Each command is atomic, as in DynamoDB, so concurrent handlers race on real conditions.
 */
export class TableFake {
  readonly items = new Map<string, Item>();

  static keyOf(key: Item) {
    return `${String(key.pk)}|${String(key.sk)}`;
  }

  get(key: Item): Item | undefined {
    return this.items.get(TableFake.keyOf(key));
  }

  put(item: Item) {
    this.items.set(TableFake.keyOf(item), item);
  }

  /** Routes the document client's commands to this table; other commands keep their own mocks. */
  attach(mock: AwsClientStub<DynamoDBDocumentClient>) {
    mock.on(GetCommand).callsFake((input: { Key: Item }) => ({ Item: this.get(input.Key) }));
    mock.on(PutCommand).callsFake((input: { Item: Item; ConditionExpression?: string; ExpressionAttributeNames?: Names; ExpressionAttributeValues?: Values }) => {
      this.check(this.get(input.Item), input.ConditionExpression, input.ExpressionAttributeNames, input.ExpressionAttributeValues);
      this.put(input.Item);
      return {};
    });
    mock.on(UpdateCommand).callsFake((input: UpdateInput & { ReturnValues?: string }) => {
      const item = this.updated(input);
      this.put(item);
      // The whole item stands in for UPDATED_NEW and ALL_NEW: callers read the attributes they updated.
      return input.ReturnValues === 'UPDATED_NEW' || input.ReturnValues === 'ALL_NEW' ? { Attributes: item } : {};
    });
    mock.on(DeleteCommand).callsFake((input: { Key: Item; ConditionExpression?: string; ExpressionAttributeNames?: Names; ExpressionAttributeValues?: Values }) => {
      this.check(this.get(input.Key), input.ConditionExpression, input.ExpressionAttributeNames, input.ExpressionAttributeValues);
      this.items.delete(TableFake.keyOf(input.Key));
      return {};
    });
    mock.on(BatchGetCommand).callsFake((input: { RequestItems: Record<string, { Keys: Item[] }> }) => ({
      Responses: Object.fromEntries(Object.entries(input.RequestItems).map(([table, request]) => [table, request.Keys.map((key) => this.get(key)).filter(Boolean)])),
    }));
    // Erasure's deletes in batches: every request processed.
    mock.on(BatchWriteCommand).callsFake((input: { RequestItems: Record<string, { DeleteRequest?: { Key: Item }; PutRequest?: { Item: Item } }[]> }) => {
      for (const request of Object.values(input.RequestItems).flat()) {
        if (request.DeleteRequest) this.items.delete(TableFake.keyOf(request.DeleteRequest.Key));
        if (request.PutRequest) this.put(request.PutRequest.Item);
      }
      return {};
    });
    mock.on(TransactWriteCommand).callsFake((input: { TransactItems: TransactItem[] }) => {
      const results = input.TransactItems.map((entry) => {
        try {
          if (entry.Put) {
            this.check(this.get(entry.Put.Item), entry.Put.ConditionExpression, entry.Put.ExpressionAttributeNames, entry.Put.ExpressionAttributeValues);
            return { Code: 'None', item: entry.Put.Item };
          }
          if (entry.Update) return { Code: 'None', item: this.updated(entry.Update) };
          if (entry.Delete) {
            this.check(this.get(entry.Delete.Key), entry.Delete.ConditionExpression, entry.Delete.ExpressionAttributeNames, entry.Delete.ExpressionAttributeValues);
            return { Code: 'None', deleted: entry.Delete.Key };
          }
          if (entry.ConditionCheck) {
            this.check(this.get(entry.ConditionCheck.Key), entry.ConditionCheck.ConditionExpression, entry.ConditionCheck.ExpressionAttributeNames, entry.ConditionCheck.ExpressionAttributeValues);
            return { Code: 'None' };
          }
          throw new Error('unsupported transaction item');
        } catch (error) {
          if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
          return { Code: 'ConditionalCheckFailed' } as { Code: string; item?: Item; deleted?: Item };
        }
      });
      if (results.some((result) => result.Code !== 'None')) {
        throw Object.assign(new Error('Transaction cancelled'), {
          name: 'TransactionCanceledException',
          CancellationReasons: results.map((result) => ({ Code: result.Code })),
        });
      }
      for (const result of results) {
        if (result.item) this.put(result.item);
        if (result.deleted) this.items.delete(TableFake.keyOf(result.deleted));
      }
      return {};
    });
    // Queries by equality on the partition key of the table or an index, with an optional sort-key
    // range (BETWEEN, >=, begins_with), in sort-key order or its reverse; one page holds them all.
    mock.on(QueryCommand).callsFake((input: { IndexName?: string; KeyConditionExpression: string; ExpressionAttributeNames?: Names; ExpressionAttributeValues?: Values; ScanIndexForward?: boolean }) => {
      const [, keyName = '', valueName = ''] = /^\s*(#?\w+)\s*=\s*(:\w+)/.exec(input.KeyConditionExpression) ?? [];
      const partition = keyName.startsWith('#') ? (input.ExpressionAttributeNames?.[keyName] ?? keyName) : keyName;
      const sortKey = input.IndexName ? `${input.IndexName}sk` : 'sk';
      const value = (token: string | undefined) => String(input.ExpressionAttributeValues?.[token ?? ''] ?? '');
      const between = /BETWEEN\s+(:\w+)\s+AND\s+(:\w+)/.exec(input.KeyConditionExpression);
      const from = /sk\s*>=\s*(:\w+)/.exec(input.KeyConditionExpression);
      const prefix = /begins_with\(\s*#?\w+\s*,\s*(:\w+)\s*\)/.exec(input.KeyConditionExpression);
      const inRange = (sort: string) =>
        (!between || (sort >= value(between[1]) && sort <= value(between[2]))) && (!from || sort >= value(from[1])) && (!prefix || sort.startsWith(value(prefix[1])));
      const wanted = input.ExpressionAttributeValues?.[valueName];
      const items = [...this.items.values()].filter((item) => item[partition] === wanted && inRange(String(item[sortKey]))).sort((a, b) => String(a[sortKey]).localeCompare(String(b[sortKey])));
      return { Items: input.ScanIndexForward === false ? items.reverse() : items };
    });
  }

  private updated(input: UpdateInput): Item {
    const existing = this.get(input.Key);
    this.check(existing, input.ConditionExpression, input.ExpressionAttributeNames, input.ExpressionAttributeValues);
    const item: Item = { ...(existing ?? input.Key) };
    const name = (token: string) => (token.startsWith('#') ? (input.ExpressionAttributeNames?.[token] ?? token) : token);
    const value = (token: string) => input.ExpressionAttributeValues?.[token];
    for (const [, clause, body] of input.UpdateExpression.matchAll(/(SET|ADD|REMOVE)\s+(.*?)(?=\s+(?:SET|ADD|REMOVE)\s|$)/g)) {
      for (const part of (body ?? '').split(',').map((text) => text.trim())) {
        if (clause === 'SET') {
          const [path = '', operand = ''] = part.split('=').map((text) => text.trim());
          item[name(path)] = value(operand);
        } else if (clause === 'ADD') {
          const [path = '', operand = ''] = part.split(/\s+/);
          item[name(path)] = ((item[name(path)] as number | undefined) ?? 0) + (value(operand) as number);
        } else {
          delete item[name(part)];
        }
      }
    }
    return item;
  }

  private check(item: Item | undefined, condition: string | undefined, names: Names, values: Values) {
    if (!condition) return;
    if (!evaluate(condition, item, names, values)) throw Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });
  }
}

interface UpdateInput {
  Key: Item;
  UpdateExpression: string;
  ConditionExpression?: string;
  ExpressionAttributeNames?: Names;
  ExpressionAttributeValues?: Values;
}
interface TransactItem {
  Put?: { Item: Item; ConditionExpression?: string; ExpressionAttributeNames?: Names; ExpressionAttributeValues?: Values };
  Update?: UpdateInput;
  Delete?: { Key: Item; ConditionExpression?: string; ExpressionAttributeNames?: Names; ExpressionAttributeValues?: Values };
  ConditionCheck?: { Key: Item; ConditionExpression: string; ExpressionAttributeNames?: Names; ExpressionAttributeValues?: Values };
}

function evaluate(condition: string, item: Item | undefined, names: Names, values: Values): boolean {
  const tokens = condition.match(/\(|\)|<=|>=|<>|=|<|>|[A-Za-z_#:][A-Za-z0-9_#:.]*/g) ?? [];
  let index = 0;
  const peek = () => tokens[index];
  const next = () => tokens[index++] ?? '';
  // A document path (`#owner.#repId`) walks into maps.
  const attribute = (token: string) =>
    token.split('.').reduce<unknown>((at, part) => (at as Item | undefined)?.[part.startsWith('#') ? (names?.[part] ?? part) : part], item);
  const operand = (token: string) => (token.startsWith(':') ? values?.[token] : attribute(token));

  const factor = (): boolean => {
    const token = next();
    if (token === '(') {
      const result = expression();
      next();
      return result;
    }
    if (token === 'attribute_exists' || token === 'attribute_not_exists') {
      next();
      const present = attribute(next()) !== undefined;
      next();
      return token === 'attribute_exists' ? present : !present;
    }
    const operator = next();
    const left = operand(token) as number | string | undefined;
    const right = operand(next()) as number | string | undefined;
    if (left === undefined || right === undefined) return false;
    switch (operator) {
      case '=': return left === right;
      case '<>': return left !== right;
      case '<': return left < right;
      case '<=': return left <= right;
      case '>': return left > right;
      case '>=': return left >= right;
      default: throw new Error(`unsupported operator ${operator}`);
    }
  };
  const term = (): boolean => {
    let result = factor();
    while (peek() === 'AND') {
      next();
      const right = factor();
      result = result && right;
    }
    return result;
  };
  const expression = (): boolean => {
    let result = term();
    while (peek() === 'OR') {
      next();
      const right = term();
      result = result || right;
    }
    return result;
  };
  return expression();
}
