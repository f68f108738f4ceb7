import { inParallel } from './in-parallel';
import { encoded, positionOf } from './lead-search';
import type { LeadCursor } from '../domain/lead-listing';

/** A consent record by its key: the lead, its sort key, and the type and time the index entry is built from. */
export interface ConsentRecordKey {
  readonly leadId: string;
  readonly sk: string;
  readonly subscription: string;
  readonly at: string;
}

/** The lead listing, each lead's consent records without an entry in the index by type, and the writes that give them one. */
export interface UnindexedConsentsPort {
  leadIdsPage(limit: number, cursor: LeadCursor): Promise<{ leadIds: string[]; cursor?: LeadCursor }>;
  unindexedConsents(leadId: string): Promise<ConsentRecordKey[]>;
  /** Gives the record its index entry; false when it has one already (a concurrent backfill) or is gone (an erasure). */
  index(record: ConsentRecordKey): Promise<boolean>;
  markFilled(at: string): Promise<void>;
}

/** Leads read per backfill request, as the score-band backfill reads them. */
export const CONSENT_BACKFILL_PAGE = 200;
/** Leads whose consent records are read at once: enough to finish a page in a second or two, few enough not to throttle the table. */
const LEADS_AT_ONCE = 8;

/**
 * Gives the consent records saved before they were indexed by type (`CONSENTS#<type>#<hex>` on gsi1)
 * their index entry, a page of the lead listing per call. Idempotent: a record with an entry is left
 * alone, so a repeated or concurrent call writes nothing twice. When a walk reaches the end of the
 * listing it marks the index filled, and from then on a subscription type of any age can be deleted
 * once the index finds no record naming it. Records written meanwhile carry their entry already.
 */
export class ConsentIndexBackfill {
  constructor(private readonly consents: UnindexedConsentsPort) {}

  async page(cursor: string | undefined, now: string): Promise<{ scanned: number; indexed: number; nextCursor?: string }> {
    const position = cursor ? positionOf(cursor, undefined) : { shard: 0 };
    const page = await this.consents.leadIdsPage(CONSENT_BACKFILL_PAGE, position);
    let indexed = 0;
    const failures = await inParallel(
      page.leadIds.map((leadId) => async () => {
        for (const record of await this.consents.unindexedConsents(leadId)) if (await this.consents.index(record)) indexed += 1;
      }),
      LEADS_AT_ONCE,
    );
    // The page is repeated as a whole (every write is conditional), so the first failure is enough to say why.
    if (failures.length) throw failures[0];
    if (!page.cursor) await this.consents.markFilled(now);
    return { scanned: page.leadIds.length, indexed, ...(page.cursor ? { nextCursor: encoded(page.cursor) } : {}) };
  }
}
