import { BatchGetCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Campaign, CampaignItem, CampaignStatus, ResolvedCampaignDefinition } from '../domain/campaigns/campaign';
import type { CampaignSchedule } from '../domain/campaigns/schedule';
import { LEAD_LISTING_SHARDS } from '../domain/lead-listing';
import { SKIP_REASONS } from '../domain/consent/send-policy';
import type { Page, PageRequest } from '../domain/page';
import { CAMPAIGN_COUNTER_SHARDS, campaignOfItem, COUNTED, CampaignItems, CURRENT_LAYOUT, setCampaignStatus, skippedFor, type Counted } from './campaign-items';
import type { ClaimKey } from './claims';
import { conditionally } from './dynamo-errors';
import * as keys from './keys';
import { countOf } from './packed-values';
import { listPage } from './query-pages';

const shardsOf = (value: unknown): string[] => (value instanceof Set ? [...value].map(String) : []);

/** A campaign as the list shows it. */
export type CampaignListing = Pick<CampaignItem, 'id' | 'name' | 'subscription' | 'status' | 'createdAt' | 'schedule'>;

/**
 * Campaigns as marketers and planners see them: the campaign item (content, status, schedule), its
 * plan and its counts summed from the counter shards. While a campaign sends, no write touches the
 * campaign item (which holds the template): counts go to counter shards (CampaignSendStore, in
 * campaign-sends.ts), planned pages to the plan item (CampaignPlans, in campaign-plans.ts), and `get` sums them.
 */
