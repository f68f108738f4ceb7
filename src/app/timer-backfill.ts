import type { EventPublisher, Log } from './ports';
import type { CareSettings } from '../domain/care/customer';
import { describeError, InvalidInput, Unavailable } from '../domain/errors';
import { DetailType } from '../domain/events';
import { decodeCursor, encodeCursor, LEAD_LISTING_SHARDS, type LeadCursor } from '../domain/lead-listing';

/** Pages of every lead's id and lifecycle stage, from a cursor; no cursor back means the listing is done. */
export interface LeadStagePages {
  stagesPage(limit: number, cursor: LeadCursor): Promise<{ leads: readonly { readonly id: string; readonly stage?: string }[]; cursor?: LeadCursor }>;
}

/** One page of the timer backfill: how many leads were looked at, how many were asked for timers, where to go on. */
export interface TimerBackfillPage {
  readonly scanned: number;
  readonly customers: number;
  /** Absent once every lead has been looked at. */
  readonly cursor?: string;
}

/** A walk's run within one invocation: the pages it did, and whether it handed the rest on. */
export interface TimerBackfillWalk {
  readonly pages: number;
  readonly scanned: number;
  readonly customers: number;
  readonly handedOn: boolean;
}

export interface TimerBackfillDependencies {
  readonly listing: LeadStagePages;
  readonly settings: { settings(): Promise<CareSettings> };
  readonly publisher: EventPublisher;
  readonly log: Log;
}

/** When to repeat a backfill page the bus refused. */
const BUS_RETRY_AFTER_SECONDS = 2;

/**
 * Gives every customer the timers it should have and lacks: the daily churn-risk reassessment and each
 * recurring survey of its stage. Customers made before a timer existed, or before a survey's
 * recurrence was configured, get theirs only here. A page asks for each such lead's timers with a
 * `care.reassessment-due` event marked `backfill`; its consumer makes each timer only where none
 * exists, so a page repeated after a failure, or a whole run repeated, moves no timer.
 */
export class TimerBackfill {
  constructor(private readonly deps: TimerBackfillDependencies) {}

  /** One page of leads from `cursor` (the start when absent). */
  async page(cursor: string | undefined, limit: number, correlationId: string): Promise<TimerBackfillPage> {
    const { surveys } = await this.deps.settings.settings();
    const timedStages = new Set(['customer', ...surveys.flatMap((survey) => survey.recurrence?.stages ?? [])]);
    const page = await this.deps.listing.stagesPage(limit, cursor === undefined ? { shard: 0 } : parseBackfillCursor(cursor));
    // A lead with no stage recorded is a lead or a subscriber (see `currentStage`); its consumer tells which.
    const timed = page.leads.filter((lead) => (lead.stage ? timedStages.has(lead.stage) : timedStages.has('lead') || timedStages.has('subscriber')));
    try {
      await this.deps.publisher.publish(timed.map((lead) => ({ detailType: DetailType.ReassessmentDue, detail: { version: 1, correlationId, leadId: lead.id, backfill: true as const } })));
    } catch (error) {
      this.deps.log.error('Care timers not requested', { leads: timed.length, error: describeError(error) });
      throw new Unavailable('The bus refused part of this page; repeat the same call', BUS_RETRY_AFTER_SECONDS);
    }
    this.deps.log.info('Care timers requested', { scanned: page.leads.length, customers: timed.length, done: !page.cursor });
    return { scanned: page.leads.length, customers: timed.length, ...(page.cursor ? { cursor: encodeCursor(page.cursor) } : {}) };
  }

  /**
   * Pages on from `cursor` while `hasTime()` says the invocation has time for another page; what is
   * left is handed on as a `care.timers-backfill-requested` event with the cursor reached, which the
   * same consumer takes up. A failure throws before the hand-on, so the event is retried from its own
   * cursor: pages done again change nothing.
   */
  async walk(cursor: string | undefined, correlationId: string, hasTime: () => boolean, pageSize: number): Promise<TimerBackfillWalk> {
    let next = cursor;
    let pages = 0;
    let scanned = 0;
    let customers = 0;
    do {
      const page = await this.page(next, pageSize, correlationId);
      pages += 1;
      scanned += page.scanned;
      customers += page.customers;
      next = page.cursor;
    } while (next !== undefined && hasTime());
    if (next !== undefined) await this.deps.publisher.publish([{ detailType: DetailType.CareTimersBackfillRequested, detail: { version: 1, correlationId, cursor: next } }]);
    this.deps.log.info('Care timer backfill walked', { pages, scanned, customers, handedOn: next !== undefined });
    return { pages, scanned, customers, handedOn: next !== undefined };
  }
}

/** A cursor as a backfill page returned it; anything else is refused naming the field. */
export function parseBackfillCursor(text: string): LeadCursor {
  let cursor: unknown;
  try {
    cursor = decodeCursor(text);
  } catch {
    throw InvalidInput.field('cursor', 'must be a cursor a previous page returned');
  }
  const { shard, startKey } = (typeof cursor === 'object' && cursor !== null ? cursor : {}) as { shard?: unknown; startKey?: unknown };
  const validShard = Number.isInteger(shard) && (shard as number) >= 0 && (shard as number) < LEAD_LISTING_SHARDS.length;
  // The listing index's own key, in the cursor's partition: DynamoDB would refuse any other start key with a 5xx-looking error.
  const key = (typeof startKey === 'object' && startKey !== null ? startKey : {}) as Record<string, unknown>;
  const validKey =
    startKey === undefined ||
    (Object.keys(key).sort().join() === 'gsi1pk,gsi1sk,pk,sk' && Object.values(key).every((value) => typeof value === 'string') && key.gsi1pk === `LEADS#${LEAD_LISTING_SHARDS[shard as number]}`);
  if (!validShard || !validKey) throw InvalidInput.field('cursor', 'must be a cursor a previous page returned');
  return cursor as LeadCursor;
}
