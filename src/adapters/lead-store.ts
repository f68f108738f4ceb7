import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Lead } from '../domain/lead';
import { batchGet } from './batch-get';
import { conditionally } from './dynamo-errors';
import { EmailIndex } from './email-index';
import { keys } from './keys';
import { toLead } from './lead-items';

/** Reads leads (profile, score, stage and subscriptions live on one item) and marks their address suppressed. */
export class LeadStore {
  private readonly emails: EmailIndex;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.emails = new EmailIndex(client, tableName);
  }

  async getLead(leadId: string): Promise<Lead | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.lead(leadId), ConsistentRead: true }));
    if (!Item) return undefined;
    return toLead(Item);
  }

  /** Leads by id (missing ones are left out). */
  async getLeads(leadIds: readonly string[]): Promise<Lead[]> {
    return (await batchGet(this.client, this.tableName, leadIds.map((leadId) => keys.lead(leadId)))).map(toLead);
  }

  /** Shows on the lead with this address (if any) that the address is suppressed, or no longer is. */
  async setEmailSuppression(email: string, suppression: Lead['emailSuppression']): Promise<void> {
    const leadId = await this.emails.leadIdForEmail(email);
    if (!leadId) return;
    await conditionally(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.lead(leadId),
          UpdateExpression: suppression ? 'SET emailSuppression = :suppression' : 'REMOVE emailSuppression',
          ConditionExpression: 'attribute_exists(pk)',
          ...(suppression ? { ExpressionAttributeValues: { ':suppression': suppression } } : {}),
        }),
      ),
      'set',
      'no-lead',
    );
  }
}
