import { randomInt } from 'node:crypto';
import { BatchGetCommand, GetCommand, PutCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Campaign, CampaignItem, CampaignStatus, ResolvedCampaignDefinition, SendClaim, SendRecord } from '../domain/campaigns/campaign';
import type { CampaignSchedule } from '../domain/campaigns/schedule';
import { TRACKED_METRICS, type TrackedMetric } from '../domain/campaigns/tracking';
import { ClaimRecords, type ClaimKey } from './claims';
import { conditionally, failedConditions, isTransactionConflict } from './dynamo-errors';
import { LEAD_LISTING_SHARDS } from '../domain/lead-listing';
import { SKIP_REASONS, type SkipReason } from '../domain/consent/send-policy';
import type { Page, PageRequest } from '../domain/page';
import * as keys from './keys';
import { listPage } from './query-pages';

/**
 * Counter shards per campaign, each its own partition. A counting transaction writes its send records
 * and one shard picked at random (2 write units an item), so each shard takes 1 / 64 of the
 * campaign's counting writes: far below a partition's 1,000 units a second at any SES rate, and two
 * transactions in flight at once rarely pick the same shard.
 */
export const CAMPAIGN_COUNTER_SHARDS = 64;
/** Tries of a count whose shard another count was writing at that moment, each in another shard picked at random. */
const COUNT_ATTEMPTS = 8;
/** Send records in one counting transaction: DynamoDB takes 100 items, one of them the counter shard. */
const RECORDS_PER_COUNT = 99;
/** Skips are counted in total and by reason (`skipped_frequency_cap`), so the report says why. */
const skippedFor = (reason: SkipReason) => `skipped_${reason}` as const;
const COUNTED = ['sent', 'skipped', 'interrupted', ...TRACKED_METRICS, 'unsubscribed', ...SKIP_REASONS.map(skippedFor)] as const;
type Counted = (typeof COUNTED)[number];

/**
 * How a campaign's records are laid out. `sharded`: counters in counter shards, send records each in
 * their own partition, planning on the plan item. Campaigns created before (no `layout`) keep
 * counters, send records and planning on or under the campaign item, so one sending across an
 * upgrade still finds every send it recorded.
 */
type Layout = 'sharded' | 'legacy';
const SHARDED: Layout = 'sharded';

/** What the campaign item stores that is not part of the campaign as the API shows it. */
const STORAGE_ATTRIBUTES = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'entity', 'layout', 'plannedPages', 'plannedShards', 'recipients', ...COUNTED];

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
/** An outcome waiting for its campaign's next counting transaction. */
type QueuedOutcome = { readonly counters: readonly Counted[]; readonly write: TransactItem; resolve(outcome: 'counted' | 'already-counted'): void; reject(error: unknown): void };

/** The item a transaction's write is to, as one string. */
const itemOf = (write: TransactItem) => {
  const key = write.Put?.Item ?? write.Update?.Key ?? {};
  return `${String(key.pk)}|${String(key.sk)}`;
};

/** Takes up to RECORDS_PER_COUNT queued outcomes off the queue, each item once (DynamoDB refuses a transaction with two writes to one item). */
function takeGroup(queue: QueuedOutcome[]): QueuedOutcome[] {
  const group: QueuedOutcome[] = [];
  const items = new Set<string>();
  for (let index = 0; index < queue.length && group.length < RECORDS_PER_COUNT; ) {
    const outcome = queue[index] as QueuedOutcome;
    if (items.has(itemOf(outcome.write))) {
      index += 1;
      continue;
    }
    items.add(itemOf(outcome.write));
    group.push(outcome);
    queue.splice(index, 1);
  }
  return group;
}

/** Where a campaign's send record to a lead is, by the campaign's layout. */
const sendKey = (layout: Layout, campaignId: string, leadId: string): ClaimKey => (layout === SHARDED ? keys.campaignSend(campaignId, leadId) : keys.legacyCampaignSend(campaignId, leadId));
const countOf = (value: unknown) => (typeof value === 'number' ? value : 0);
const shardsOf = (value: unknown): string[] => (value instanceof Set ? [...value].map(String) : []);

/**
 * Campaigns, their plan, counter shards and per-recipient send records. While a campaign sends, no
 * write touches the campaign item (which holds the template): counts go to counter shards, planned
 * pages to the plan item, and readers sum them.
 */
/** A campaign as the list shows it. */
export type CampaignListing = Pick<CampaignItem, 'id' | 'name' | 'subscription' | 'status' | 'createdAt' | 'schedule'>;

