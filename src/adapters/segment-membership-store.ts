import { PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Membership } from '../domain/segments/membership';
import { conditionally } from './dynamo-errors';
import { dueShardOf } from './journey-store';
import * as keys from './keys';

/**
 * Each lead's memberships of tracked segments, under the lead, each changed only at the version read;
 * beside them (`SEGMENT#~check`, read in the same query) the next instant one may flip with time
 * alone, in the journeys' due-time index (gsi1 `JDUE#<shard>`) while there is one.
 */
export class SegmentMembershipStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async of(leadId: string): Promise<{ segments: ReadonlyMap<string, Membership>; nextCheckAt?: string }> {
    const memberships = new Map<string, Membership>();
    let nextCheckAt: string | undefined;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :lead AND begins_with(sk, :segment)',
          ExpressionAttributeValues: { ':lead': keys.lead(leadId).pk, ':segment': keys.segmentMembershipPrefix },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        if (item.entity === 'segment-check') {
          if (typeof item.checkAt === 'string') nextCheckAt = item.checkAt;
          continue;
        }
        memberships.set(String(item.segmentId), { member: item.member === true, version: Number(item.version), ...(item.pending ? { pending: item.pending as Membership['pending'] } : {}) });
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return { segments: memberships, ...(nextCheckAt ? { nextCheckAt } : {}) };
  }

  async scheduleCheck(leadId: string, at: string | undefined, evaluatedAt: string): Promise<void> {
    await conditionally(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.segmentCheck(leadId), ...(at ? { ...keys.segmentCheckDue(dueShardOf(leadId), at, leadId), checkAt: at } : {}), entity: 'segment-check', leadId, evaluatedAt },
          // Two trackers looking at once: the check from the later look stands.
          ConditionExpression: 'attribute_not_exists(pk) OR evaluatedAt <= :evaluatedAt',
          ExpressionAttributeValues: { ':evaluatedAt': evaluatedAt },
        }),
      ),
      true,
      false,
    );
  }

  async change(leadId: string, segmentId: string, next: Required<Pick<Membership, 'member' | 'pending'>>, expectedVersion: number): Promise<boolean> {
    return conditionally(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.segmentMembership(leadId, segmentId),
            ...(next.member ? keys.segmentMember(segmentId, leadId) : {}),
            entity: 'segment-membership',
            leadId,
            segmentId,
            member: next.member,
            changedAt: next.pending.detail.at,
            version: expectedVersion + 1,
            pending: next.pending,
          },
          ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(pk)' : 'version = :expected',
          ...(expectedVersion === 0 ? {} : { ExpressionAttributeValues: { ':expected': expectedVersion } }),
        }),
      ),
      true,
      false,
    );
  }

  async published(leadId: string, segmentId: string, version: number): Promise<void> {
    await conditionally(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.segmentMembership(leadId, segmentId),
          UpdateExpression: 'REMOVE pending',
          ConditionExpression: 'version = :version',
          ExpressionAttributeValues: { ':version': version },
        }),
      ),
      true,
      false,
    );
  }
}
