import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CampaignItem, CampaignStatus } from '../domain/campaigns/campaign';
import { TRACKED_METRICS } from '../domain/campaigns/tracking';
import { SKIP_REASONS, type SkipReason } from '../domain/consent/send-policy';
import { conditionally } from './dynamo-errors';
import * as keys from './keys';

/**
 * What the campaign stores share: the campaign item as each reads it, its status, and how its records
 * are laid out. The campaign's own life (src/adapters/campaign-store.ts) and its send records
 * (src/adapters/campaign-sends.ts) are separate classes, since a bundle keeps every method of a class
 * it uses, and each function uses one side.
 */

/**
 * Counter shards per campaign, each its own partition. A counting transaction writes its send records
 * and one shard picked at random (2 write units an item), so each shard takes 1 / 64 of the
 * campaign's counting writes: far below a partition's 1,000 units a second at any SES rate, and two
 * transactions in flight at once rarely pick the same shard.
 */
export const CAMPAIGN_COUNTER_SHARDS = 64;

/** Skips are counted in total and by reason (`skipped_frequency_cap`), so the report says why. */
export const skippedFor = (reason: SkipReason) => `skipped_${reason}` as const;
export const COUNTED = ['sent', 'skipped', 'interrupted', ...TRACKED_METRICS, 'unsubscribed', ...SKIP_REASONS.map(skippedFor)] as const;
export type Counted = (typeof COUNTED)[number];

/**
 * How a campaign's records are laid out, fixed when it is created:
 * - `unindexed-sends` (campaigns created since): as `sharded`, but its send records carry no index
 *   keys, so claiming, marking sent and each tracked open or click write no index entry; the campaign
 *   is listed by id instead (keys.campaignIdEntry), where data rights look for a lead's sends.
 * - `sharded`: counters in counter shards, send records each in their own partition and listed under
 *   their lead in gsi1 (`SENDS#<leadId>`), planning on the plan item.
 * - `legacy` (no `layout`): counters, send records and planning on or under the campaign item.
 * A campaign sending across an upgrade keeps its layout, so it still finds every send it recorded and
 * data rights still find them by the index.
 */
export type Layout = 'unindexed-sends' | 'sharded' | 'legacy';
export const CURRENT_LAYOUT: Layout = 'unindexed-sends';
export const LEGACY: Layout = 'legacy';

/** The layout a stored campaign item says it has. */
export const layoutOfItem = (item: Record<string, unknown>): Layout => (item.layout === CURRENT_LAYOUT || item.layout === 'sharded' ? item.layout : LEGACY);

/** What the campaign item stores that is not part of the campaign as the API shows it. */
const STORAGE_ATTRIBUTES = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'entity', 'layout', 'plannedPages', 'plannedShards', 'recipients', 'planRound', 'planRoundStartedAt', ...COUNTED];

/** The campaign as stored, without its keys, layout and counts. */
export const campaignOfItem = (item: Record<string, unknown>) => Object.fromEntries(Object.entries(item).filter(([name]) => !STORAGE_ATTRIBUTES.includes(name))) as unknown as CampaignItem;

/**
 * Campaign items as senders and planners read them, and each campaign's layout, fixed at creation,
 * so it is read at most once per campaign and container.
 */
export class CampaignItems {
  private readonly layouts = new Map<string, Layout>();

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** The campaign without its counts, read consistently: its status and content, as needed for each batch or page. */
  async read(id: string): Promise<CampaignItem | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.campaign(id), ConsistentRead: true }));
    if (!Item) return undefined;
    this.note(id, Item);
    return campaignOfItem(Item);
  }

  /** The layout already known for the campaign, if any. */
  known(id: string): Layout | undefined {
    return this.layouts.get(id);
  }

  /** Keeps the layout of a campaign item just read or written. */
  note(id: string, item: Record<string, unknown>): void {
    this.layouts.set(id, layoutOfItem(item));
  }

  /** The campaign's layout, read once (a campaign that does not exist has nothing recorded: the current layout). */
  async layoutOf(id: string): Promise<Layout> {
    const known = this.layouts.get(id);
    if (known) return known;
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.campaign(id), ProjectionExpression: '#layout, pk', ExpressionAttributeNames: { '#layout': 'layout' } }));
    if (!Item) return CURRENT_LAYOUT;
    this.note(id, Item);
    return layoutOfItem(Item);
  }
}

/**
 * Moves a campaign between statuses, only from the ones allowed; false when it was in another.
 * `reason` says why it stopped (shown on the campaign); any other move clears it.
 */
export function setCampaignStatus(client: DynamoDBDocumentClient, tableName: string, id: string, from: readonly CampaignStatus[], to: CampaignStatus, reason?: string): Promise<boolean> {
  const values = Object.fromEntries(from.map((status, index) => [`:from${index}`, status]));
  return conditionally(
    client.send(
      new UpdateCommand({
        TableName: tableName,
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
