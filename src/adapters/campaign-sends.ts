import { randomInt } from 'node:crypto';
import { TransactWriteCommand, type DynamoDBDocumentClient, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { CampaignItem, CampaignStatus, SendClaim, SendRecord, SkipRecord } from '../domain/campaigns/campaign';
import type { TrackedMetric } from '../domain/campaigns/tracking';
import type { SkipReason } from '../domain/consent/send-policy';
import { CAMPAIGN_COUNTER_SHARDS, CampaignItems, CURRENT_LAYOUT, LEGACY, setCampaignStatus, skippedFor, type Counted, type Layout } from './campaign-items';
import { ClaimRecords, type ClaimKey } from './claims';
import { failedConditions, isTransactionConflict } from './dynamo-errors';
import * as keys from './keys';

/** Tries of a count whose shard another count was writing at that moment, each in another shard picked at random. */
const COUNT_ATTEMPTS = 8;
/** Send records in one counting transaction: DynamoDB takes 100 items, one of them the counter shard. */
const RECORDS_PER_COUNT = 99;
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
const sendKey = (layout: Layout, campaignId: string, leadId: string): ClaimKey => (layout === LEGACY ? keys.legacyCampaignSend(campaignId, leadId) : keys.campaignSend(campaignId, leadId));
/** The index keys a new send record carries: none in the current layout, its lead's listing in the ones before. */
const sendIndexKeys = (layout: Layout, campaignId: string, leadId: string) => (layout === CURRENT_LAYOUT ? {} : keys.sendsOfLead(leadId, campaignId));

/**
 * A campaign's per-recipient send records and the counts they move: claimed before SES is called,
 * then marked sent, skipped or interrupted, or released; SES's events and unsubscribes tracked on them.
 * Each outcome is counted once, in counter shards, never on the campaign item (which holds the
 * template); CampaignStore (campaign-store.ts) sums them. The senders, trackers and preference centre
 * use this side only.
 */
export class CampaignSendStore {
  /**
   * A send is claimed before SES is called and never taken over: a sender that died after the call
   * may have sent it, so a stale claim is counted interrupted (`markInterrupted`) instead of resent.
   */
  private readonly sends: ClaimRecords<ClaimKey>;
  private readonly items: CampaignItems;
  /** Outcomes waiting for their campaign's next counting transaction, and the campaigns with one under way. */
  private readonly queuedOutcomes = new Map<string, QueuedOutcome[]>();
  private readonly committing = new Set<string>();

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.sends = new ClaimRecords(client, tableName, { heldStatus: 'sending', claimedAtAttribute: 'claimedAt' });
    this.items = new CampaignItems(client, tableName);
  }

  /** The campaign without its counts, read consistently: its status and content, as senders need for each batch. */
  getItem(id: string): Promise<CampaignItem | undefined> {
    return this.items.read(id);
  }

  /** Moves a campaign between statuses, only from the ones allowed; `reason` says why it stopped (a sender pausing it). */
  setStatus(id: string, from: readonly CampaignStatus[], to: CampaignStatus, reason?: string): Promise<boolean> {
    return setCampaignStatus(this.client, this.tableName, id, from, to, reason);
  }

  /**
   * Records the send to a recipient before SES is called. Whoever finds a record already there sends
   * nothing: one email per recipient per campaign, whatever is retried.
   */
  async claimSend(campaignId: string, leadId: string, at: string): Promise<SendClaim> {
    const layout = await this.items.layoutOf(campaignId);
    const key = sendKey(layout, campaignId, leadId);
    if ((await this.sends.claim({ ...key, ...sendIndexKeys(layout, campaignId, leadId), entity: 'campaign-send', campaignId, leadId }, at)) === 'claimed') return { outcome: 'claimed' };
    return { outcome: 'exists', record: await this.storedRecord(key) };
  }

  /** The send record under `key`, read consistently once a conditional write found it there. */
  private async storedRecord(key: ClaimKey): Promise<SendRecord> {
    const stored = await this.sends.read(key);
    return { status: (stored?.status ?? 'sending') as SendRecord['status'], ...(stored?.reason ? { reason: String(stored.reason) } : {}), ...(stored?.claimedAt ? { claimedAt: String(stored.claimedAt) } : {}) };
  }

  /**
   * Why a recipient was not sent to, kept for the audit and counted once, in total and by reason. A
   * lead that no longer exists (erased after it was planned) is named by keys.goneLeadId, so nothing
   * written after its erasure carries the id.
   */
  async recordSkip(campaignId: string, leadId: string, reason: SkipReason, at: string): Promise<SkipRecord> {
    const layout = await this.items.layoutOf(campaignId);
    const recipient = reason === 'no_lead' ? { key: sendKey(layout, campaignId, keys.goneLeadId(leadId)), named: {} } : { key: sendKey(layout, campaignId, leadId), named: { ...sendIndexKeys(layout, campaignId, leadId), leadId } };
    const skip = {
      Put: {
        TableName: this.tableName,
        Item: { ...recipient.key, ...recipient.named, entity: 'campaign-send', campaignId, status: 'skipped', reason, at },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
    if ((await this.recordOutcome(campaignId, ['skipped', skippedFor(reason)], skip, layout)) === 'counted') return { outcome: 'recorded' };
    return { outcome: 'exists', record: await this.storedRecord(recipient.key) };
  }

  /**
   * Marks a send whose sender died between recording it and confirming it: it is not sent again
   * (SES may have sent it), and it is counted once as interrupted, so sent + skipped + interrupted
   * reconciles with the plan.
   */
  async markInterrupted(campaignId: string, leadId: string, at: string): Promise<'counted' | 'already-counted'> {
    const layout = await this.items.layoutOf(campaignId);
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
    const layout = await this.items.layoutOf(campaignId);
    await this.recordOutcome(campaignId, ['sent'], this.sends.doneUpdate(sendKey(layout, campaignId, leadId), 'while-held', { status: 'sent', messageId, sentAt: at }), layout);
  }

  /**
   * Counts what SES reported for one recipient's email, once per kind: repeated opens, clicks and
   * redelivered events move nothing. The per-recipient kinds live on the send record. A function that
   * does not know the campaign's layout (and may not read campaigns: the preference centre) tries the
   * current layout first, then the one from before.
   */
  async recordTracking(campaignId: string, leadId: string, metric: TrackedMetric | 'unsubscribed'): Promise<'counted' | 'already-counted'> {
    const known = this.items.known(campaignId);
    for (const layout of known ? [known] : [CURRENT_LAYOUT, LEGACY]) {
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
    await this.sends.release(sendKey(await this.items.layoutOf(campaignId), campaignId, leadId), 'while-held');
  }

  /**
   * Writes to a send record and moves a campaign counter in one transaction; a repeat does neither.
   * In the sharded layout the outcomes recorded at the same moment share one transaction (see
   * `commitQueued`); before, each moved the counter on the campaign item.
   */
  private recordOutcome(campaignId: string, counters: readonly Counted[], write: TransactItem, layout: Layout): Promise<'counted' | 'already-counted'> {
    if (layout === LEGACY) return this.countOnCampaignItem(campaignId, counters, write);
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
}
