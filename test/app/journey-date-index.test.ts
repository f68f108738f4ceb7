
import { describe, expect, it } from 'vitest';
import { DateEntries, DateEntryRefresh, type DateEntryIndex } from '../../src/app/journey-date-entries';
import { TimerDispatch } from '../../src/app/journey-timer-dispatch';
import { ShardDrain, type DueDateEntry, type DueEntry, type DueTimers, type ShardSweeps } from '../../src/app/journey-timers';
import { JourneyDefinition } from '../../src/domain/journeys/definition';
import type { DateRound } from '../../src/domain/journeys/records';
import type { Lead } from '../../src/domain/lead';
import type { LeadCursor } from '../../src/domain/lead-listing';
import { MemoryEnrolments, MemoryJourneyVersions, memoryJourneyRunner } from './in-memory-journeys';
import { MemoryLeads, MemoryLog, MemoryPublisher, } from './in-memory';

const MINUTE = 60_000;

const dateJourney = (name: string, attribute: string, offsetDays: number, time: string) =>
  JourneyDefinition.parse({
    name,
    entry: { kind: 'date', attribute, offsetDays, time },
    reentry: { kind: 'after', days: 300 },
    steps: [{ id: 'remind', type: 'send_email', subscription: 'newsletter', template: { subject: name, html: '<p>Soon</p>' } }],
  });

