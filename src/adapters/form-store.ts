import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { FormDefinition, type FormSummary, type FormVersion } from '../domain/forms/definition';
import type { Page, PageRequest } from '../domain/page';
import { failedConditions } from './dynamo-errors';
import * as keys from './keys';
import { listPage } from './query-pages';

export type FormWrite = { readonly outcome: 'created'; readonly version: FormVersion } | { readonly outcome: 'conflict' };

function toSummary(item: Record<string, unknown>): FormSummary {
  return { formId: String(item.formId), title: String(item.title), latestVersion: Number(item.latestVersion), createdAt: String(item.createdAt), updatedAt: String(item.updatedAt) };
}

/** A stored definition read back through its schema: defaults added since it was saved apply to it too. */
const definitionOf = (stored: unknown): FormDefinition => FormDefinition.parse(stored);

/**
 * Forms as versioned data: a head item holding the latest definition, and one immutable item per
 * version. A new version is written with the head's expected latest version in one transaction, so
 * two concurrent pushes cannot both become version N.
 */
export class FormStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** The latest version of a form, in one read; undefined for a form with no definition. */
  async latest(formId: string): Promise<FormVersion | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.form(formId) }));
    if (!Item) return undefined;
    return { formId, version: Number(Item.latestVersion), createdAt: String(Item.updatedAt), definition: definitionOf(Item.definition) };
  }

  async summary(formId: string): Promise<FormSummary | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.form(formId), ConsistentRead: true }));
    return Item ? toSummary(Item) : undefined;
  }

  async version(formId: string, version: number): Promise<FormVersion | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.formVersion(formId, version), ConsistentRead: true }));
    return Item ? { formId, version, createdAt: String(Item.createdAt), definition: definitionOf(Item.definition) } : undefined;
  }

  /** One page of the forms, most recently changed first. */
  async list(request: PageRequest): Promise<Page<FormSummary>> {
    return listPage(this.client, { tableName: this.tableName, index: 'gsi1', key: keys.formListing('', '').gsi1pk, newestFirst: true }, request, toSummary);
  }

  /**
   * Writes version `expectedLatest + 1` (1 for a new form) and moves the head to it, only if the
   * head still names `expectedLatest`: of two concurrent pushes one wins, the other gets `conflict`.
   */
  async addVersion(formId: string, expectedLatest: number, definition: FormDefinition, at: string, createdAt: string = at): Promise<FormWrite> {
    const version: FormVersion = { formId, version: expectedLatest + 1, createdAt: at, definition };
    const head = {
      ...keys.form(formId),
      ...keys.formListing(at, formId),
      entity: 'form',
      formId,
      title: definition.title.en,
      latestVersion: version.version,
      definition,
      createdAt,
      updatedAt: at,
    };
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: this.tableName, Item: { ...keys.formVersion(formId, version.version), entity: 'form-version', ...version }, ConditionExpression: 'attribute_not_exists(pk)' } },
            {
              Put: {
                TableName: this.tableName,
                Item: head,
                ConditionExpression: expectedLatest === 0 ? 'attribute_not_exists(pk)' : 'latestVersion = :expected',
                ...(expectedLatest === 0 ? {} : { ExpressionAttributeValues: { ':expected': expectedLatest } }),
              },
            },
          ],
        }),
      );
      return { outcome: 'created', version };
    } catch (error) {
      if (failedConditions(error)?.some(Boolean)) return { outcome: 'conflict' };
      throw error;
    }
  }
}
