import { describe, expect, it } from 'vitest';
import { LeadSearch, SEARCH_BUDGET, type LeadListingPort } from '../../src/app/lead-search';
import { InvalidInput } from '../../src/domain/errors';
import type { Lead } from '../../src/domain/lead';
import { LEAD_LISTING_SHARDS, type LeadCursor } from '../../src/domain/lead-listing';
import type { ScoreState } from '../../src/domain/scoring/engine';

const touch = { at: '2026-11-01T00:00:00Z' };
/** A lead whose id sorts by `n` in the listing's first partition. */
function lead(n: number, fields: Partial<Lead> = {}): Lead {
  return { id: `0${String(n).padStart(7, '0')}-0000-4000-8000-000000000000`, email: `person-${n}@example.com`, createdAt: touch.at, updatedAt: touch.at, firstTouch: { ...touch, formId: 'demo' }, lastTouch: touch, subscriptions: {}, version: 1, ...fields };
}
const score = (grade: ScoreState['grade'], total: number) => ({ grade, total, fit: total, engagement: 0, engagementAt: touch.at, qualified: total >= 50 }) as ScoreState;

/** The listing in memory: one partition in id order; a cursor is the index of the next lead. */
function memoryListing(leads: readonly Lead[], segments: Readonly<Record<string, { tracked: boolean; members: readonly string[] }>> = {}): LeadListingPort & { reads: number } {
  const sorted = [...leads].sort((a, b) => a.id.localeCompare(b.id));
  const at = (cursor: LeadCursor) => (cursor.startKey ? sorted.findIndex((item) => item.id === cursor.startKey?.gsi1sk) + 1 : 0);
  const port = {
    reads: 0,
    async leadsPage(limit: number, cursor: LeadCursor) {
      port.reads += 1;
      const start = at(cursor);
      const page = sorted.slice(start, start + limit);
      const last = page.at(-1);
      return { leads: page, ...(last && start + limit < sorted.length ? { cursor: port.cursorAfter(last.id) } : {}) };
    },
    async segmentMembersPage(segmentId: string, limit: number, cursor: LeadCursor) {
      port.reads += 1;
      const members = sorted.filter((item) => segments[segmentId]?.members.includes(item.id));
      const start = cursor.startKey ? members.findIndex((item) => item.id === cursor.startKey?.gsi1sk) + 1 : 0;
      const page = members.slice(start, start + limit);
      const last = page.at(-1);
      return { leads: page, ...(last && start + limit < members.length ? { cursor: port.cursorAfter(last.id, segmentId) } : {}) };
    },
    cursorAfter: (leadId: string, segmentId?: string) => ({
      shard: 0,
      startKey: segmentId
        ? { pk: `LEAD#${leadId}`, sk: `SEGMENT#${segmentId}`, gsi1pk: `MEMBERS#${segmentId}#${LEAD_LISTING_SHARDS[0]}`, gsi1sk: leadId }
        : { pk: `LEAD#${leadId}`, sk: 'PROFILE', gsi1pk: `LEADS#${LEAD_LISTING_SHARDS[0]}`, gsi1sk: leadId },
    }),
    segmentTracked: async (segmentId: string) => segments[segmentId]?.tracked,
    leadIdForEmail: async (email: string) => sorted.find((item) => item.email === email)?.id,
    getLeads: async (ids: readonly string[]) => sorted.filter((item) => ids.includes(item.id)),
  };
  return port;
}

