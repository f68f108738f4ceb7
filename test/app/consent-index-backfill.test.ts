import { describe, expect, it } from 'vitest';
import { CONSENT_BACKFILL_PAGE, ConsentIndexBackfill, type ConsentRecordKey, type UnindexedConsentsPort } from '../../src/app/consent-index-backfill';
import { SubscriptionTypeSettings, type CatalogueRecord, type SubscriptionCatalogueRecords, type SubscriptionTypeUses } from '../../src/app/subscription-types';
import { Conflict, InvalidInput } from '../../src/domain/errors';
import type { LeadCursor } from '../../src/domain/lead-listing';
import { SEEDED_CATALOGUE, type SubscriptionTypeUse } from '../../src/domain/subscriptions';
import { MemoryLog } from './in-memory';

const NOW = '2026-12-01T04:00:00.000Z';

interface StoredConsent extends ConsentRecordKey {
  /** The type the record is filed under in the index by type; none for a record saved before it existed. */
  indexedUnder?: string;
}

/**
 * Leads in listing order with their consent records, as the table holds them; the index by type is the
 * records' `indexedUnder`. Also what deleting a type reads: the index, and the backfill's marker.
 */
class MemoryConsentTable implements UnindexedConsentsPort, SubscriptionTypeUses {
  readonly leadIds: string[];
  readonly records: StoredConsent[] = [];
  filledAt?: string;
  readonly pagesFrom: number[] = [];
  readonly consentsRead: string[] = [];
  /** A lead whose records the table refuses to read once (throttling mid-page). */
  failOnce?: string;

  constructor(leads: number) {
    this.leadIds = Array.from({ length: leads }, (_, n) => `${(n % 16).toString(16)}${String(n).padStart(7, '0')}-0000-4000-8000-000000000000`);
  }

  saveBeforeTheIndex(leadId: string, subscription: string, at: string) {
    this.records.push({ leadId, sk: `CONSENT#${at}#${subscription}#form-1`, subscription, at });
  }

  saveIndexed(leadId: string, subscription: string, at: string) {
    this.records.push({ leadId, sk: `CONSENT#${at}#${subscription}#form-1`, subscription, at, indexedUnder: subscription });
  }

  async leadIdsPage(limit: number, cursor: LeadCursor) {
    const start = Number(cursor.startKey?.gsi1sk ?? 0);
    this.pagesFrom.push(start);
    const end = start + limit;
    const next = end < this.leadIds.length ? { shard: 0, startKey: { pk: 'LEAD#x', sk: 'PROFILE', gsi1pk: 'LEADS#0', gsi1sk: String(end) } } : undefined;
    return { leadIds: this.leadIds.slice(start, end), ...(next ? { cursor: next } : {}) };
  }

  async unindexedConsents(leadId: string) {
    if (this.failOnce === leadId) {
      this.failOnce = undefined;
      throw new Error('throttled');
    }
    this.consentsRead.push(leadId);
    return this.records.filter((record) => record.leadId === leadId && record.indexedUnder === undefined).map(({ indexedUnder: _, ...key }) => key);
  }

  async index(key: ConsentRecordKey) {
    const record = this.records.find((candidate) => candidate.leadId === key.leadId && candidate.sk === key.sk);
    if (!record || record.indexedUnder !== undefined) return false;
    record.indexedUnder = key.subscription;
    return true;
  }

  async markFilled(at: string) {
    this.filledAt = at;
  }

  async of(typeId: string): Promise<SubscriptionTypeUse[]> {
    return this.records.some((record) => record.indexedUnder === typeId) ? [{ kind: 'consent_records' }] : [];
  }

  async consentsIndexFilled() {
    return this.filledAt !== undefined;
  }
}

/** The catalogue never saved: the four seeded types, all saved before consent records were indexed. */
class SeededCatalogue implements SubscriptionCatalogueRecords {
  stored: CatalogueRecord = { types: SEEDED_CATALOGUE, version: 0 };
  async get() {
    return this.stored;
  }
  async save(types: CatalogueRecord['types'], previousVersion: number, at: string, by: string, consentsIndexed: readonly string[]) {
    if (this.stored.version !== previousVersion) return 'version-changed' as const;
    this.stored = { types, version: previousVersion + 1, updatedAt: at, updatedBy: by, consentsIndexed };
    return this.stored;
  }
}

async function walk(backfill: ConsentIndexBackfill, from?: string) {
  let cursor = from;
  const pages: { scanned: number; indexed: number; nextCursor?: string }[] = [];
  do {
    const page = await backfill.page(cursor, NOW);
    pages.push(page);
    cursor = page.nextCursor;
  } while (cursor);
  return pages;
}

