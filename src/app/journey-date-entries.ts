import { inParallel } from './in-parallel';
import type { JourneyVersions } from './journey-runner';
import type { EventPublisher, LeadReader, Log } from './ports';
import { DetailType, type DomainEvent } from '../domain/events';
import { dueDateEntry, upcomingDateEntry } from '../domain/journeys/local-time';
import type { DateRound, LiveJourney } from '../domain/journeys/records';
import type { Lead } from '../domain/lead';
import type { LeadCursor } from '../domain/lead-listing';

export interface DateRounds {
  read(): Promise<DateRound | undefined>;
  /** Saves the round if it is still at `rev` (0: none saved yet); false when another sweep moved it. */
  save(round: Omit<DateRound, 'rev'>, rev: number): Promise<boolean>;
}

/** Leads' upcoming date entries in the due-time index, each at its instant (one item per lead and journey). */
export interface DateEntryIndex {
  /** The lead's entries by journey: their instant, and whether they are still in the index (not yet requested). */
  of(leadId: string): Promise<ReadonlyMap<string, { readonly dateEntryAt: string; readonly indexed: boolean }>>;
  /** Puts the entry in the index at `dateEntryAt` unless it is there (or was requested) at that instant already. */
  put(leadId: string, journeyId: string, dateEntryAt: string): Promise<boolean>;
  remove(leadId: string, journeyId: string): Promise<void>;
}

export interface DateEntryDependencies {
  readonly journeys: Pick<JourneyVersions, 'live'>;
  readonly listing: { leadsPage(limit: number, cursor: LeadCursor): Promise<{ leads: Lead[]; cursor?: LeadCursor }> };
  readonly rounds: DateRounds;
  readonly index: Pick<DateEntryIndex, 'put'>;
  readonly publisher: EventPublisher;
  readonly log: Log;
}

const PAGE = 200;
const INDEX_WRITES_AT_ONCE = 25;
/** PutEvents takes 10 entries per call. */
const EVENTS_PER_CALL = 10;
/** A new round over every lead starts this long after the last one started (or at once when a date journey is published). */
export const DATE_ROUND_EVERY_MS = 3_600_000;
/**
 * How far ahead a round puts leads' date entries in the due-time index: two rounds' time, so every
 * entry is indexed by a round before it falls due, and the sweep enrols it within the minute.
 */
export const DATE_INDEX_AHEAD_MS = 2 * DATE_ROUND_EVERY_MS;

type DatedJourney = { readonly journeyId: string; readonly version: number; readonly entry: Extract<LiveJourney['definition']['entry'], { kind: 'date' }>; readonly timeZone: string };

/** What a sweep's pass of the date round did: enrolments requested, and index entries put or moved (each due within two hours). */
export interface DatePass {
  readonly requested: number;
  readonly indexed: number;
}
const NO_PASS: DatePass = { requested: 0, indexed: 0 };

/** The published journeys entered on a date attribute. */
async function datedJourneys(journeys: Pick<JourneyVersions, 'live'>): Promise<DatedJourney[]> {
  return (await journeys.live()).flatMap((live) => (live.status === 'published' && live.definition.entry.kind === 'date' ? [{ journeyId: live.journeyId, version: live.version, entry: live.definition.entry, timeZone: live.definition.timeZone }] : []));
}

/**
 * The rounds of date entries: for each published journey entered on a date attribute, every lead whose
 * entry time (in its own time zone) falls due within the next two hours is put in the due-time index
 * at that instant (the sweep then requests its enrolment within the minute), and every lead whose entry
 * fell due within the window gets a `journey.enrolment-requested` naming that instant at once; the
 * runner enrols it once per date, by the journey's re-entry rule, so rounds that overlap (or repeat)
 * and the index enrol nobody twice. A round starts every hour, and at once when a date journey (or a
 * new version of one) is published, and walks the leads page by page from a stored cursor: a sweep
 * that reaches its deadline leaves the cursor where it stopped and the next sweep (a minute later)
 * goes on from there, so past any number of leads nobody is skipped.
 */
export class DateEntries {
  constructor(private readonly deps: DateEntryDependencies) {}

