import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Touch } from '../domain/lead';
import { failedConditions } from './dynamo-errors';
import * as keys from './keys';
import { addressOnlyLead, createLeadWrites } from './lead-items';

/** The address-to-lead index: one item per address, claimed when its lead is created. */
export class EmailIndex {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async leadIdForEmail(email: string): Promise<string | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.email(email), ConsistentRead: true }));
    return Item?.leadId as string | undefined;
  }

  /** The lead for an address, created with only the address when nobody has submitted it yet. */
  async ensureLeadForEmail(email: string, touch: Touch): Promise<string> {
    const existing = await this.leadIdForEmail(email);
    if (existing) return existing;
    const lead = addressOnlyLead(email, touch);
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: createLeadWrites(this.tableName, lead) }));
      return lead.id;
    } catch (error) {
      if (!failedConditions(error)?.[0]) throw error;
      const winner = await this.leadIdForEmail(email);
      if (!winner) throw error;
      return winner;
    }
  }
}
