import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Lead } from '../domain/lead';
import { batchDelete } from './batch-delete';
import { batchGet } from './batch-get';
import * as keys from './keys';
import type { LeadStore } from './lead-store';
import { KeptPages } from './kept-pages';
import { itemRecords } from './lead-items';
import { queryAll } from './query-pages';
import { scoreFromItem, type StoredScore } from './score-items';

/** Everything the table holds about one lead, found from the lead itself. */
export interface LeadHoldings {
  readonly lead: Lead;
  /** Items under the lead's own partition (profile, score, engagement events, consent records, alerts, …). */
  readonly own: readonly Record<string, unknown>[];
  /** A linked visitor's events not yet moved to the lead. */
  readonly events: readonly Record<string, unknown>[];
  /** Campaign send records (kept under each campaign: by the lead's index listing, or by campaign id). */
  readonly sends: readonly Record<string, unknown>[];
  /** Purchases (kept under each order id). */
  readonly purchases: readonly Record<string, unknown>[];
  /** The help desks' requester ids known as the lead (kept under each requester). */
  readonly requesters: readonly Record<string, unknown>[];
  /** Keys of the index items that point at the lead: its email and its visitor ids. */
  readonly links: readonly Record<string, unknown>[];
}

const INTERNAL = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk', 'expiresAt']);
/** A stored value as JSON shows it: DynamoDB's sets (a send's tracked opens and clicks) become lists, which JSON keeps. */
const asJson = (value: unknown): unknown => {
  if (value instanceof Set) return [...value].map(asJson);
  if (Array.isArray(value)) return value.map(asJson);
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) return Object.fromEntries(Object.entries(value).map(([name, inner]) => [name, asJson(inner)]));
  return value;
};
const withoutKeys = (item: Record<string, unknown>) => Object.fromEntries(Object.entries(item).filter(([name]) => !INTERNAL.has(name)).map(([name, value]) => [name, asJson(value)]));
const keyOf = (item: Record<string, unknown>) => ({ pk: item.pk, sk: item.sk });

