import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { KeptPage, PlanRound } from '../domain/campaigns/campaign';
import { batchGet } from './batch-get';
import { CampaignItems, LEGACY } from './campaign-items';
import type { ClaimKey } from './claims';
import { conditionally, isConditionFailure } from './dynamo-errors';
import * as keys from './keys';

const countOf = (value: unknown) => (typeof value === 'number' ? value : 0);

/**
 * How long a kept page of a plan stays: as long as the planner's dead-letter queue keeps a message,
 * so a page that failed every try and is sent again from there publishes what it kept. Its lead ids
 * stay only until it is published, as a message in flight holds them.
 */
const KEPT_PAGE_SECONDS = 14 * 24 * 3600;

/**
 * A sending campaign's plan, as planners count it: its pages and finished listing partitions, in
 * rounds (each resume starts one). Apart from CampaignStore, so the functions that only read or
 * make campaigns carry none of it.
 */
export class CampaignPlans {
  /** `items`: shared with the function's CampaignStore, whose reads of a campaign note its layout. */
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly items = new CampaignItems(client, tableName),
  ) {}

  /**
   * Keeps a page of the plan as this attempt chose it, unless an attempt before kept one: then that
   * one is returned, to be published instead ('finished' once it was). Read consistently after the
   * conditional write found it, so a retry never publishes another choice than the one counted.
   */
  async keepPage(id: string, pageId: string, page: KeptPage): Promise<KeptPage | 'finished'> {
    const key = keys.campaignPlanPage(id, pageId);
    const item = { ...key, entity: 'campaign-plan-page', leadIds: [...page.leadIds], counted: page.counted, ...(page.next ? { next: page.next } : {}), expiresAt: Math.floor(Date.now() / 1000) + KEPT_PAGE_SECONDS };
    const kept = await conditionally(this.client.send(new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' })), 'kept' as const, 'there' as const);
    if (kept === 'kept') return page;
    const { Item: earlier } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
    // Gone between the two calls only if its time to live ran out: this attempt's choice is as good as any then.
    if (!earlier) return page;
    if (earlier.finished === true) return 'finished';
    const leadIds = Array.isArray(earlier.leadIds) ? earlier.leadIds.map(String) : [];
    return { leadIds, counted: countOf(earlier.counted), ...(typeof earlier.next === 'string' ? { next: earlier.next } : {}) };
  }

  /** Marks a kept page published (or superseded): a later delivery of its request does nothing, and its lead ids are gone. */
  async finishPage(id: string, pageId: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.campaignPlanPage(id, pageId),
        UpdateExpression: 'SET finished = :true REMOVE leadIds',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':true': true },
      }),
    ).catch((error: unknown) => {
      // Its time to live ran out meanwhile: nothing is left to forget.
      if (!isConditionFailure(error)) throw error;
    });
  }

  /**
   * Counts a planned page of recipients once, in its round of the plan (`round`: absent for the first
   * plan; each resume starts the next, `startPlanRound`). `finishedShard` names the listing partition
   * this page ended; the campaign is planned when every partition has ended in the current round.
   * 'superseded': a newer round began since this page's, which plans every lead again, so this page
   * must publish nothing.
   */
  async recordPlannedPage(id: string, pageId: string, recipients: number, finishedShard?: number, round?: number): Promise<'recorded' | 'already-recorded' | 'superseded'> {
    const key = await this.planKey(id);
    const recorded = await conditionally(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: `ADD recipients :recipients, plannedPages :page${finishedShard === undefined ? '' : ', plannedShards :shard'}`,
          ConditionExpression: `NOT contains(plannedPages, :pageId) AND ${round === undefined ? 'attribute_not_exists(planRound)' : 'planRound = :round'}`,
          ExpressionAttributeValues: {
            ':recipients': recipients,
            ':page': new Set([pageId]),
            ':pageId': pageId,
            ...(finishedShard === undefined ? {} : { ':shard': new Set([`shard-${finishedShard}`]) }),
            ...(round === undefined ? {} : { ':round': round }),
          },
        }),
      ),
      'recorded' as const,
      'refused' as const,
    );
    if (recorded === 'recorded') return recorded;
    const { Item: plan } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true, ProjectionExpression: 'planRound' }));
    return countOf(plan?.planRound) === (round ?? 0) ? 'already-recorded' : 'superseded';
  }

  /**
   * Starts the plan's next round, as a resume does: paused senders dropped their batches, so the round
   * plans every lead again. The recipients counted so far become the `accounted` ones (sent, skipped or
   * interrupted: each has its outcome), the pages and partitions planned are forgotten, and the
   * round's pages count only recipients without an outcome when it began (`recipientsWithoutOutcome`).
   * A page of an earlier round recorded after this is superseded. Pages would not do as they are:
   * a page is a position in the lead listing, which leads added or erased meanwhile shift, so the
   * same position would hold other leads.
   */
  async startPlanRound(id: string, accounted: number, at: string): Promise<PlanRound> {
    const { Attributes } = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: await this.planKey(id),
        UpdateExpression: 'SET recipients = :accounted, planRound = if_not_exists(planRound, :first) + :one, planRoundStartedAt = :at REMOVE plannedPages, plannedShards',
        ExpressionAttributeValues: { ':accounted': accounted, ':first': 1, ':one': 1, ':at': at },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return { number: countOf(Attributes?.planRound), startedAt: at };
  }

  /**
   * Of a later round's recipients, those it counts: no outcome recorded for them when the round
   * began (no send record, a send still under way, or an outcome recorded since `since`).
   */
  async recipientsWithoutOutcome(id: string, leadIds: readonly string[], since: string): Promise<string[]> {
    const layout = await this.items.layoutOf(id);
    const sendKey = (leadId: string): ClaimKey => (layout === LEGACY ? keys.legacyCampaignSend(id, leadId) : keys.campaignSend(id, leadId));
    const keyed = new Map(leadIds.map((leadId) => [JSON.stringify(sendKey(leadId)), leadId]));
    const settled = new Set(
      (await batchGet(this.client, this.tableName, [...new Set(leadIds)].map(sendKey)))
        .filter((record) => record.status !== 'sending' && String(record.sentAt ?? record.at ?? record.interruptedAt ?? '') <= since)
        .map((record) => keyed.get(JSON.stringify({ pk: record.pk, sk: record.sk }))),
    );
    return leadIds.filter((leadId) => !settled.has(leadId));
  }

  /** Where a campaign's plan is counted: its plan item, or its own item for one made before the plan had an item. */
  private async planKey(id: string): Promise<ClaimKey> {
    return (await this.items.layoutOf(id)) === LEGACY ? keys.campaign(id) : keys.campaignPlan(id);
  }
}