export class CampaignStore {
  /** `items`: the campaign items and layouts a function's other campaign adapters read too (CampaignPlans), so each layout is read once. */
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly items = new CampaignItems(client, tableName),
  ) {}

  async create(id: string, definition: Omit<ResolvedCampaignDefinition, 'segmentId'>, audience: Pick<Campaign, 'audience' | 'segmentRef'>, at: string): Promise<Campaign> {
    const item: CampaignItem = { id, ...definition, ...audience, status: 'draft', createdAt: at };
    // Listed by id before it exists, so no campaign can send without data rights finding its sends (an
    // entry left by a failed create names nothing and costs a read of a missing key).
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...keys.campaignIdEntry(id), entity: 'campaign-id', createdAt: at } }));
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.campaign(id), ...keys.campaignListing(at, id), entity: 'campaign', layout: CURRENT_LAYOUT, ...item },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return { ...item, recipients: 0, planned: false, sent: 0, skipped: 0 };
  }

  /**
   * A page of campaigns, newest first, from the listing index: name, subscription type, status,
   * schedule and creation time (the counts are summed per campaign by `get`).
   */
  async list(request: PageRequest): Promise<Page<CampaignListing>> {
    return listPage(this.client, { tableName: this.tableName, index: 'gsi1', key: keys.campaignListing('', '').gsi1pk, newestFirst: true }, request, (item) => ({
      id: String(item.id),
      name: String(item.name),
      subscription: item.subscription as CampaignItem['subscription'],
      status: item.status as CampaignStatus,
      createdAt: String(item.createdAt),
      ...(item.schedule ? { schedule: item.schedule as CampaignSchedule } : {}),
    }));
  }

  /** The campaign with its counts: the campaign item, its plan and its counter shards, read consistently (at once) and summed. */
  async get(id: string): Promise<Campaign | undefined> {
    const counterKeys = Array.from({ length: CAMPAIGN_COUNTER_SHARDS }, (_, shard) => keys.campaignCounter(id, shard));
    const [{ Item: item }, tallies] = await Promise.all([
      this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.campaign(id), ConsistentRead: true })),
      this.readAll([keys.campaignPlan(id), ...counterKeys]),
    ]);
    if (!item) return undefined;
    this.items.note(id, item);
    const plan = tallies.find((candidate) => candidate.sk === keys.campaignPlan(id).sk);
    const shards = tallies.filter((candidate) => candidate.sk === keys.campaignCounter(id, 0).sk);
    // A campaign created before the counters were sharded has its counts and plan on its own item.
    const counts: Partial<Record<Counted, number>> = {};
    for (const counter of COUNTED) {
      const total = countOf(item[counter]) + shards.reduce((sum, shard) => sum + countOf(shard[counter]), 0);
      if (total > 0 || counter === 'sent' || counter === 'skipped') counts[counter] = total;
    }
    const skippedByReason = Object.fromEntries(SKIP_REASONS.flatMap((reason) => (counts[skippedFor(reason)] ? [[reason, counts[skippedFor(reason)]]] : [])));
    for (const reason of SKIP_REASONS) delete counts[skippedFor(reason)];
    // Planning walks every listing partition in parallel; it is over when the last one has finished.
    const plannedShards = new Set([...shardsOf(item.plannedShards), ...shardsOf(plan?.plannedShards)]);
    return {
      ...campaignOfItem(item),
      recipients: countOf(item.recipients) + countOf(plan?.recipients),
      planned: plannedShards.size >= LEAD_LISTING_SHARDS.length,
      sent: 0,
      skipped: 0,
      ...counts,
      ...(Object.keys(skippedByReason).length ? { skippedByReason } : {}),
    };
  }

  /** The campaign without its counts, read consistently: its status and content, as planners need for each page. */
  getItem(id: string): Promise<CampaignItem | undefined> {
    return this.items.read(id);
  }

  /**
   * Moves a campaign between statuses, only from the ones allowed; false when it was in another.
   * `reason` says why it stopped (shown on the campaign); any other move clears it.
   */
  setStatus(id: string, from: readonly CampaignStatus[], to: CampaignStatus, reason?: string): Promise<boolean> {
    return setCampaignStatus(this.client, this.tableName, id, from, to, reason);
  }

  /** Moves a draft to sending, once: a second request finds it already sending. */
  async startSending(id: string, at: string): Promise<'started' | 'not-a-draft'> {
    return conditionally(this.moveToSending(id, at, '#status = :draft', {}, { ':draft': 'draft' }), 'started', 'not-a-draft');
  }

  /** Notes that planning was handed to the bus, so a repeated send request no longer restarts it. */
  async markPlanningRequested(id: string): Promise<void> {
    await this.client.send(new UpdateCommand({ TableName: this.tableName, Key: keys.campaign(id), UpdateExpression: 'SET planningRequested = :true', ExpressionAttributeValues: { ':true': true } }));
  }

  /** Schedules a draft, or moves the time of a scheduled campaign; false when it is in another status. */
  async schedule(id: string, schedule: CampaignSchedule): Promise<boolean> {
    return conditionally(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.campaign(id),
          UpdateExpression: 'SET #status = :scheduled, #schedule = :schedule',
          ConditionExpression: '#status IN (:draft, :scheduled)',
          ExpressionAttributeNames: { '#status': 'status', '#schedule': 'schedule' },
          ExpressionAttributeValues: { ':scheduled': 'scheduled', ':draft': 'draft', ':schedule': schedule },
        }),
      ),
      true,
      false,
    );
  }

  /** Returns a scheduled campaign to draft; false when it is not scheduled (any more). */
  async unschedule(id: string): Promise<boolean> {
    return conditionally(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.campaign(id),
          UpdateExpression: 'SET #status = :draft REMOVE #schedule',
          ConditionExpression: '#status = :scheduled',
          ExpressionAttributeNames: { '#status': 'status', '#schedule': 'schedule' },
          ExpressionAttributeValues: { ':scheduled': 'scheduled', ':draft': 'draft' },
        }),
      ),
      true,
      false,
    );
  }

  /**
   * Moves a campaign still scheduled for `scheduledFor` to sending, once. A campaign unscheduled,
   * moved to another time, cancelled or already sending is left alone ('not-due').
   */
  async startScheduledSending(id: string, scheduledFor: string, at: string): Promise<'started' | 'not-due'> {
    return conditionally(
      this.moveToSending(id, at, '#status = :scheduled AND #schedule.sendsAtUtc = :scheduledFor', { '#schedule': 'schedule' }, { ':scheduled': 'scheduled', ':scheduledFor': scheduledFor }),
      'started',
      'not-due',
    );
  }

  /** The campaign's status set to sending at `at`, only where `condition` holds. */
  private moveToSending(id: string, at: string, condition: string, names: Record<string, string>, values: Record<string, unknown>) {
    return this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.campaign(id),
        UpdateExpression: 'SET #status = :sending, sendStartedAt = :at',
        ConditionExpression: condition,
        ExpressionAttributeNames: { '#status': 'status', ...names },
        ExpressionAttributeValues: { ':sending': 'sending', ':at': at, ...values },
      }),
    );
  }

  /** Items by key, read consistently, however many keys and whatever DynamoDB leaves unprocessed at first. */
  private async readAll(wanted: ClaimKey[]): Promise<Record<string, unknown>[]> {
    const found: Record<string, unknown>[] = [];
    let pending: Record<string, unknown>[] = wanted;
    for (let round = 0; pending.length; round += 1) {
      // Keys left unprocessed (the table was busy) are asked for again after a growing pause, as AWS advises.
      if (round) await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** Math.min(round, 6)));
      const { Responses, UnprocessedKeys } = await this.client.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } } }));
      found.push(...(Responses?.[this.tableName] ?? []));
      pending = UnprocessedKeys?.[this.tableName]?.Keys ?? [];
    }
    return found;
  }
}
