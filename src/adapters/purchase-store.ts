import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Lead, PurchaseSummary } from '../domain/lead';
import type { Purchase } from '../domain/purchases';
import { failedConditions, isTransactionConflict } from './dynamo-errors';
import { transactWrite } from './transactions';
import * as keys from './keys';

/** A purchase as stored: the order, the lead it belongs to and when leadflow recorded it (no address). */
export interface StoredPurchase extends Purchase {
  readonly leadId: string;
  readonly recordedAt: string;
}

export type PurchaseWrite = 'recorded' | 'duplicate' | 'lead-changed';

/** Records purchases once per order id, moving the lead's purchase summary in the same transaction. */
export class PurchaseStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Puts the purchase if its order id is new and replaces the lead's summary, in one transaction
   * guarded by the lead's version (the summary was computed from that version). `duplicate`: the order
   * is already recorded and nothing changed; `lead-changed`: read the lead again and retry.
   */
  async record(lead: Pick<Lead, 'id' | 'version'>, purchase: Purchase, summary: PurchaseSummary, recordedAt: string): Promise<PurchaseWrite> {
    const item: StoredPurchase = { ...purchase, leadId: lead.id, recordedAt };
    try {
      await transactWrite(this.client, this.tableName, [
        {
          Put: {
            Item: { ...keys.purchase(purchase.orderId), ...keys.purchasesOfLead(lead.id, purchase.purchasedAt, purchase.orderId), entity: 'purchase', ...item },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Update: {
            Key: keys.lead(lead.id),
            UpdateExpression: 'SET purchases = :summary, updatedAt = :at, version = :next',
            ConditionExpression: 'version = :version',
            ExpressionAttributeValues: { ':summary': summary, ':at': recordedAt, ':version': lead.version, ':next': lead.version + 1 },
          },
        },
      ]);
      return 'recorded';
    } catch (error) {
      const failed = failedConditions(error);
      if (failed?.[0]) return 'duplicate';
      if (failed?.[1] || isTransactionConflict(error)) return 'lead-changed';
      throw error;
    }
  }

  async get(orderId: string): Promise<StoredPurchase | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.purchase(orderId), ConsistentRead: true }));
    return Item ? toStoredPurchase(Item) : undefined;
  }
}

function toStoredPurchase(item: Record<string, unknown>): StoredPurchase {
  const { pk: _pk, sk: _sk, gsi1pk: _gsi1pk, gsi1sk: _gsi1sk, entity: _entity, ...purchase } = item;
  return purchase as unknown as StoredPurchase;
}
