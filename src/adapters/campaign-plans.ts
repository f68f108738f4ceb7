import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PlanRound } from '../domain/campaigns/campaign';
import type { KeptPage } from '../domain/lead-listing';
import { batchGet } from './batch-get';
import { CampaignItems, LEGACY } from './campaign-items';
import type { ClaimKey } from './claims';
import { conditionally } from './dynamo-errors';
import { KeptPages } from './kept-pages';
import * as keys from './keys';
import { countOf } from './packed-values';


/**
 * A sending campaign's plan, as planners count it: its pages and finished listing partitions, in
 * rounds (each resume starts one). Apart from CampaignStore, so the functions that only read or
 * make campaigns carry none of it.
 */
export class CampaignPlans {
  /** Each page as first chosen, kept until published (PAGE#<page id> under the campaign). */
  private readonly pages: KeptPages;

  /** `items`: shared with the function's CampaignStore, whose reads of a campaign note its layout. */
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly items = new CampaignItems(client, tableName),
  ) {
    this.pages = new KeptPages(client, tableName);
  }

  /** Keeps a page of the plan as this attempt chose it, unless an attempt before kept one (KeptPages.keep). */
  keepPage(id: string, pageId: string, page: KeptPage): Promise<KeptPage | 'finished'> {
    return this.pages.keep(keys.campaignPlanPage(id, pageId), page);
  }

  /** Marks a kept page published (or superseded), forgetting its recipients (KeptPages.finish). */
  finishPage(id: string, pageId: string): Promise<void> {
    return this.pages.finish(keys.campaignPlanPage(id, pageId));
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