  /**
   * Goes on with the round (or starts the next one when due) at `now`, until `deadline` (epoch ms);
   * returns how many entries it requested, and how many it put in the due-time index or moved there.
   */
  async pass(now: Date, deadline: number): Promise<DatePass> {
    const { journeys, listing, rounds, index, publisher, log } = this.deps;
    const dated = await datedJourneys(journeys);
    if (!dated.length) return NO_PASS;
    const versions = dated.map(({ journeyId, version }) => `${journeyId}@${version}`).sort();
    const stored = await rounds.read();
    let rev = stored?.rev ?? 0;
    let round: Omit<DateRound, 'rev'>;
    const published = versions.some((version) => !stored?.journeys?.includes(version));
    if (stored?.cursor) round = { startedAt: stored.startedAt, cursor: stored.cursor, journeys: stored.journeys ?? [] };
    else if (!stored || published || Date.parse(stored.startedAt) + DATE_ROUND_EVERY_MS <= now.getTime()) round = { startedAt: now.toISOString(), cursor: { shard: 0 }, journeys: versions };
    else return NO_PASS;

    let requested = 0;
    let indexed = 0;
    while (round.cursor) {
      if (Date.now() >= deadline) {
        log.info('Journey date entries: the round goes on in the next sweep', { requested });
        break;
      }
      const page: { leads: Lead[]; cursor?: LeadCursor } = await listing.leadsPage(PAGE, round.cursor);
      const events: DomainEvent[] = [];
      const upcoming: (() => Promise<void>)[] = [];
      for (const lead of page.leads) {
        for (const { journeyId, entry, timeZone } of dated) {
          const at = dueDateEntry(entry, lead.attributes, timeZone, now);
          if (at) {
            const dateEntryAt = at.toISOString();
            events.push({ detailType: DetailType.JourneyEnrolmentRequested, detail: { version: 1, correlationId: `${journeyId}:${lead.id}:${dateEntryAt}`, journeyId, leadId: lead.id, dateEntryAt } });
            continue;
          }
          const ahead = upcomingDateEntry(entry, lead.attributes, timeZone, now, DATE_INDEX_AHEAD_MS);
          if (ahead) {
            upcoming.push(async () => {
              if (await index.put(lead.id, journeyId, ahead.toISOString())) indexed += 1;
            });
          }
        }
      }
      for (let start = 0; start < events.length; start += EVENTS_PER_CALL) await publisher.publish(events.slice(start, start + EVENTS_PER_CALL));
      const failures = await inParallel(upcoming, INDEX_WRITES_AT_ONCE);
      if (failures.length) throw failures[0];
      requested += events.length;
      round = { startedAt: round.startedAt, journeys: round.journeys ?? versions, ...(page.cursor ? { cursor: page.cursor } : {}) };
      // Another sweep moved the round meanwhile: it goes on from its own place, this one stops.
      if (!(await rounds.save(round, rev))) break;
      rev += 1;
    }
    if (requested) log.info('Journey date entries requested', { requested });
    return { requested, indexed };
  }
}

export interface DateEntryRefreshDependencies {
  readonly journeys: Pick<JourneyVersions, 'live'>;
  readonly leads: LeadReader;
  readonly index: DateEntryIndex;
}

/**
 * Keeps a lead's date entries in the due-time index when its attributes change (a form or the CRM
 * set them: `lead.contact-changed` names the fields): for each published date-entry journey whose
 * entry falls due within the next two hours (or fell due within the window), the entry is put at its
 * instant, only when that instant changed; an entry whose date moved away or was cleared leaves the
 * index. Dates further ahead are indexed by the hourly round before they fall due.
 */
export class DateEntryRefresh {
  constructor(private readonly deps: DateEntryRefreshDependencies) {}

  /** Whether a change of `fields` can move a date entry: the entry's attribute or the lead's time zone. */
  async concerns(fields: readonly string[]): Promise<boolean> {
    const dated = await datedJourneys(this.deps.journeys);
    return fields.some((field) => field === 'attributes.timeZone' || dated.some(({ entry }) => field === `attributes.${entry.attribute}`));
  }

  /** Puts or refreshes the lead's upcoming date entries at `now`; returns how many index entries it wrote or removed. */
  async refresh(leadId: string, now: Date): Promise<number> {
    const { journeys, leads, index } = this.deps;
    const dated = await datedJourneys(journeys);
    if (!dated.length) return 0;
    const [lead, stored] = await Promise.all([leads.getLead(leadId), index.of(leadId)]);
    if (!lead) return 0;
    let written = 0;
    for (const { journeyId, entry, timeZone } of dated) {
      const at = upcomingDateEntry(entry, lead.attributes, timeZone, now, DATE_INDEX_AHEAD_MS)?.toISOString();
      const current = stored.get(journeyId);
      if (at && current?.dateEntryAt !== at) {
        if (await index.put(leadId, journeyId, at)) written += 1;
      } else if (!at && current?.indexed) {
        await index.remove(leadId, journeyId);
        written += 1;
      }
    }
    return written;
  }
}
