import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ConsentChange } from '../domain/consent/preferences';
import type { Lead } from '../domain/lead';
import { failedConditions } from './dynamo-errors';
import { EmailIndex } from './email-index';
import { transactWrite } from './transactions';
import * as keys from './keys';
import { mapEntryUpdates, putConsents } from './lead-items';
import { LeadStore } from './lead-store';

/** A lead's subscription statuses and the append-only consent records that explain them. */
export class ConsentStore {
  private readonly emails: EmailIndex;
  private readonly leads: LeadStore;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.emails = new EmailIndex(client, tableName);
    this.leads = new LeadStore(client, tableName);
  }

  /** The subscription statuses of the lead with this address; none when there is no such lead yet. */
  async subscriptionsOf(email: string): Promise<Lead['subscriptions']> {
    const leadId = await this.emails.leadIdForEmail(email);
    return (leadId ? (await this.leads.getLead(leadId))?.subscriptions : undefined) ?? {};
  }

  /**
   * Applies a subscriber's consent change: the lead's statuses and one append-only consent record
   * per changed type, in one transaction. The records are keyed by `requestId`, so a retried request
   * cannot add them twice. A change with nothing in it writes nothing.
   */
  async recordConsentChange(leadId: string, change: ConsentChange, requestId: string): Promise<'recorded' | 'unchanged' | 'no-lead'> {
    const entries = Object.entries(change.subscriptions);
    if (entries.length === 0) return 'unchanged';
    const subscriptions = mapEntryUpdates('subscriptions', entries);
    try {
      await transactWrite(this.client, this.tableName, [
        {
          Update: {
            Key: keys.lead(leadId),
            UpdateExpression: `SET ${subscriptions.sets.join(', ')} ADD #version :one`,
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeNames: { ...subscriptions.names, '#version': 'version' },
            ExpressionAttributeValues: { ...subscriptions.values, ':one': 1 },
          },
        },
        ...putConsents(this.tableName, leadId, change.records, requestId),
      ]);
      return 'recorded';
    } catch (error) {
      const failed = failedConditions(error);
      if (failed?.[0]) return 'no-lead';
      if (failed?.some(Boolean)) return 'unchanged';
      throw error;
    }
  }
}
