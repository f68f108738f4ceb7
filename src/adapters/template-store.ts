import { GetCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Template } from '../domain/campaigns/template';
import { contentOf, type TemplateSummary, type TemplateVersionRecord } from '../domain/campaigns/template-versions';
import { conditionally, failedConditions } from './dynamo-errors';
import * as keys from './keys';
import type { Page, PageRequest } from '../domain/page';
import { listPage, queryPages } from './query-pages';

export type NewVersion = { readonly outcome: 'created'; readonly version: TemplateVersionRecord } | { readonly outcome: 'conflict' };

function toSummary(item: Record<string, unknown>): TemplateSummary {
  return { templateId: String(item.templateId), name: String(item.name), latestVersion: Number(item.latestVersion), createdAt: String(item.createdAt), updatedAt: String(item.updatedAt) };
}

function toVersion(item: Record<string, unknown>): TemplateVersionRecord {
  return {
    templateId: String(item.templateId),
    version: Number(item.version),
    createdAt: String(item.createdAt),
    subject: String(item.subject),
    html: String(item.html),
    ...(typeof item.text === 'string' ? { text: item.text } : {}),
  };
}

/**
 * One stored template version, read consistently. On its own, not only through TemplateStore, so a
 * function that only reads versions (the test sends) ships without the rest of the class.
 */
export async function readTemplateVersion(client: DynamoDBDocumentClient, tableName: string, templateId: string, version: number): Promise<TemplateVersionRecord | undefined> {
  const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: keys.templateVersion(templateId, version), ConsistentRead: true }));
  return Item ? toVersion(Item) : undefined;
}

/** A template's head (name, latest version), read consistently; on its own for the same reason. */
export async function readTemplate(client: DynamoDBDocumentClient, tableName: string, templateId: string): Promise<TemplateSummary | undefined> {
  const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: keys.template(templateId), ConsistentRead: true }));
  return Item ? toSummary(Item) : undefined;
}

/** The reads a campaign made from a stored template needs (its head, then a version), without the rest of TemplateStore. */
export function templateReads(client: DynamoDBDocumentClient, tableName: string) {
  return {
    get: (templateId: string) => readTemplate(client, tableName, templateId),
    getVersion: (templateId: string, version: number) => readTemplateVersion(client, tableName, templateId, version),
  };
}

/**
 * Email templates: a head item (name, latest version) and one immutable item per version. A new
 * version is written with the head's expected latest version in one transaction, so two concurrent
 * edits cannot both become version N.
 */
export class TemplateStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  private headItem(summary: TemplateSummary) {
    return { ...keys.template(summary.templateId), ...keys.templateListing(summary.updatedAt, summary.templateId), entity: 'template', ...summary };
  }

  private versionItem(version: TemplateVersionRecord) {
    return { ...keys.templateVersion(version.templateId, version.version), entity: 'template-version', ...version };
  }

  async create(templateId: string, name: string, content: Template, at: string): Promise<{ summary: TemplateSummary; version: TemplateVersionRecord }> {
    const summary: TemplateSummary = { templateId, name, latestVersion: 1, createdAt: at, updatedAt: at };
    const version: TemplateVersionRecord = { templateId, version: 1, createdAt: at, ...contentOf(content) };
    await this.client.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: this.tableName, Item: this.headItem(summary), ConditionExpression: 'attribute_not_exists(pk)' } },
          { Put: { TableName: this.tableName, Item: this.versionItem(version), ConditionExpression: 'attribute_not_exists(pk)' } },
        ],
      }),
    );
    return { summary, version };
  }

  get(templateId: string): Promise<TemplateSummary | undefined> {
    return readTemplate(this.client, this.tableName, templateId);
  }

  getVersion(templateId: string, version: number): Promise<TemplateVersionRecord | undefined> {
    return readTemplateVersion(this.client, this.tableName, templateId, version);
  }

  /** Every version's number and time, oldest first; the content stays behind (versions can be large). */
  async versions(templateId: string): Promise<{ version: number; createdAt: string }[]> {
    const versions: { version: number; createdAt: string }[] = [];
    const pages = queryPages(this.client, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :versions)',
      ProjectionExpression: '#version, createdAt',
      ExpressionAttributeNames: { '#version': 'version' },
      ExpressionAttributeValues: { ':pk': keys.template(templateId).pk, ':versions': keys.templateVersionPrefix },
      ConsistentRead: true,
    });
    for await (const items of pages) versions.push(...items.map((item) => ({ version: Number(item.version), createdAt: String(item.createdAt) })));
    return versions;
  }

  /** One page of the templates, most recently changed first. */
  async list(request: PageRequest): Promise<Page<TemplateSummary>> {
    return listPage(this.client, { tableName: this.tableName, index: 'gsi1', key: keys.templateListing('', '').gsi1pk, newestFirst: true }, request, toSummary);
  }

  /**
   * Writes version `expectedLatest + 1` and moves the head to it, only if the head still names
   * `expectedLatest`: of two concurrent edits one wins, the other gets `conflict` and writes nothing.
   */
  async addVersion(templateId: string, expectedLatest: number, name: string, content: Template, at: string): Promise<NewVersion> {
    const version: TemplateVersionRecord = { templateId, version: expectedLatest + 1, createdAt: at, ...contentOf(content) };
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: this.tableName, Item: this.versionItem(version), ConditionExpression: 'attribute_not_exists(pk)' } },
            {
              Update: {
                TableName: this.tableName,
                Key: keys.template(templateId),
                UpdateExpression: 'SET latestVersion = :next, #name = :name, updatedAt = :at, gsi1sk = :listing',
                ConditionExpression: 'latestVersion = :expected',
                ExpressionAttributeNames: { '#name': 'name' },
                ExpressionAttributeValues: { ':next': version.version, ':expected': expectedLatest, ':name': name, ':at': at, ':listing': keys.templateListing(at, templateId).gsi1sk },
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

  /** Renames a template without a new version (its content did not change), if no version came meanwhile. */
  async rename(templateId: string, expectedLatest: number, name: string, at: string): Promise<'renamed' | 'conflict'> {
    return conditionally(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.template(templateId),
          UpdateExpression: 'SET #name = :name, updatedAt = :at, gsi1sk = :listing',
          ConditionExpression: 'latestVersion = :expected',
          ExpressionAttributeNames: { '#name': 'name' },
          ExpressionAttributeValues: { ':name': name, ':at': at, ':expected': expectedLatest, ':listing': keys.templateListing(at, templateId).gsi1sk },
        }),
      ),
      'renamed',
      'conflict',
    );
  }
}