const lead = (id: string, attributes: Record<string, unknown>): Lead =>
  ({ id, email: `${id}@example.com`, createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z', subscriptions: { newsletter: 'opted_in' }, attributes, version: 1 }) as unknown as Lead;

/** The due-time index's date entries (one shard), with the table's conditional writes, and every put counted. */
class MemoryDateIndex implements DueTimers, DateEntryIndex {
  readonly shards = 1;
  readonly entries = new Map<string, { leadId: string; journeyId: string; dateEntryAt: string; dueKey?: string }>();
  puts = 0;
  async of(leadId: string) {
    return new Map([...this.entries.values()].filter((entry) => entry.leadId === leadId).map((entry) => [entry.journeyId, { dateEntryAt: entry.dateEntryAt, indexed: entry.dueKey !== undefined }]));
  }
  async put(leadId: string, journeyId: string, dateEntryAt: string) {
    const key = `${leadId}#${journeyId}`;
    if (this.entries.get(key)?.dateEntryAt === dateEntryAt) return false;
    this.puts += 1;
    this.entries.set(key, { leadId, journeyId, dateEntryAt, dueKey: `${dateEntryAt}#${leadId}#${journeyId}#date` });
    return true;
  }
  async remove(leadId: string, journeyId: string) {
    const entry = this.entries.get(`${leadId}#${journeyId}`);
    if (entry) this.entries.set(`${leadId}#${journeyId}`, { ...entry, dueKey: undefined });
  }
  async due(_shard: number, now: string, limit: number): Promise<DueEntry[]> {
    return [...this.entries.values()]
      .flatMap(({ dueKey, ...entry }) => (dueKey && dueKey <= `${now}#~` ? [{ kind: 'date-entry' as const, ...entry, dueKey }] : []))
      .sort((a, b) => a.dueKey.localeCompare(b.dueKey))
      .slice(0, limit);
  }
  async first(shard: number) {
    const [first] = await this.due(shard, '~', 1);
    return first;
  }
  async lease(due: DueEntry, until: string) {
    if (due.kind !== 'date-entry') return false;
    const entry = this.entries.get(`${due.leadId}#${due.journeyId}`);
    if (entry?.dueKey !== due.dueKey) return false;
    entry.dueKey = `${until}${due.dueKey.slice(due.dueKey.indexOf('#'))}`;
    return true;
  }
  async done(due: DueDateEntry, until: string) {
    const entry = this.entries.get(`${due.leadId}#${due.journeyId}`);
    if (entry?.dueKey === `${until}${due.dueKey.slice(due.dueKey.indexOf('#'))}`) entry.dueKey = undefined;
  }
}

class MemorySweeps implements ShardSweeps {
  readonly leases = new Map<number, { holder: string; until: string }>();
  async take(shard: number, holder: string, until: string, now: string) {
    const lease = this.leases.get(shard);
    if (lease && lease.until >= now) return false;
    this.leases.set(shard, { holder, until });
    return true;
  }
  async extend(shard: number, holder: string, until: string) {
    if (this.leases.get(shard)?.holder !== holder) return false;
    this.leases.set(shard, { holder, until });
    return true;
  }
  async release(shard: number, holder: string) {
    if (this.leases.get(shard)?.holder === holder) this.leases.set(shard, { holder: '', until: new Date(0).toISOString() });
  }
}

class MemoryDateRounds {
  round: DateRound | undefined;
  async read() {
    return this.round;
  }
  async save(round: Omit<DateRound, 'rev'>, rev: number) {
    if ((this.round?.rev ?? 0) !== rev) return false;
    this.round = { ...round, rev: rev + 1 };
    return true;
  }
}

/**
 * sweep-journeys and sweep-journey-shard every minute on a fake clock, their events handed to the
 * runner as run-journeys takes them; records when each lead entered each journey.
 */
function setup(start: string) {
  let now = new Date(start);
  const journeys = new MemoryJourneyVersions();
  const leads = new MemoryLeads();
  const stored: Lead[] = [];
  const put = (...added: Lead[]) => {
    for (const one of added) {
      leads.put(one);
      stored.push(one);
    }
  };
  const listing = { leadsPage: async (_limit: number, cursor: LeadCursor) => ({ leads: cursor.shard === 0 ? [...stored] : [] }) };
  const publisher = new MemoryPublisher();
  const index = new MemoryDateIndex();
  const sweeps = new MemorySweeps();
  const log = new MemoryLog();
  const runner = memoryJourneyRunner({ journeys, enrolments: new MemoryEnrolments(), leads, log, clock: () => now });
  const rounds = new MemoryDateRounds();
  const dates = new DateEntries({ journeys, listing, rounds, index, publisher, log });
  const refresh = new DateEntryRefresh({ journeys, leads, index });
  const dispatch = new TimerDispatch(index, sweeps, publisher);
  const drain = new ShardDrain(index, sweeps, publisher, log);
  const entered = new Map<string, Date>();
  let handed = 0;
  /** Index entries the rounds said they put or moved. */
  let indexed = 0;

  /** One minute's sweep: the dispatch and its drains, then the round of date entries; their requests go to the runner. */
  const sweep = async () => {
    for (const shard of (await dispatch.dispatch(now, 120_000)).shards) {
      const request = publisher.of('journey.timers-due').at(-1);
      await drain.drain(shard, request?.holder ?? '', now, Date.now() + 10_000, 120_000);
    }
    indexed += (await dates.pass(now, Date.now() + 10_000)).indexed;
    for (const { journeyId, leadId, dateEntryAt } of publisher.of('journey.enrolment-requested').slice(handed)) {
      if ((await runner.enrol(journeyId, leadId, 'date', dateEntryAt)) === 'enrolled') entered.set(`${leadId}@${journeyId}`, now);
    }
    handed = publisher.of('journey.enrolment-requested').length;
  };
  /** Sweeps every minute until `until`. */
  const runUntil = async (until: string) => {
    while (now.getTime() < Date.parse(until)) {
      await sweep();
      now = new Date(now.getTime() + MINUTE);
    }
  };
  /** How late the lead entered the journey after its entry time. */
  const lateness = (leadId: string, journeyId: string, due: string) => {
    const at = entered.get(`${leadId}@${journeyId}`);
    return at ? at.getTime() - Date.parse(due) : undefined;
  };
  return { journeys, put, leads, index, refresh, runUntil, lateness, entered, now: () => now, indexed: () => indexed };
}

describe('date entries from the due-time index', () => {
  it('enrols within the minute its entry falls due, not at the next hourly round', async () => {
    const world = setup('2026-05-01T21:30:00Z');
    world.journeys.publish('renewal', 1, dateJourney('Renewal', 'renewalDate', -30, '09:00'));
    // 30 days before 2026-06-01 at 09:00 in Tokyo is 2026-05-02T00:00Z; in New York, 13:00Z.
    world.put(lead('tokyo', { renewalDate: '2026-06-01', timeZone: 'Asia/Tokyo' }), lead('newyork', { renewalDate: '2026-06-01', timeZone: 'America/New_York' }));

    await world.runUntil('2026-05-02T13:05:00Z');

    // The rounds start at 21:30, 22:30, ...: without the index Tokyo would wait for the 00:30 round.
    expect(world.lateness('tokyo', 'renewal', '2026-05-02T00:00:00Z')).toBeLessThanOrEqual(MINUTE);
    expect(world.lateness('newyork', 'renewal', '2026-05-02T13:00:00Z')).toBeLessThanOrEqual(MINUTE);
    // Each entry is written to the index once (its instant did not change), and leaves it once requested.
    expect(world.index.puts).toBe(2);
    // The rounds say so (a sweep that wrote entries does not let the local stack rest on its dispatch's look).
    expect(world.indexed()).toBe(2);
    expect([...world.index.entries.values()].every((entry) => entry.dueKey === undefined)).toBe(true);
  });

  it('a date written shortly before it falls due is indexed by the write and enrols on time; a date moved away does not enrol', async () => {
    const world = setup('2026-05-01T23:00:00Z');
    world.journeys.publish('renewal', 1, dateJourney('Renewal', 'renewalDate', -30, '09:00'));
    const late = lead('late', {});
    const moved = lead('moved', { renewalDate: '2026-06-01', timeZone: 'Asia/Tokyo' });
    world.put(late, moved);
    await world.runUntil('2026-05-01T23:45:00Z');
    expect(world.index.entries.get('moved#renewal')?.dueKey).toBeDefined();

    // A form sets late's date at 23:45 (after this hour's round) and moves moved's a year on.
    Object.assign(late.attributes ?? {}, { renewalDate: '2026-06-01', timeZone: 'Asia/Tokyo' });
    Object.assign(moved.attributes ?? {}, { renewalDate: '2027-06-01' });
    expect(await world.refresh.concerns(['attributes.renewalDate'])).toBe(true);
    expect(await world.refresh.concerns(['firstName'])).toBe(false);
    await world.refresh.refresh('late', world.now());
    await world.refresh.refresh('moved', world.now());

    await world.runUntil('2026-05-02T00:30:00Z');
    expect(world.lateness('late', 'renewal', '2026-05-02T00:00:00Z')).toBeLessThanOrEqual(MINUTE);
    expect(world.entered.has('moved@renewal')).toBe(false);
  });

  it('publishing a date journey covers the leads whose dates already exist, within the minute of their entry', async () => {
    const world = setup('2026-05-01T22:00:00Z');
    world.journeys.publish('renewal', 1, dateJourney('Renewal', 'renewalDate', -30, '09:00'));
    world.put(lead('trialist', { trialEnds: '2026-05-02', timeZone: 'UTC' }));
    await world.runUntil('2026-05-01T22:10:00Z');

    // Published at 22:10 with the entry a day before the trial ends, at 22:40 UTC: this hour's round
    // started at 22:00, and the next would start at 23:00.
    world.journeys.publish('trial', 1, dateJourney('Trial ending', 'trialEnds', -1, '22:40'));
    await world.runUntil('2026-05-01T22:50:00Z');
    expect(world.lateness('trialist', 'trial', '2026-05-01T22:40:00Z')).toBeLessThanOrEqual(MINUTE);
  });
});
