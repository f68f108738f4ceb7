import type { JourneyVersions } from './journey-runner';
import type { EventPublisher, Log } from './ports';
import { DetailType, type DomainEvent } from '../domain/events';
import { dueDateEntry } from '../domain/journeys/local-time';
import type { DateRound } from '../domain/journeys/records';
import type { Lead } from '../domain/lead';
import type { LeadCursor } from '../domain/lead-listing';

export interface DateRounds {
  read(): Promise<DateRound | undefined>;
  /** Saves the round if it is still at `rev` (0: none saved yet); false when another sweep moved it. */
  save(round: Omit<DateRound, 'rev'>, rev: number): Promise<boolean>;
}

export interface DateEntryDependencies {
  readonly journeys: Pick<JourneyVersions, 'live'>;
  readonly listing: { leadsPage(limit: number, cursor: LeadCursor): Promise<{ leads: Lead[]; cursor?: LeadCursor }> };
  readonly rounds: DateRounds;
  readonly publisher: EventPublisher;
  readonly log: Log;
}

const PAGE = 200;
/** PutEvents takes 10 entries per call. */
const EVENTS_PER_CALL = 10;
/** A new round over every lead starts this long after the last one started. */
export const DATE_ROUND_EVERY_MS = 3_600_000;

/**
 * The rounds of date entries: for each published journey entered on a date attribute, every lead whose
 * entry time (in its own time zone) fell due within the window gets a `journey.enrolment-requested`
 * naming that instant; the runner enrols it once per date, by the journey's re-entry rule, so rounds
 * that overlap (or repeat) enrol nobody twice. A round starts every hour and walks the leads page by
 * page from a stored cursor: a sweep that reaches its deadline leaves the cursor where it stopped and
 * the next sweep (a minute later) goes on from there, so past any number of leads nobody is skipped.
 */
export class DateEntries {
  constructor(private readonly deps: DateEntryDependencies) {}

  /** Goes on with the round (or starts the next one when due) at `now`, until `deadline` (epoch ms); returns how many entries it requested. */
  async pass(now: Date, deadline: number): Promise<number> {
    const { journeys, listing, rounds, publisher, log } = this.deps;
    const dated = (await journeys.live()).flatMap((live) => (live.status === 'published' && live.definition.entry.kind === 'date' ? [{ journeyId: live.journeyId, entry: live.definition.entry, timeZone: live.definition.timeZone }] : []));
    if (!dated.length) return 0;
    const stored = await rounds.read();
    let rev = stored?.rev ?? 0;
    let round: Omit<DateRound, 'rev'>;
    if (stored?.cursor) round = { startedAt: stored.startedAt, cursor: stored.cursor };
    else if (!stored || Date.parse(stored.startedAt) + DATE_ROUND_EVERY_MS <= now.getTime()) round = { startedAt: now.toISOString(), cursor: { shard: 0 } };
    else return 0;

    let requested = 0;
    while (round.cursor) {
      if (Date.now() >= deadline) {
        log.info('Journey date entries: the round goes on in the next sweep', { requested });
        break;
      }
      const page: { leads: Lead[]; cursor?: LeadCursor } = await listing.leadsPage(PAGE, round.cursor);
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
      round = { startedAt: round.startedAt, ...(page.cursor ? { cursor: page.cursor } : {}) };
      // Another sweep moved the round meanwhile: it goes on from its own place, this one stops.
      if (!(await rounds.save(round, rev))) break;
      rev += 1;
    }
    if (requested) log.info('Journey date entries requested', { requested });
    return requested;
  }
}
