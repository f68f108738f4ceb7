import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from './dynamo-errors';
import * as keys from './keys';

/** Windows are kept a minute, for anyone reading the rate after the fact; TTL removes them. */
const WINDOW_TTL_SECONDS = 60;

/** Permission to make one SES call, shared by every concurrent sender. */
export interface SendRate {
  acquire(): Promise<void>;
}

type Waiter = { resolve(): void; reject(error: unknown): void };

/**
 * A send rate shared by all concurrent senders: SES calls first count themselves in the current
 * second's item with a conditional write, so at most `maxPerSecond` calls start in any second however
 * many senders run. A sender that finds the second full waits for the next one.
 *
 * The calls of one sender waiting at the same moment take their places together, in one write (as
 * many as the second has left), so the window item takes one write per group of calls rather than
 * one per call: its writes stay far below a partition's 1,000 a second at any SES rate.
 */
export class DynamoSendRate implements SendRate {
  private readonly waiting: Waiter[] = [];
  private taking = false;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly maxPerSecond: number,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  acquire(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      void this.grantWaiting();
    });
  }

  /** Takes places for everyone waiting, group by group, until nobody waits; one taker at a time. */
  private async grantWaiting(): Promise<void> {
    if (this.taking) return;
    this.taking = true;
    try {
      // Callers arriving in the same turn of the event loop join the first write.
      await Promise.resolve();
      while (this.waiting.length) {
        const granted = await this.take(this.waiting.length);
        for (const waiter of this.waiting.splice(0, granted)) waiter.resolve();
      }
    } catch (error) {
      for (const waiter of this.waiting.splice(0)) waiter.reject(error);
    } finally {
      this.taking = false;
    }
  }

  /** Takes up to `wanted` places in the current second (at least one), waiting for a second with room. */
  private async take(wanted: number): Promise<number> {
    let asking = Math.min(wanted, this.maxPerSecond);
    for (;;) {
      const second = Math.floor(this.now() / 1000);
      try {
        await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: keys.sendRateWindow(second),
            // `grants` counts the writes, so the calls each write let through can be read afterwards.
            UpdateExpression: 'ADD calls :asking, grants :one SET expiresAt = :expiresAt',
            // calls + asking <= maxPerSecond, written so one place at a time reads `calls < maxPerSecond`.
            ConditionExpression: 'attribute_not_exists(calls) OR calls < :max',
            ExpressionAttributeValues: { ':asking': asking, ':one': 1, ':max': this.maxPerSecond - asking + 1, ':expiresAt': second + WINDOW_TTL_SECONDS },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return asking;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        // Fewer places than asked are left: ask for those the refusal says are left (or half as many when it does not say).
        const left = this.maxPerSecond - callsIn(error);
        if (asking > 1 && left > 0) {
          asking = Number.isNaN(left) ? Math.floor(asking / 2) : Math.min(asking - 1, left);
          continue;
        }
        // This second is spent: wait for the next, spread a little so waiting senders do not all collide.
        await this.sleep((second + 1) * 1000 - this.now() + Math.random() * 50);
        asking = Math.min(wanted, this.maxPerSecond);
      }
    }
  }
}

/** The calls a window held when it refused a write, from the item DynamoDB returns with the refusal; NaN when it returns none. */
function callsIn(error: unknown): number {
  const calls = (error as { Item?: { calls?: unknown } }).Item?.calls;
  if (typeof calls === 'number') return calls;
  if (calls && typeof calls === 'object' && 'N' in calls) return Number(calls.N);
  return Number.NaN;
}
