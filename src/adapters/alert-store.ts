import { randomUUID } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from './dynamo-errors';
import { keys } from './keys';

export interface AlertKey {
  readonly leadId: string;
  readonly rulesetVersion: string;
  readonly qualification: number;
}

export type Claim =
  | { readonly outcome: 'claimed'; readonly token: string }
  | { readonly outcome: 'already-sent' }
  | { readonly outcome: 'in-progress' };

/**
 * One alert per qualification: the alert record is claimed with a conditional write before the email
 * is sent and marked sent after, so duplicates and concurrent deliveries of one qualification find the
 * claim and send nothing. A claim left by a consumer that died mid-send expires after `staleAfterMs`
 * and is taken over: an alert is better sent twice after a crash than never.
 */
export class AlertStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly staleAfterMs: number,
  ) {}

  async claim(key: AlertKey, now: Date): Promise<Claim> {
    const token = randomUUID();
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.alert(key.leadId, key.rulesetVersion, key.qualification), entity: 'alert', ...key, status: 'sending', claimedAt: now.toISOString(), token },
          ConditionExpression: 'attribute_not_exists(pk) OR (#status = :sending AND claimedAt < :staleBefore)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':sending': 'sending', ':staleBefore': new Date(now.getTime() - this.staleAfterMs).toISOString() },
        }),
      );
      return { outcome: 'claimed', token };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const { Item } = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: keys.alert(key.leadId, key.rulesetVersion, key.qualification), ConsistentRead: true }),
      );
      return Item?.status === 'sent' ? { outcome: 'already-sent' } : { outcome: 'in-progress' };
    }
  }

  async markSent(key: AlertKey, token: string, messageId: string, at: Date): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.alert(key.leadId, key.rulesetVersion, key.qualification),
        UpdateExpression: 'SET #status = :sent, sentAt = :at, messageId = :messageId REMOVE #token',
        ConditionExpression: '#token = :token',
        ExpressionAttributeNames: { '#status': 'status', '#token': 'token' },
        ExpressionAttributeValues: { ':sent': 'sent', ':at': at.toISOString(), ':messageId': messageId, ':token': token },
      }),
    );
  }

  /** Gives the claim back after a failed send, so the retry can send. */
  async release(key: AlertKey, token: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: keys.alert(key.leadId, key.rulesetVersion, key.qualification),
          ConditionExpression: '#token = :token',
          ExpressionAttributeNames: { '#token': 'token' },
          ExpressionAttributeValues: { ':token': token },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
}
