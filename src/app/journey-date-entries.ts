import type { JourneyVersions } from './journey-runner';
import type { EventPublisher, Log } from './ports';
import { DetailType, type DomainEvent } from '../domain/events';
import { dueDateEntry } from '../domain/journeys/local-time';
import type { Lead } from '../domain/lead';
import type { LeadCursor } from '../domain/lead-listing';

export interface DateEntryDependencies {
  readonly journeys: Pick<JourneyVersions, 'live'>;
  readonly listing: { leadsPage(limit: number, cursor: LeadCursor): Promise<{ leads: Lead[]; cursor?: LeadCursor }> };
  readonly publisher: EventPublisher;
  readonly log: Log;
}

const PAGE = 200;
/** PutEvents takes 10 entries per call. */
const EVENTS_PER_CALL = 10;

/**
 * The pass of date entries: for each published journey entered on a date attribute, every lead whose
 * entry time (in its own time zone) fell due within the window gets a `journey.enrolment-requested`
 * naming that instant; the runner enrols it once per date, by the journey's re-entry rule, so passes
 * that overlap (or repeat) enrol nobody twice.
 */
export class DateEntries {
  constructor(private readonly deps: DateEntryDependencies) {}

  /** Requests the due date entries at `now`, until `deadline` (epoch ms); returns how many it requested. */
  async pass(now: Date, deadline: number): Promise<number> {
    const { journeys, listing, publisher, log } = this.deps;
    const dated = (await journeys.live()).flatMap((live) => (live.status === 'published' && live.definition.entry.kind === 'date' ? [{ journeyId: live.journeyId, entry: live.definition.entry, timeZone: live.definition.timeZone }] : []));
    if (!dated.length) return 0;
    let requested = 0;
    let cursor: LeadCursor | undefined = { shard: 0 };
    while (cursor) {
      if (Date.now() >= deadline) {
        log.warn('Journey date entries pass stopped at its deadline; the next pass covers the leads left', { requested });
        break;
      }
      const page: { leads: Lead[]; cursor?: LeadCursor } = await listing.leadsPage(PAGE, cursor);
      const events: DomainEvent[] = [];
      for (const lead of page.leads) {
        for (const { journeyId, entry, timeZone } of dated) {
          const at = dueDateEntry(entry, lead.attributes, timeZone, now);
          if (!at) continue;
          const dateEntryAt = at.toISOString();
          events.push({ detailType: DetailType.JourneyEnrolmentRequested, detail: { version: 1, correlationId: `${journeyId}:${lead.id}:${dateEntryAt}`, journeyId, leadId: lead.id, dateEntryAt } });
        }
      }
      for (let start = 0; start < events.length; start += EVENTS_PER_CALL) await publisher.publish(events.slice(start, start + EVENTS_PER_CALL));
      requested += events.length;
      cursor = page.cursor;
    }
    if (requested) log.info('Journey date entries requested', { requested });
    return requested;
  }
}
