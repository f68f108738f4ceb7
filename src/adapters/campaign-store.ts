import { GetCommand, PutCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Campaign, CampaignStatus, ResolvedCampaignDefinition, SendClaim, SendRecord } from '../domain/campaigns/campaign';
import type { CampaignSchedule } from '../domain/campaigns/schedule';
import type { TrackedMetric } from '../domain/campaigns/tracking';
import { ClaimRecords } from './claims';
import { conditionally, failedConditions } from './dynamo-errors';
import { LEAD_LISTING_SHARDS } from '../domain/lead-listing';
import { keys } from './keys';

/** Campaigns and their per-recipient send records. */
export class CampaignStore {
  /**
   * A send is claimed before SES is called and never taken over: a sender that died after the call
   * may have sent it, so a stale claim is counted interrupted (`markInterrupted`) instead of resent.
   */
  private readonly sends: ClaimRecords<ReturnType<typeof keys.campaignSend>>;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.sends = new ClaimRecords(client, tableName, { heldStatus: 'sending', claimedAtAttribute: 'claimedAt' });
  }

  async create(id: string, definition: Omit<ResolvedCampaignDefinition, 'segmentId'>, audience: Pick<Campaign, 'audience' | 'segmentRef'>, at: string): Promise<Campaign> {
    const campaign: Campaign = { id, ...definition, ...audience, status: 'draft', createdAt: at, recipients: 0, planned: false, sent: 0, skipped: 0 };
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.campaign(id), ...keys.campaignListing(at, id), entity: 'campaign', ...campaign },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return campaign;
  }

  async get(id: string): Promise<Campaign | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.campaign(id), ConsistentRead: true }));
    if (!Item) return undefined;
    const { pk: _pk, sk: _sk, gsi1pk: _gsi1pk, gsi1sk: _gsi1sk, entity: _entity, plannedPages: _pages, plannedShards, ...campaign } = Item;
    // Planning walks every listing partition in parallel; it is over when the last one has finished.
    const planned = plannedShards instanceof Set && plannedShards.size >= LEAD_LISTING_SHARDS.length;
    return { ...(campaign as unknown as Campaign), planned };
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
    await conditionally(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.campaign(id),
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
    const key = keys.campaignSend(campaignId, leadId);
    if ((await this.sends.claim({ ...key, ...keys.sendsOfLead(leadId, campaignId), entity: 'campaign-send', campaignId, leadId }, at)) === 'claimed') return { outcome: 'claimed' };
    const stored = await this.sends.read(key);
    return {
      outcome: 'exists',
      record: { status: (stored?.status ?? 'sending') as SendRecord['status'], ...(stored?.reason ? { reason: String(stored.reason) } : {}), ...(stored?.claimedAt ? { claimedAt: String(stored.claimedAt) } : {}) },
    };
  }

  /** Why a recipient was not sent to, kept for the audit and counted, once. */
  async recordSkip(campaignId: string, leadId: string, reason: string, at: string): Promise<void> {
    await this.recordOutcome(campaignId, 'skipped', {
      Put: {
        TableName: this.tableName,
        Item: { ...keys.campaignSend(campaignId, leadId), ...keys.sendsOfLead(leadId, campaignId), entity: 'campaign-send', campaignId, leadId, status: 'skipped', reason, at },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    });
  }

  /**
   * Marks a send whose sender died between recording it and confirming it: it is not sent again
   * (SES may have sent it), and it is counted once as interrupted, so sent + skipped + interrupted
   * reconciles with the plan.
   */
  async markInterrupted(campaignId: string, leadId: string, at: string): Promise<'counted' | 'already-counted'> {
    return this.recordOutcome(campaignId, 'interrupted', {
      Update: {
        TableName: this.tableName,
        Key: keys.campaignSend(campaignId, leadId),
        UpdateExpression: 'SET #status = :interrupted, interruptedAt = :at',
        ConditionExpression: '#status = :sending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':interrupted': 'interrupted', ':sending': 'sending', ':at': at },
      },
    });
  }

  /** Marks a claimed send as sent and counts it, once. */
  async markSent(campaignId: string, leadId: string, messageId: string, at: string): Promise<void> {
    await this.recordOutcome(campaignId, 'sent', this.sends.doneUpdate(keys.campaignSend(campaignId, leadId), 'while-held', { status: 'sent', messageId, sentAt: at }));
  }

  /**
   * Counts what SES reported for one recipient's email, once per kind: repeated opens, clicks and
   * redelivered events move nothing. The per-recipient kinds live on the send record.
   */
  async recordTracking(campaignId: string, leadId: string, metric: TrackedMetric | 'unsubscribed'): Promise<'counted' | 'already-counted'> {
    return this.recordOutcome(campaignId, metric, {
      Update: {
        TableName: this.tableName,
        Key: keys.campaignSend(campaignId, leadId),
        UpdateExpression: 'ADD tracked :metric',
        ConditionExpression: 'attribute_exists(pk) AND NOT contains(tracked, :name)',
        ExpressionAttributeValues: { ':metric': new Set([metric]), ':name': metric },
      },
    });
  }

  /** Gives a claim back when SES refused the call (nothing was sent), so the retry can send. */
  async releaseSend(campaignId: string, leadId: string): Promise<void> {
    await this.sends.release(keys.campaignSend(campaignId, leadId), 'while-held');
  }

  /** Writes to a send record and moves a campaign counter in one transaction; a repeat does neither. */
  private async recordOutcome(
    campaignId: string,
    counter: 'sent' | 'skipped' | 'interrupted' | TrackedMetric | 'unsubscribed',
    write: NonNullable<TransactWriteCommandInput['TransactItems']>[number],
  ): Promise<'counted' | 'already-counted'> {
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            write,
            {
              Update: {
                TableName: this.tableName,
                Key: keys.campaign(campaignId),
                UpdateExpression: 'ADD #counter :one',
                ExpressionAttributeNames: { '#counter': counter },
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

}