describe('lead search', () => {
  it('pages through every lead with cursors, each lead once', async () => {
    const search = new LeadSearch(memoryListing(Array.from({ length: 120 }, (_, n) => lead(n))));
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await search.search({}, 50, cursor);
      seen.push(...page.items.map((item) => item.email));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(120);
    expect(new Set(seen).size).toBe(120);
  });

  it('finds by part of a name or company in any case, and by stage, grade and owner together', async () => {
    const search = new LeadSearch(
      memoryListing([
        lead(1, { firstName: 'Dewi', lastName: 'Lestari', company: 'Nusantara Tech', stage: 'mql', score: score('A', 80), owner: { repId: 'rep-1', teamId: 'apac', assignedAt: touch.at } }),
        lead(2, { firstName: 'Budi', company: 'nusantara foods', stage: 'mql', score: score('C', 55) }),
        lead(3, { firstName: 'Ann', company: 'Acme', stage: 'lead' }),
      ]),
    );
    expect((await search.search({ q: 'NUSANTARA' }, 50)).items.map((item) => item.firstName)).toEqual(['Dewi', 'Budi']);
    expect((await search.search({ q: 'dewi les' }, 50)).items.map((item) => item.firstName)).toEqual(['Dewi']);
    expect((await search.search({ stage: 'mql', grade: 'A', owner: 'rep-1' }, 50)).items).toMatchObject([{ firstName: 'Dewi', stage: 'mql', score: { total: 80, grade: 'A' }, owner: { repId: 'rep-1' } }]);
    expect((await search.search({ stage: 'mql', grade: 'B' }, 50)).items).toEqual([]);
  });

  it('looks an exact address up directly, any case, without walking the listing', async () => {
    const listing = memoryListing(Array.from({ length: 500 }, (_, n) => lead(n)));
    const found = await new LeadSearch(listing).search({ q: 'Person-321@Example.com' }, 50);
    expect(found.items.map((item) => item.email)).toEqual(['person-321@example.com']);
    expect(listing.reads).toBe(0);
  });

  it('reads at most its budget per request: a rare match comes on a later page, after a short one with a cursor', async () => {
    const leads = Array.from({ length: SEARCH_BUDGET + 300 }, (_, n) => lead(n, n === SEARCH_BUDGET + 100 ? { company: 'Rare Co' } : {}));
    const search = new LeadSearch(memoryListing(leads));
    const first = await search.search({ q: 'rare' }, 50);
    expect(first.items).toEqual([]);
    expect(first.scanned).toBe(SEARCH_BUDGET);
    const second = await search.search({ q: 'rare' }, 50, first.nextCursor);
    expect(second.items.map((item) => item.company)).toEqual(['Rare Co']);
    expect(second.nextCursor).toBeUndefined();
  });

  it('ends a full page right after its last lead, so a filter matching more than a page loses none', async () => {
    const search = new LeadSearch(memoryListing(Array.from({ length: 30 }, (_, n) => lead(n, { company: 'Same Co' }))));
    const first = await search.search({ q: 'same' }, 20);
    const second = await search.search({ q: 'same' }, 20, first.nextCursor);
    expect([...first.items, ...second.items].map((item) => item.email)).toEqual(Array.from({ length: 30 }, (_, n) => `person-${n}@example.com`));
  });

  it('refuses a cursor it did not give, naming the cursor', async () => {
    const search = new LeadSearch(memoryListing([lead(1)]));
    const forged = Buffer.from(JSON.stringify({ shard: 0, startKey: { pk: 'LEAD#x', sk: 'PROFILE', gsi1pk: 'LEADS#f', gsi1sk: 'x' } })).toString('base64url');
    for (const cursor of ['not-a-cursor', forged]) {
      await expect(search.search({}, 50, cursor)).rejects.toThrow(InvalidInput);
      await expect(search.search({}, 50, cursor)).rejects.toMatchObject({ issues: [{ field: 'cursor' }] });
    }
  });

  it("pages through a tracked segment's members alone, with the other filters, and refuses another list's cursor", async () => {
    const SEGMENT = '11111111-1111-4111-8111-111111111111';
    const leads = Array.from({ length: 60 }, (_, n) => lead(n, { company: n % 2 ? 'Odd Co' : 'Even Co' }));
    const members = leads.filter((_, n) => n % 3 === 0).map((member) => member.id);
    const listing = memoryListing(leads, { [SEGMENT]: { tracked: true, members } });
    const search = new LeadSearch(listing);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await search.search({ segment: SEGMENT }, 7, cursor);
      seen.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(members);
    expect((await search.search({ segment: SEGMENT, q: 'odd' }, 50)).items.map((item) => item.email)).toEqual(
      Array.from({ length: 60 }, (_, n) => n).filter((n) => n % 3 === 0 && n % 2 === 1).map((n) => `person-${n}@example.com`),
    );
    const listCursor = (await search.search({}, 5)).nextCursor;
    await expect(search.search({ segment: SEGMENT }, 5, listCursor)).rejects.toMatchObject({ issues: [{ field: 'cursor' }] });
  });

  it('refuses a segment that is not saved or not tracked, naming the segment', async () => {
    const UNTRACKED = '22222222-2222-4222-8222-222222222222';
    const search = new LeadSearch(memoryListing([lead(1)], { [UNTRACKED]: { tracked: false, members: [] } }));
    await expect(search.search({ segment: UNTRACKED }, 50)).rejects.toMatchObject({ issues: [{ field: 'segment', message: expect.stringMatching(/not tracked/) }] });
    await expect(search.search({ segment: '33333333-3333-4333-8333-333333333333' }, 50)).rejects.toMatchObject({ issues: [{ field: 'segment' }] });
  });
});
