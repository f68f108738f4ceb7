import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { distinctEvents, MAX_CLOCK_SKEW_MS } from '../domain/event-log';
import { LEAD_LISTING_SHARDS } from '../domain/lead-listing';
import type { BacktestWindow } from '../domain/scoring/backtest';
import type { Lead } from '../domain/lead';
import * as keys from './keys';
import { toLeadWithScore, toStoredEvents, type StoredEvent } from './lead-items';
import { LeadListing } from './lead-listing';
import { queryPages } from './query-pages';

/** Leads of one listing page whose partitions are read at once. */
const LEADS_AT_ONCE = 32;
const PAGE = 200;

/**
 * Every lead with its events that may have happened in a window: the lead ids from the listing index
 * (its 16 partitions walked side by side), then each lead's partition from the window's start to its
 * score — events, profile and score in one query per lead, many leads at once.
 */
export class LeadHistories {
  private readonly listing: LeadListing;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.listing = new LeadListing(client, tableName);
  }

  async *leadHistories(window: BacktestWindow): AsyncGenerator<{ lead: Lead; events: StoredEvent[] }[]> {
    // An event that happened in the window was recorded no earlier than it happened less a client's clock skew.
    const from = keys.eventsFrom(new Date(Date.parse(window.from) - MAX_CLOCK_SKEW_MS).toISOString());
    let shards = LEAD_LISTING_SHARDS.map((_, shard) => this.shardPages(shard));
    while (shards.length) {
      const pages = await Promise.all(shards.map((pages) => pages.next()));
      shards = shards.filter((_, index) => !pages[index]?.done);
      const leadIds = pages.flatMap((page) => (page.done ? [] : page.value));
      for (let index = 0; index < leadIds.length; index += LEADS_AT_ONCE) {
        const histories = await Promise.all(leadIds.slice(index, index + LEADS_AT_ONCE).map((leadId) => this.history(leadId, from, window.to)));
        yield histories.flatMap((history) => (history ? [history] : []));
      }
    }
  }

  private async *shardPages(shard: number): AsyncGenerator<string[]> {
    let cursor: Parameters<LeadListing['listLeadIds']>[1] = { shard };
    do {
      const page = await this.listing.listLeadIds(PAGE, cursor, { withinShard: true });
      if (page.leadIds.length) yield page.leadIds;
      cursor = page.cursor;
    } while (cursor);
  }

  private async history(leadId: string, from: string, to: string): Promise<{ lead: Lead; events: StoredEvent[] } | undefined> {
    const items: Record<string, unknown>[] = [];
    const pages = queryPages(this.client, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :lead AND sk BETWEEN :from AND :score',
      ExpressionAttributeValues: { ':lead': keys.lead(leadId).pk, ':from': from, ':score': keys.score(leadId).sk },
    });
    for await (const page of pages) items.push(...page);
    const profile = items.find((item) => item.sk === keys.lead(leadId).sk);
    if (!profile) return undefined;
    const events = distinctEvents(items.filter((item) => String(item.sk).startsWith(keys.eventPrefix)).flatMap((item) => toStoredEvents(item))).filter((event) => event.occurredAt < to);
    return { lead: toLeadWithScore(profile, items.find((item) => item.sk === keys.score(leadId).sk)), events };
  }
}
