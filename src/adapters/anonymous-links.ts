import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { failedConditions, isTransactionConflict } from './dynamo-errors';
import { LeadEventStore } from './lead-events';
import { putEvents } from './lead-items';
import { transactWrite } from './transactions';
import * as keys from './keys';

export type LinkOutcome = 'linked' | 'already-linked' | 'linked-to-another-lead';

/** Links from a visitor id (a browser not yet identified) to the lead it turned out to be. */
export class AnonymousLinks {
  private readonly events: LeadEventStore;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.events = new LeadEventStore(client, tableName);
  }

  async leadIdForAnonymous(anonymousId: string): Promise<string | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.anonymousLink(anonymousId), ConsistentRead: true }));
    return Item?.leadId as string | undefined;
  }

  /**
   * Links a visitor id to a lead. The first identification wins: a browser shared by two people keeps
   * pointing at the first, so the known lead's history is never moved to another lead.
   */
  async linkAnonymous(anonymousId: string, leadId: string, at: string): Promise<LinkOutcome> {
    try {
      await transactWrite(this.client, this.tableName, [
        {
          Put: {
            Item: { ...keys.anonymousLink(anonymousId), leadId, linkedAt: at },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        // The lead lists its visitor ids, so erasing the lead finds every link and visitor event.
        {
          Update: {
            Key: keys.lead(leadId),
            UpdateExpression: 'ADD anonymousIds :id',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':id': new Set([anonymousId]) },
          },
        },
      ]);
      return 'linked';
    } catch (error) {
      if (!failedConditions(error)?.[0]) throw error;
      return (await this.leadIdForAnonymous(anonymousId)) === leadId ? 'already-linked' : 'linked-to-another-lead';
    }
  }

  /**
   * Moves a visitor's recorded events into the lead's history, each item of them (a request's events
   * are one) in one transaction that writes it there (recorded now, so the lead's scorer finds it past
   * its watermark) and deletes it from the visitor's: a retried move finds moved items gone and skips
   * them, so none is counted twice. The number of events moved.
   */
  async moveHistory(anonymousId: string, leadId: string): Promise<number> {
    let moved = 0;
    for (const { key, events } of await this.events.storedItems({ kind: 'anonymous', id: anonymousId })) {
      const recordedAt = new Date().toISOString();
      const [put] = putEvents(this.tableName, events.map(({ subject: _subject, ...event }) => ({ ...event, recordedAt })), { kind: 'lead', id: leadId });
      // Every item holds one event at least.
      if (!put) continue;
      try {
        await transactWrite(this.client, this.tableName, [{ Put: put.Put }, { Delete: { Key: key, ConditionExpression: 'attribute_exists(pk)' } }]);
        moved += events.length;
      } catch (error) {
        // Moved by another attempt meanwhile: nothing left to move for this item.
        if (!failedConditions(error)?.[1] && !isTransactionConflict(error)) throw error;
      }
    }
    return moved;
  }
}
