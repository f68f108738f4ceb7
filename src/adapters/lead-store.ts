import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Lead } from '../domain/lead';
import { batchGet } from './batch-get';
import { conditionally } from './dynamo-errors';
import { EmailIndex } from './email-index';
import * as keys from './keys';
import { toLead, toLeadWithScore } from './lead-items';
import { queryPages } from './query-pages';

/**
 * Reads leads — the profile item (contact, stage, subscriptions) with its score item beside it — and
 * marks their address suppressed.
 */
export class LeadStore {
  private readonly emails: EmailIndex;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.emails = new EmailIndex(client, tableName);
  }

  /**
   * The profile and the score in one consistent query of their sort keys' range (`PROFILE`..`SCORE`,
   * which no other item of the lead sorts between): one read unit while the two stay under 4 KB together,
   * where a get of each took two. Each item is picked by its key, so anything filed in the range
   * later would cost its size, never a wrong lead.
   */
  async getLead(leadId: string): Promise<Lead | undefined> {
    const profileKey = keys.lead(leadId);
    const scoreKey = keys.score(leadId);
    let profile: Record<string, unknown> | undefined;
    let score: Record<string, unknown> | undefined;
    const pages = queryPages(this.client, {
      TableName: this.tableName,
      ConsistentRead: true,
      KeyConditionExpression: 'pk = :lead AND sk BETWEEN :profile AND :score',
      ExpressionAttributeValues: { ':lead': profileKey.pk, ':profile': profileKey.sk, ':score': scoreKey.sk },
    });
    for await (const items of pages) {
      for (const item of items) {
        if (item.sk === profileKey.sk) profile = item;
        else if (item.sk === scoreKey.sk) score = item;
      }
    }
    return profile ? toLeadWithScore(profile, score) : undefined;
  }

  /** The lead's profile alone, read consistently: for readers that need none of its score (one read unit instead of two). */
  async profileOf(leadId: string): Promise<Lead | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.lead(leadId), ConsistentRead: true }));
    return Item ? toLead(Item) : undefined;
  }

  /** Leads by id (missing ones are left out): profiles and scores read consistently and together, fifty leads a request. */
  async getLeads(leadIds: readonly string[]): Promise<Lead[]> {
    const unique = [...new Set(leadIds)];
    const items = await batchGet(this.client, this.tableName, unique.flatMap((leadId) => [keys.lead(leadId), keys.score(leadId)]));
    const byKey = new Map(items.map((item) => [`${String(item.pk)}|${String(item.sk)}`, item]));
    const itemOf = (key: { pk: string; sk: string }) => byKey.get(`${key.pk}|${key.sk}`);
    return unique.flatMap((leadId) => {
      const profile = itemOf(keys.lead(leadId));
      return profile ? [toLeadWithScore(profile, itemOf(keys.score(leadId)))] : [];
    });
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

/** Profile items as leads, each with its score item (read in batches). */
export async function withScores(profiles: readonly Record<string, unknown>[], client: DynamoDBDocumentClient, tableName: string): Promise<Lead[]> {
  const scores = new Map((await batchGet(client, tableName, profiles.map((profile) => keys.score(String(profile.id))))).map((score) => [score.pk, score]));
  return profiles.map((profile) => toLeadWithScore(profile, scores.get(profile.pk)));
}
