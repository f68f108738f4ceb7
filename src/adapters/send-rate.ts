import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from './dynamo-errors';
import { keys } from './keys';

/** Windows are kept a minute, for anyone reading the rate after the fact; TTL removes them. */
const WINDOW_TTL_SECONDS = 60;

/** Permission to make one SES call, shared by every concurrent sender. */
export interface SendRate {
  acquire(): Promise<void>;
}

/**
 * A send rate shared by all concurrent senders: each SES call first counts itself in the current
 * second's item with a conditional write, so at most `maxPerSecond` calls start in any second however
 * many senders run. A sender that finds the second full waits for the next one. One item per second
 * takes up to 1,000 writes a second (a partition's limit), far above SES sending rates.
 */
export class DynamoSendRate implements SendRate {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly maxPerSecond: number,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  async acquire(): Promise<void> {
    for (;;) {
      const second = Math.floor(this.now() / 1000);
      try {
        await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: keys.sendRateWindow(second),
            UpdateExpression: 'ADD calls :one SET expiresAt = :expiresAt',
            ConditionExpression: 'attribute_not_exists(calls) OR calls < :max',
            ExpressionAttributeValues: { ':one': 1, ':max': this.maxPerSecond, ':expiresAt': second + WINDOW_TTL_SECONDS },
          }),
        );
        return;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        // This second is spent: wait for the next, spread a little so waiting senders do not all collide.
        await this.sleep((second + 1) * 1000 - this.now() + Math.random() * 50);
      }
    }
  }
}
