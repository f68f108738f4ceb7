import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { namesSubscriptionType, type SubscriptionTypeUse } from '../domain/subscriptions';
import * as keys from './keys';
import { queryAll } from './query-pages';

type Item = Record<string, unknown>;
type NamedKind = 'campaign' | 'journey' | 'form' | 'segment';

/** Each kind that can name a type: its listing partition, and whether its versions live in its own partition. */
const LISTED: readonly { readonly kind: NamedKind; readonly listing: string; readonly id: string; readonly name: string; readonly versioned: boolean }[] = [
  { kind: 'campaign', listing: keys.campaignListing('', '').gsi1pk, id: 'id', name: 'name', versioned: false },
  { kind: 'journey', listing: keys.journeyListing('', '').gsi1pk, id: 'id', name: 'name', versioned: true },
  { kind: 'form', listing: keys.formListing('', '').gsi1pk, id: 'formId', name: 'title', versioned: true },
  { kind: 'segment', listing: keys.segmentListing('', '').gsi1pk, id: 'id', name: 'name', versioned: false },
];

/**
 * What names a subscription type, read from the table. Consent records: one query of at most one item
 * in each of the type's 16 index partitions. Campaigns, journeys, forms and segments: their listings
 * (the index projects whole items), and the partition of each versioned one (every version a lead may
 * still be in or a page may still post). The care settings: one item. Reads grow with the number of
 * campaigns, journeys, forms and segments, never with leads.
 */
export class SubscriptionTypeUseStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async of(typeId: string): Promise<SubscriptionTypeUse[]> {
    const [consents, named, care] = await Promise.all([this.anyConsentRecord(typeId), Promise.all(LISTED.map((listed) => this.namedBy(listed, typeId))), this.careSurveys(typeId)]);
    return [...(consents ? [{ kind: 'consent_records' as const }] : []), ...named.flat(), ...care];
  }

  /** Whether the consent index backfill has walked every lead (its marker, `keys.consentIndexFilled`). */
  async consentsIndexFilled(): Promise<boolean> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.consentIndexFilled(), ConsistentRead: true }));
    return Item !== undefined;
  }

  private async anyConsentRecord(typeId: string): Promise<boolean> {
    const found = await Promise.all(
      keys.consentsOfTypePartitions(typeId).map(async (partition) => {
        const { Items } = await this.client.send(
          new QueryCommand({ TableName: this.tableName, IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :partition', ExpressionAttributeValues: { ':partition': partition }, Limit: 1 }),
        );
        return (Items?.length ?? 0) > 0;
      }),
    );
    return found.includes(true);
  }

  private async namedBy(listed: (typeof LISTED)[number], typeId: string): Promise<SubscriptionTypeUse[]> {
    const heads = await queryAll(this.client, { tableName: this.tableName, index: 'gsi1', key: listed.listing }, (item) => item);
    const uses = await Promise.all(
      heads.map(async (head): Promise<SubscriptionTypeUse | undefined> => {
        const items: Item[] = listed.versioned ? await queryAll(this.client, { tableName: this.tableName, key: String(head.pk) }, (item) => item) : [head];
        return items.some((item) => namesSubscriptionType(item, typeId)) ? { kind: listed.kind, id: String(head[listed.id]), name: String(head[listed.name]) } : undefined;
      }),
    );
    return uses.filter((use) => use !== undefined);
  }

  private async careSurveys(typeId: string): Promise<SubscriptionTypeUse[]> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.careSettings(), ConsistentRead: true }));
    // Unsaved settings are the default surveys, which name product_updates: a type that cannot be deleted anyway.
    const surveys: unknown = Item?.settings && typeof Item.settings === 'object' ? (Item.settings as Item).surveys : undefined;
    if (!Array.isArray(surveys)) return [];
    return surveys.filter((survey) => namesSubscriptionType(survey, typeId)).map((survey) => ({ kind: 'care_survey', survey: String((survey as Item).id) }));
  }
}