export class CampaignStore {
  /**
   * A send is claimed before SES is called and never taken over: a sender that died after the call
   * may have sent it, so a stale claim is counted interrupted (`markInterrupted`) instead of resent.
   */
  private readonly sends: ClaimRecords<ClaimKey>;
  /** Each campaign's layout, fixed at creation, so it is read at most once per campaign and container. */
  private readonly layouts = new Map<string, Layout>();
  /** Outcomes waiting for their campaign's next counting transaction, and the campaigns with one under way. */
  private readonly queuedOutcomes = new Map<string, QueuedOutcome[]>();
  private readonly committing = new Set<string>();

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.sends = new ClaimRecords(client, tableName, { heldStatus: 'sending', claimedAtAttribute: 'claimedAt' });
  }

  async create(id: string, definition: Omit<ResolvedCampaignDefinition, 'segmentId'>, audience: Pick<Campaign, 'audience' | 'segmentRef'>, at: string): Promise<Campaign> {
    const item: CampaignItem = { id, ...definition, ...audience, status: 'draft', createdAt: at };
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.campaign(id), ...keys.campaignListing(at, id), entity: 'campaign', layout: SHARDED, ...item },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    this.layouts.set(id, SHARDED);
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
    this.layouts.set(id, item.layout === SHARDED ? SHARDED : 'legacy');
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
    const campaign = Object.fromEntries(Object.entries(item).filter(([name]) => !STORAGE_ATTRIBUTES.includes(name))) as unknown as CampaignItem;
    return {
      ...campaign,
      recipients: countOf(item.recipients) + countOf(plan?.recipients),
      planned: plannedShards.size >= LEAD_LISTING_SHARDS.length,
      sent: 0,
      skipped: 0,
      ...counts,
      ...(Object.keys(skippedByReason).length ? { skippedByReason } : {}),
    };
  }

  /** The campaign without its counts, read consistently: its status and content, as senders and planners need for each batch. */
  async getItem(id: string): Promise<CampaignItem | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.campaign(id), ConsistentRead: true }));
    if (!Item) return undefined;
    this.layouts.set(id, Item.layout === SHARDED ? SHARDED : 'legacy');
    return Object.fromEntries(Object.entries(Item).filter(([name]) => !STORAGE_ATTRIBUTES.includes(name))) as unknown as CampaignItem;
  }

  /** Moves a draft to sending, once: a second request finds it already sending. */
  async startSending(id: string, at: string): Promise<'started' | 'not-a-draft'> {
    return conditionally(this.moveToSending(id, at, '#status = :draft', {}, { ':draft': 'draft' }), 'started', 'not-a-draft');
  }

  /**
   * Moves a campaign between statuses, only from the ones allowed; false when it was in another.
   * `reason` says why it stopped (shown on the campaign); any other move clears it.
   */
  async setStatus(id: string, from: readonly CampaignStatus[], to: CampaignStatus, reason?: string): Promise<boolean> {
    const values = Object.fromEntries(from.map((status, index) => [`:from${index}`, status]));
    return conditionally(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.campaign(id),
          UpdateExpression: reason ? 'SET #status = :to, statusReason = :reason' : 'SET #status = :to REMOVE statusReason',
          ConditionExpression: `#status IN (${Object.keys(values).join(', ')})`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ...values, ':to': to, ...(reason ? { ':reason': reason } : {}) },
        }),
      ),
      true,
      false,
    );
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

  /**
   * Counts a planned page of recipients once. `finishedShard` names the listing partition this page
   * ended; the campaign is planned when every partition has ended.
   */
  async recordPlannedPage(id: string, pageId: string, recipients: number, finishedShard?: number): Promise<void> {
    const layout = await this.layoutOf(id);
    await conditionally(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: layout === SHARDED ? keys.campaignPlan(id) : keys.campaign(id),
          UpdateExpression: `ADD recipients :recipients, plannedPages :page${finishedShard === undefined ? '' : ', plannedShards :shard'}`,
          ConditionExpression: 'NOT contains(plannedPages, :pageId)',
          ExpressionAttributeValues: {
            ':recipients': recipients,
            ':page': new Set([pageId]),
            ':pageId': pageId,
            ...(finishedShard === undefined ? {} : { ':shard': new Set([`shard-${finishedShard}`]) }),
          },
        }),
      ),
      'recorded',
      'already-recorded',
    );
  }

  /**
   * Records the send to a recipient before SES is called. Whoever finds a record already there sends
   * nothing: one email per recipient per campaign, whatever is retried.
   */
  async claimSend(campaignId: string, leadId: string, at: string): Promise<SendClaim> {
    const key = sendKey(await this.layoutOf(campaignId), campaignId, leadId);
    if ((await this.sends.claim({ ...key, ...keys.sendsOfLead(leadId, campaignId), entity: 'campaign-send', campaignId, leadId }, at)) === 'claimed') return { outcome: 'claimed' };
    const stored = await this.sends.read(key);
    return {
      outcome: 'exists',
      record: { status: (stored?.status ?? 'sending') as SendRecord['status'], ...(stored?.reason ? { reason: String(stored.reason) } : {}), ...(stored?.claimedAt ? { claimedAt: String(stored.claimedAt) } : {}) },
    };
  }

  /** Why a recipient was not sent to, kept for the audit and counted once, in total and by reason. */
  async recordSkip(campaignId: string, leadId: string, reason: SkipReason, at: string): Promise<void> {
    const layout = await this.layoutOf(campaignId);
    const skip = {
      Put: {
        TableName: this.tableName,
        Item: { ...sendKey(layout, campaignId, leadId), ...keys.sendsOfLead(leadId, campaignId), entity: 'campaign-send', campaignId, leadId, status: 'skipped', reason, at },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
    await this.recordOutcome(campaignId, ['skipped', skippedFor(reason)], skip, layout);
  }

  /**
   * Marks a send whose sender died between recording it and confirming it: it is not sent again
   * (SES may have sent it), and it is counted once as interrupted, so sent + skipped + interrupted
   * reconciles with the plan.
   */
  async markInterrupted(campaignId: string, leadId: string, at: string): Promise<'counted' | 'already-counted'> {
    const layout = await this.layoutOf(campaignId);
    const interrupted = {
      Update: {
        TableName: this.tableName,
        Key: sendKey(layout, campaignId, leadId),
        UpdateExpression: 'SET #status = :interrupted, interruptedAt = :at',
        ConditionExpression: '#status = :sending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':interrupted': 'interrupted', ':sending': 'sending', ':at': at },
      },
    };
    return this.recordOutcome(campaignId, ['interrupted'], interrupted, layout);
  }

  /** Marks a claimed send as sent and counts it, once. */
  async markSent(campaignId: string, leadId: string, messageId: string, at: string): Promise<void> {
    const layout = await this.layoutOf(campaignId);
    await this.recordOutcome(campaignId, ['sent'], this.sends.doneUpdate(sendKey(layout, campaignId, leadId), 'while-held', { status: 'sent', messageId, sentAt: at }), layout);
  }

  /**
   * Counts what SES reported for one recipient's email, once per kind: repeated opens, clicks and
   * redelivered events move nothing. The per-recipient kinds live on the send record. A function that
   * does not know the campaign's layout (and may not read campaigns: the preference centre) tries the
   * current layout first, then the one from before.
   */
  async recordTracking(campaignId: string, leadId: string, metric: TrackedMetric | 'unsubscribed'): Promise<'counted' | 'already-counted'> {
    const known = this.layouts.get(campaignId);
    for (const layout of known ? [known] : [SHARDED, 'legacy' as const]) {
      const update = {
        Update: {
          TableName: this.tableName,
          Key: sendKey(layout, campaignId, leadId),
          UpdateExpression: 'ADD tracked :metric',
          ConditionExpression: 'attribute_exists(pk) AND NOT contains(tracked, :name)',
          ExpressionAttributeValues: { ':metric': new Set([metric]), ':name': metric },
        },
      };
      if ((await this.recordOutcome(campaignId, [metric], update, layout)) === 'counted') return 'counted';
    }
    return 'already-counted';
  }

  /** Gives a claim back when SES refused the call (nothing was sent), so the retry can send. */
  async releaseSend(campaignId: string, leadId: string): Promise<void> {
    await this.sends.release(sendKey(await this.layoutOf(campaignId), campaignId, leadId), 'while-held');
  }

  /**
   * Writes to a send record and moves a campaign counter in one transaction; a repeat does neither.
   * In the sharded layout the outcomes recorded at the same moment share one transaction (see
   * `commitQueued`); before, each moved the counter on the campaign item.
   */
  private recordOutcome(campaignId: string, counters: readonly Counted[], write: TransactItem, layout: Layout): Promise<'counted' | 'already-counted'> {
    if (layout !== SHARDED) return this.countOnCampaignItem(campaignId, counters, write);
    return new Promise((resolve, reject) => {
      const queue = this.queuedOutcomes.get(campaignId) ?? [];
      queue.push({ counters, write, resolve, reject });
      this.queuedOutcomes.set(campaignId, queue);
      void this.commitQueued(campaignId);
    });
  }

  /**
   * Commits a campaign's queued outcomes, one transaction at a time: the send records written then
   * (up to 99, each at most once) and one counter shard moved by all of them. A transaction per group
   * instead of per recipient halves the write units of counting and makes shard conflicts rare.
   */
  private async commitQueued(campaignId: string): Promise<void> {
    if (this.committing.has(campaignId)) return;
    this.committing.add(campaignId);
    try {
      // Outcomes recorded in the same turn of the event loop join the first transaction.
      await Promise.resolve();
      for (const queue = this.queuedOutcomes.get(campaignId) ?? []; queue.length; ) await this.commitGroup(campaignId, takeGroup(queue));
    } finally {
      this.committing.delete(campaignId);
      if (!this.queuedOutcomes.get(campaignId)?.length) this.queuedOutcomes.delete(campaignId);
    }
  }

  /**
   * One transaction of a group of outcomes and a counter shard picked at random. A write whose
   * condition fails (recorded already) leaves the group as already counted and the rest is tried
   * again; a conflict with another transaction on the same shard is tried again in another shard.
   */
  private async commitGroup(campaignId: string, group: QueuedOutcome[]): Promise<void> {
    let pending = group;
    for (let attempt = 1; pending.length; attempt += 1) {
      const counts = new Map<Counted, number>();
      for (const outcome of pending) for (const counter of outcome.counters) counts.set(counter, (counts.get(counter) ?? 0) + 1);
      const counters = [...counts.entries()];
      try {
        await this.client.send(
          new TransactWriteCommand({
            TransactItems: [
              ...pending.map((outcome) => outcome.write),
              {
                Update: {
                  TableName: this.tableName,
                  Key: keys.campaignCounter(campaignId, randomInt(CAMPAIGN_COUNTER_SHARDS)),
                  UpdateExpression: `ADD ${counters.map((_, index) => `#counter${index} :count${index}`).join(', ')}`,
                  ExpressionAttributeNames: Object.fromEntries(counters.map(([name], index) => [`#counter${index}`, name])),
                  ExpressionAttributeValues: Object.fromEntries(counters.map(([, count], index) => [`:count${index}`, count])),
                },
              },
            ],
          }),
        );
        for (const outcome of pending) outcome.resolve('counted');
        return;
      } catch (error) {
        const failed = failedConditions(error);
        if (failed?.some(Boolean)) {
          for (const [index, outcome] of pending.entries()) if (failed[index]) outcome.resolve('already-counted');
          pending = pending.filter((_, index) => !failed[index]);
          continue;
        }
        if (isTransactionConflict(error) && attempt < COUNT_ATTEMPTS) continue;
        for (const outcome of pending) outcome.reject(error);
        return;
      }
    }
  }

  /** A campaign created before the counters were sharded: the outcome moves the counter on the campaign item. */
  private async countOnCampaignItem(campaignId: string, counters: readonly Counted[], write: TransactItem): Promise<'counted' | 'already-counted'> {
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            write,
            {
              Update: {
                TableName: this.tableName,
                Key: keys.campaign(campaignId),
                UpdateExpression: `ADD ${counters.map((_, index) => `#counter${index} :one`).join(', ')}`,
                ExpressionAttributeNames: Object.fromEntries(counters.map((counter, index) => [`#counter${index}`, counter])),
                ExpressionAttributeValues: { ':one': 1 },
              },
            },
          ],
        }),
      );
      return 'counted';
    } catch (error) {
      if (failedConditions(error)?.[0]) return 'already-counted';
      throw error;
    }
  }

  /** The campaign's layout, read once (a campaign that does not exist has nothing recorded: the current layout). */
  private async layoutOf(campaignId: string): Promise<Layout> {
    const known = this.layouts.get(campaignId);
    if (known) return known;
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.campaign(campaignId), ProjectionExpression: '#layout, pk', ExpressionAttributeNames: { '#layout': 'layout' } }));
    const layout: Layout = Item && Item.layout !== SHARDED ? 'legacy' : SHARDED;
    if (Item) this.layouts.set(campaignId, layout);
    return layout;
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