describe('the consent index backfill', () => {
  it('indexes the records saved before the index, page by page, so deleting an old type trusts the index only once the walk has ended', async () => {
    const table = new MemoryConsentTable(450);
    const [first = '', second = '', third = ''] = [table.leadIds[3], table.leadIds[250], table.leadIds[449]];
    table.saveBeforeTheIndex(first, 'offers', '2025-03-01T10:00:00.000Z');
    table.saveBeforeTheIndex(first, 'newsletter', '2025-03-01T10:00:00.000Z');
    table.saveBeforeTheIndex(third, 'offers', '2025-04-01T10:00:00.000Z');
    table.saveIndexed(second, 'newsletter', '2026-11-30T10:00:00.000Z');
    const settings = new SubscriptionTypeSettings(new SeededCatalogue(), table, new MemoryLog());

    // Before: an old type with no record in the index is not deleted on the index's word.
    for (const typeId of ['offers', 'events']) {
      const refused = settings.delete(typeId, 0, 'ana', NOW);
      await expect(refused).rejects.toBeInstanceOf(Conflict);
      await expect(refused).rejects.toMatchObject({ issues: [{ field: 'typeId', message: expect.stringMatching(/until the consent index backfill has run to its end/) }] });
    }

    const backfill = new ConsentIndexBackfill(table);
    const pages = await walk(backfill);
    expect(pages.map((page) => page.scanned)).toEqual([CONSENT_BACKFILL_PAGE, CONSENT_BACKFILL_PAGE, 50]);
    expect(pages.map((page) => page.indexed)).toEqual([2, 0, 1]);
    expect(table.records.map((record) => record.indexedUnder)).toEqual(['offers', 'newsletter', 'offers', 'newsletter']);
    expect(table.filledAt).toBe(NOW);

    // After: the old record keeps offers; events, named by nothing, is deleted.
    await expect(settings.delete('offers', 0, 'ana', NOW)).rejects.toMatchObject({ issues: [{ field: 'typeId', message: expect.stringMatching(/used by consent records/) }] });
    expect((await settings.delete('events', 0, 'ana', NOW)).types.map((type) => type.id)).toEqual(['newsletter', 'product_updates', 'offers']);
  });

  it('marks the index filled only on the call that reaches the end of the listing', async () => {
    const table = new MemoryConsentTable(450);
    const backfill = new ConsentIndexBackfill(table);
    const first = await backfill.page(undefined, NOW);
    expect(first.nextCursor).toBeDefined();
    expect(table.filledAt).toBeUndefined();
    expect(await table.consentsIndexFilled()).toBe(false);
  });

  it('is harmless to run again: nothing more is written and the records stay as indexed', async () => {
    const table = new MemoryConsentTable(300);
    table.saveBeforeTheIndex(table.leadIds[7] ?? '', 'events', '2025-01-01T00:00:00.000Z');
    const backfill = new ConsentIndexBackfill(table);
    expect((await walk(backfill)).reduce((sum, page) => sum + page.indexed, 0)).toBe(1);
    const after = structuredClone(table.records);
    expect((await walk(backfill)).reduce((sum, page) => sum + page.indexed, 0)).toBe(0);
    expect(table.records).toEqual(after);
  });

  it('resumes from the cursor a page answered, reading no lead of the earlier pages again', async () => {
    const table = new MemoryConsentTable(450);
    table.saveBeforeTheIndex(table.leadIds[420] ?? '', 'offers', '2025-01-01T00:00:00.000Z');
    const first = await new ConsentIndexBackfill(table).page(undefined, NOW);
    const readFirst = [...table.consentsRead];
    table.consentsRead.length = 0;

    // A later invocation (another container, the CLI's --from) goes on where the first stopped.
    const rest = await walk(new ConsentIndexBackfill(table), first.nextCursor);
    expect(table.pagesFrom).toEqual([0, 200, 400]);
    expect(rest.map((page) => page.scanned)).toEqual([200, 50]);
    expect(table.consentsRead.filter((leadId) => readFirst.includes(leadId))).toEqual([]);
    expect(new Set([...readFirst, ...table.consentsRead]).size).toBe(450);
    expect(table.records[0]?.indexedUnder).toBe('offers');
  });

  it('fails a page the table refused part of without marking anything, and the same cursor then completes it', async () => {
    const table = new MemoryConsentTable(120);
    table.saveBeforeTheIndex(table.leadIds[10] ?? '', 'offers', '2025-01-01T00:00:00.000Z');
    table.failOnce = table.leadIds[60];
    const backfill = new ConsentIndexBackfill(table);
    await expect(backfill.page(undefined, NOW)).rejects.toThrow('throttled');
    expect(table.filledAt).toBeUndefined();
    expect(await backfill.page(undefined, NOW)).toEqual({ scanned: 120, indexed: 0 });
    expect(table.records[0]?.indexedUnder).toBe('offers');
    expect(table.filledAt).toBe(NOW);
  });

  it('refuses a cursor it did not give with a 400 naming cursor, reading nothing', async () => {
    const table = new MemoryConsentTable(10);
    const forged = Buffer.from(JSON.stringify({ shard: 0, startKey: { pk: 'CAMPAIGN#x', sk: 'CAMPAIGN', gsi1pk: 'CAMPAIGNS', gsi1sk: '0' } })).toString('base64url');
    for (const cursor of [forged, 'not-a-cursor']) {
      const refused = new ConsentIndexBackfill(table).page(cursor, NOW);
      await expect(refused).rejects.toBeInstanceOf(InvalidInput);
      await expect(refused).rejects.toMatchObject({ issues: [{ field: 'cursor' }] });
    }
    expect(table.pagesFrom).toEqual([]);
  });
});
