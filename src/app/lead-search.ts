import * as z from 'zod/mini';
import { checkEmail } from '../domain/email';
import { InvalidInput } from '../domain/errors';
import type { Lead } from '../domain/lead';
import { LEAD_LISTING_SHARDS, type LeadCursor } from '../domain/lead-listing';
import { leadMatches, leadSummary, type LeadFilter, type LeadSummary } from '../domain/lead-search';
import { cursorContent } from '../domain/page';

/**
 * The listing as the search reads it: pages of whole leads in listing order (of every lead, or of a
 * tracked segment's members), and the cursor just after one lead.
 */
export interface LeadListingPort {
  leadsPage(limit: number, cursor: LeadCursor): Promise<{ leads: Lead[]; cursor?: LeadCursor }>;
  segmentMembersPage(segmentId: string, limit: number, cursor: LeadCursor): Promise<{ leads: Lead[]; cursor?: LeadCursor }>;
  cursorAfter(leadId: string, segmentId?: string): LeadCursor;
  /** Whether the saved segment is tracked (its memberships kept as leads change); undefined when there is no such segment. */
  segmentTracked(segmentId: string): Promise<boolean | undefined>;
  leadIdForEmail(email: string): Promise<string | undefined>;
  getLeads(leadIds: readonly string[]): Promise<Lead[]>;
}

/**
 * Leads read per request at most. A filter that few leads match answers a short (even empty) page
 * with a cursor rather than reading all 100,000 leads in one request; the console asks for more.
 */
export const SEARCH_BUDGET = 1_000;
/** Leads read per query while filtering: matches beyond the page are left for the next one. */
const FILTER_CHUNK = 200;

const StartKey = z.strictObject(z.object({ pk: z.string().check(z.startsWith('LEAD#')), sk: z.string(), gsi1pk: z.string(), gsi1sk: z.string() }).shape);
const Cursor = z.strictObject(z.object({ shard: z.int().check(z.gte(0), z.lte(LEAD_LISTING_SHARDS.length - 1)), startKey: z.optional(StartKey) }).shape);

/** The index partition and sort key of a page's start in this shard: the listing's, or the segment's members'. */
const expectedStart = (shard: string, segmentId: string | undefined) =>
  segmentId ? { gsi1pk: `MEMBERS#${segmentId}#${shard}`, sk: `SEGMENT#${segmentId}` } : { gsi1pk: `LEADS#${shard}`, sk: 'PROFILE' };

/** The position a `cursor` parameter names (in the listing, or in `segmentId`'s members), or a 400 naming `cursor`. */
export function positionOf(cursor: string, segmentId: string | undefined): LeadCursor {
  const parsed = Cursor.safeParse(cursorContent(cursor));
  // The start key must lie in the cursor's own partition, or the query would be refused with a 500.
  const expected = parsed.success ? expectedStart(LEAD_LISTING_SHARDS[parsed.data.shard] ?? '', segmentId) : undefined;
  const startKey = parsed.success ? parsed.data.startKey : undefined;
  if (!parsed.success || (startKey && (startKey.gsi1pk !== expected?.gsi1pk || startKey.sk !== expected.sk))) {
    throw new InvalidInput('Invalid request: cursor is not a cursor this list gave', [{ field: 'cursor', message: 'is not a cursor this list gave: start again without it' }]);
  }
  return parsed.data;
}

export const encoded = (cursor: LeadCursor) => Buffer.from(JSON.stringify(cursor)).toString('base64url');

/**
 * Finds leads for the console's list: an exact address is looked up in the address index; anything
 * else walks the listing with the filter, a page at a time, within SEARCH_BUDGET leads per request.
 * With a segment, the walk goes through that tracked segment's members alone (their own index
 * partitions), so a small segment of a large table pages as fast as the whole listing.
 */
export class LeadSearch {
  constructor(private readonly listing: LeadListingPort) {}

  async search(filter: LeadFilter, limit: number, cursor?: string): Promise<{ items: LeadSummary[]; nextCursor?: string; scanned: number }> {
    const { segment, ...profileFilter } = filter;
    if (segment !== undefined) {
      const tracked = await this.listing.segmentTracked(segment);
      if (tracked === undefined) throw InvalidInput.field('segment', 'is no saved segment');
      if (!tracked) throw InvalidInput.field('segment', 'is not tracked: mark the segment tracked so its members are kept, then filter by it');
    }
    const address = filter.q?.includes('@') ? checkEmail(filter.q) : undefined;
    if (address?.ok && !cursor && segment === undefined) {
      const leadId = await this.listing.leadIdForEmail(address.email);
      const leads = leadId ? await this.listing.getLeads([leadId]) : [];
      // Also a part of another address (`ann@example.com` in `joann@example.com`): walk on from the start.
      const exact = leads.filter((lead) => leadMatches(lead, filter)).map(leadSummary);
      if (exact.length) return { items: exact, scanned: exact.length };
    }
    const filtering = Object.values(profileFilter).some((value) => value !== undefined);
    let position: LeadCursor | undefined = cursor ? positionOf(cursor, segment) : { shard: 0 };
    const items: LeadSummary[] = [];
    let scanned = 0;
    while (position && items.length < limit && scanned < SEARCH_BUDGET) {
      const wanted = filtering ? Math.min(FILTER_CHUNK, SEARCH_BUDGET - scanned) : limit - items.length;
      const page: { leads: Lead[]; cursor?: LeadCursor } = segment ? await this.listing.segmentMembersPage(segment, wanted, position) : await this.listing.leadsPage(wanted, position);
      scanned += page.leads.length;
      position = page.cursor;
      for (const lead of page.leads) {
        if (!leadMatches(lead, profileFilter)) continue;
        items.push(leadSummary(lead));
        if (items.length === limit) {
          // The page is full: the next one starts after this lead, even if the chunk read went further.
          if (lead !== page.leads.at(-1) || page.cursor) position = this.listing.cursorAfter(lead.id, segment);
          break;
        }
      }
    }
    return { items, ...(position ? { nextCursor: encoded(position) } : {}), scanned };
  }
}