/** Finds, exports and erases all a lead's data in the single table (GDPR and Indonesia's UU PDP). */
export class DataRights {
  /** Pages of a campaign's plan or a rescoring kept until published, which hold lead ids meanwhile. */
  private readonly pages: KeptPages;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly leads: LeadStore,
  ) {
    this.pages = new KeptPages(client, tableName);
  }

  private async query(index: 'gsi1' | undefined, partition: string): Promise<Record<string, unknown>[]> {
    return queryAll(this.client, { tableName: this.tableName, ...(index ? { index } : {}), key: partition }, (item) => item);
  }

  async holdings(leadId: string): Promise<LeadHoldings | undefined> {
    const lead = await this.leads.getLead(leadId);
    if (!lead) return undefined;
    const anonymousIds = lead.anonymousIds ?? [];
    const [named, ...visitorItems] = await Promise.all([
      this.namedBy(leadId),
      ...anonymousIds.map((anonymousId) => this.query(undefined, keys.subjectPartition({ kind: 'anonymous', id: anonymousId }))),
    ]);
    const links = [keys.email(lead.email), ...anonymousIds.map((anonymousId) => keys.anonymousLink(anonymousId))];
    // A visitor's partition also holds its link, which `links` names.
    const events = visitorItems.flat().filter((item) => String(item.sk).startsWith(keys.eventPrefix));
    return { lead, ...named, events, links };
  }

  /** The items found by the lead's id alone: its partition, its listings in gsi1 and its record in each campaign. */
  private async namedBy(leadId: string): Promise<Pick<LeadHoldings, 'own' | 'sends' | 'purchases' | 'requesters'>> {
    const [own, indexedSends, unindexedSends, purchases, requesters] = await Promise.all([
      this.query(undefined, keys.lead(leadId).pk),
      this.query('gsi1', keys.sendsOfLead(leadId, '').gsi1pk),
      this.unindexedSends(leadId),
      this.query('gsi1', keys.purchasesOfLead(leadId, '', '').gsi1pk),
      this.query('gsi1', keys.requestersOfLead(leadId, '', '').gsi1pk),
    ]);
    return { own, sends: [...indexedSends, ...unindexedSends], purchases, requesters };
  }

  /**
   * The lead's send records of campaigns created in the current layout, which carry no index entry:
   * one key a campaign, read a hundred at a time. Campaigns created before list theirs by the index.
   */
  private async unindexedSends(leadId: string): Promise<Record<string, unknown>[]> {
    const campaignIds = await queryAll(this.client, { tableName: this.tableName, key: keys.campaignIdsPartition }, (item) => String(item.sk));
    return batchGet(this.client, this.tableName, campaignIds.map((campaignId) => keys.campaignSend(campaignId, leadId)));
  }

  /** Everything held, as the subject would read it: records grouped by kind, without storage keys. */
  static exportOf(holdings: LeadHoldings, at: string) {
    const records: Record<string, Record<string, unknown>[]> = {};
    // Events recorded together are one item (lead-items.ts, putEvents): exported one record each.
    for (const item of [...holdings.own, ...holdings.events, ...holdings.sends, ...holdings.purchases, ...holdings.requesters].flatMap(itemRecords)) {
      const kind = String(item.entity ?? 'other');
      // The score is stored packed (score-items.ts): exported as the engine's state, readable as JSON.
      const readable = kind === 'score' && item.score ? { ...item, score: scoreFromItem(item.score as StoredScore) } : item;
      (records[kind] ??= []).push(withoutKeys(readable));
    }
    return { exportedAt: at, leadId: holdings.lead.id, email: holdings.lead.email, records };
  }

  /**
   * Deletes everything held, the profile last, so an interrupted erasure is finished by running it
   * again, and takes the lead's id out of the kept pages of plans and rescorings not yet published
   * (counted among the items). `extraKeys` are items elsewhere that name the lead (rescoring markers). Work already under
   * way for the lead (an alert claimed after `holdings` was read, having read the profile before it
   * went) can still write under the lead's partition meanwhile, so that partition is read again once
   * the profile is gone and what appeared is deleted too. The alert's writer then cannot put its record
   * back: its claim, deleted under it, fails its conditional mark, and a claim taken afterwards finds
   * no profile and is given back.
   */
  async erase(holdings: LeadHoldings, extraKeys: readonly Record<string, unknown>[]): Promise<number> {
    const profileKey = keys.lead(holdings.lead.id);
    const pagesHolding = await this.pages.forget(holdings.lead.id);
    const rest = [...holdings.events.map(keyOf), ...holdings.sends.map(keyOf), ...holdings.purchases.map(keyOf), ...holdings.requesters.map(keyOf), ...holdings.links, ...extraKeys, ...holdings.own.map(keyOf).filter((key) => key.sk !== profileKey.sk)];
    await batchDelete(this.client, this.tableName, rest);
    await batchDelete(this.client, this.tableName, [profileKey]);
    const writtenMeanwhile = (await this.query(undefined, profileKey.pk)).map(keyOf);
    await batchDelete(this.client, this.tableName, writtenMeanwhile);
    return pagesHolding + rest.length + 1 + writtenMeanwhile.length;
  }

  /**
   * Deletes what work that read the lead just before its erasure wrote under its id after (a journey's
   * step, a campaign send inside its batch's read, a rescoring marker, a page kept by a plan that listed
   * the lead before it went): every item found by the id as `holdings` finds it, and those of `extraKeys`
   * that exist, deleted; the id taken out of kept pages. Run once such work has ended. A profile
   * with an address means the lead was not erased (an erasure that stopped before its last delete is
   * finished by running it again), and then nothing is deleted.
   */
  async sweepErased(leadId: string, extraKeys: readonly Record<string, unknown>[]): Promise<number | 'lead-present'> {
    const [named, extras] = await Promise.all([this.namedBy(leadId), batchGet(this.client, this.tableName, extraKeys)]);
    const profileKey = keys.lead(leadId);
    if (named.own.some((item) => item.sk === profileKey.sk && typeof item.email === 'string')) return 'lead-present';
    const pagesHolding = await this.pages.forget(leadId);
    const found = [...named.own, ...named.sends, ...named.purchases, ...named.requesters, ...extras].map(keyOf);
    await batchDelete(this.client, this.tableName, found);
    return pagesHolding + found.length;
  }
}
