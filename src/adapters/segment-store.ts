import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SegmentDefinition } from '../domain/segments/segment';
import { sameDefinition } from '../domain/same-definition';
import { conditionally } from './dynamo-errors';
import * as keys from './keys';
import type { Page, PageRequest } from '../domain/page';
import { listPage, queryAll } from './query-pages';

/** A saved segment; `version` counts its edits, and a campaign records the version it was built from. */
export interface Segment extends SegmentDefinition {
  readonly id: string;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** Saved segments: definitions marketers reuse across campaigns and previews. */
export class SegmentStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(id: string, definition: SegmentDefinition, at: string): Promise<Segment> {
    const segment: Segment = { id, ...definition, version: 1, createdAt: at, updatedAt: at };
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.segment(id), ...keys.segmentListing(at, id), entity: 'segment', ...segment },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return segment;
  }

  async get(id: string): Promise<Segment | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.segment(id), ConsistentRead: true }));
    return Item ? toSegment(Item) : undefined;
  }

  /** One page of the segments, newest first. */
  async list(request: PageRequest): Promise<Page<Segment>> {
    return listPage(this.client, { tableName: this.tableName, index: 'gsi1', key: keys.segmentListing('', '').gsi1pk, newestFirst: true }, request, toSegment);
  }

  /**
   * Replaces a segment's definition as its next version, unless it says what the current version says
   * (a file pushed again unchanged makes no version: `created: false`). With `expectedVersion`, only if
   * nobody saved another version since it was read: two marketers editing at once cannot overwrite each other.
   */
  async update(id: string, definition: SegmentDefinition, at: string, expectedVersion?: number): Promise<{ readonly segment: Segment; readonly created: boolean } | 'not-found' | 'version-changed'> {
    const current = await this.get(id);
    if (!current) return 'not-found';
    if (expectedVersion !== undefined && expectedVersion !== current.version) return 'version-changed';
    const { id: _id, version: _version, createdAt: _createdAt, updatedAt: _updatedAt, ...currentDefinition } = current;
    if (sameDefinition<SegmentDefinition>(currentDefinition, definition)) return { segment: current, created: false };
    const next: Segment = { ...definition, id, version: current.version + 1, createdAt: current.createdAt, updatedAt: at };
    const written = await conditionally(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.segment(id), ...keys.segmentListing(current.createdAt, id), entity: 'segment', ...next },
          ConditionExpression: 'version = :version',
          ExpressionAttributeValues: { ':version': current.version },
        }),
      ),
      true,
      false,
    );
    return written ? { segment: next, created: true } : 'version-changed';
  }

  /** Every saved segment marked `tracked`: few enough (a team's saved segments) to read whole. */
  async tracked(): Promise<Segment[]> {
    const all = await queryAll(this.client, { tableName: this.tableName, index: 'gsi1', key: keys.segmentListing('', '').gsi1pk }, toSegment);
    return all.filter((segment) => segment.tracked === true);
  }

  async delete(id: string): Promise<boolean> {
    return conditionally(
      this.client.send(new DeleteCommand({ TableName: this.tableName, Key: keys.segment(id), ConditionExpression: 'attribute_exists(pk)' })),
      true,
      false,
    );
  }
}

function toSegment(item: Record<string, unknown>): Segment {
  const { pk: _pk, sk: _sk, gsi1pk: _gsi1pk, gsi1sk: _gsi1sk, entity: _entity, ...segment } = item;
  return segment as unknown as Segment;
}
