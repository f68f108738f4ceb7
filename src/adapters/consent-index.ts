import { PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { LeadCursor } from '../domain/lead-listing';
import { conditionally } from './dynamo-errors';
import * as keys from './keys';
import { LeadListing } from './lead-listing';
import { queryPages } from './query-pages';

/** A consent record by its key: the lead, its sort key, and the type and time its index entry is built from. */
export interface ConsentRecordKey {
  readonly leadId: string;
  readonly sk: string;
  readonly subscription: string;
  readonly at: string;
}

/**
 * The consent records saved before the index by type existed, found lead by lead through the listing,
 * and the conditional writes that give each its index entry (`keys.consentOfType`).
 */
export class ConsentIndexStore {
  private readonly listing: LeadListing;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.listing = new LeadListing(client, tableName);
  }

  leadIdsPage(limit: number, cursor: LeadCursor) {
    return this.listing.listLeadIds(limit, cursor);
  }

  /** The lead's consent records with no index entry, by key; the type and time are read from the key (`CONSENT#<time>#<type>#<source>`). */
  async unindexedConsents(leadId: string): Promise<ConsentRecordKey[]> {
    const records: ConsentRecordKey[] = [];
    const query = {
      TableName: this.tableName,
      ConsistentRead: true,
      KeyConditionExpression: 'pk = :lead AND begins_with(sk, :consent)',
      FilterExpression: 'attribute_not_exists(gsi1pk)',
      ProjectionExpression: 'sk',
      ExpressionAttributeValues: { ':lead': keys.lead(leadId).pk, ':consent': keys.consentPrefix },
    };
    for await (const page of queryPages(this.client, query)) {
      for (const item of page) {
        const sk = String(item.sk);
        const [, at, subscription] = sk.split('#');
        if (at && subscription) records.push({ leadId, sk, subscription, at });
      }
    }
    return records;
  }

  async index(record: ConsentRecordKey): Promise<boolean> {
    const entry = keys.consentOfType(record.subscription, record.leadId, record.at);
    const outcome = await conditionally(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: keys.lead(record.leadId).pk, sk: record.sk },
          UpdateExpression: 'SET gsi1pk = :partition, gsi1sk = :sort',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(gsi1pk)',
          ExpressionAttributeValues: { ':partition': entry.gsi1pk, ':sort': entry.gsi1sk },
        }),
      ),
      'indexed',
      'unchanged',
    );
    return outcome === 'indexed';
  }

  async markFilled(at: string): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...keys.consentIndexFilled(), entity: 'consent-index', filledAt: at } }));
  }
}
