import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { failedConditions } from './dynamo-errors';
import { transactWrite } from './transactions';
import { keys } from './keys';

export type LinkOutcome = 'linked' | 'already-linked' | 'linked-to-another-lead';

/** Links from a visitor id (a browser not yet identified) to the lead it turned out to be. */
export class AnonymousLinks {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

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
}
