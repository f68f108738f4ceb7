import { afterEach, describe, expect, it, vi } from 'vitest';
import { DateEntries } from '../../src/app/journey-date-entries';
import { JourneyDefinition } from '../../src/domain/journeys/definition';
import type { Lead } from '../../src/domain/lead';
import type { DateRound } from '../../src/domain/journeys/records';
import type { LeadCursor } from '../../src/domain/lead-listing';
import { MemoryEnrolments, MemoryJourneyVersions, memoryJourneyRunner } from './in-memory-journeys';
import { MemoryLeads, MemoryLog, MemoryMailer, MemoryPublisher, } from './in-memory';

const renewal = JourneyDefinition.parse({
  name: 'Renewal reminder',
  entry: { kind: 'date', attribute: 'renewalDate', offsetDays: -30, time: '09:00' },
  reentry: { kind: 'after', days: 300 },
  steps: [{ id: 'remind', type: 'send_email', subscription: 'newsletter', template: { subject: 'Your renewal', html: '<p>Soon</p>' } }],
});
const welcome = JourneyDefinition.parse({ name: 'Welcome', entry: { kind: 'event', pattern: { event: { type: ['form_submission'] } } }, steps: [{ id: 'bye', type: 'exit' }] });

const lead = (id: string, attributes: Record<string, unknown>): Lead =>
  ({ id, email: `${id}@example.com`, createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z', subscriptions: { newsletter: 'opted_in' }, attributes, version: 1 }) as unknown as Lead;

/** The stored round, saved at its revision as the table saves it. */
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

function setup(start: string, onPage: (index: number) => void = () => {}) {
  let now = new Date(start);
  const journeys = new MemoryJourneyVersions();
  journeys.publish('renewal', 1, renewal);
  journeys.publish('welcome', 1, welcome);
  const leads = new MemoryLeads();
  const enrolments = new MemoryEnrolments();
  const mailer = new MemoryMailer();
  const publisher = new MemoryPublisher();
  const stored: Lead[] = [];
  const put = (...added: Lead[]) => {
    for (const one of added) {
      leads.put(one);
      stored.push(one);
    }
  };
  // Pages of one lead, so the pass walks the cursor.
  const listing = {
    leadsPage: async (_limit: number, cursor: LeadCursor) => {
      const index = cursor.shard;
      onPage(index);
      return { leads: stored.slice(index, index + 1), ...(index + 1 < stored.length ? { cursor: { shard: index + 1 } } : {}) };
    },
  };
  const runner = memoryJourneyRunner({ journeys, enrolments, leads, mailer, clock: () => now });
  const rounds = new MemoryDateRounds();
  // The due-time index is the subject of journey-date-index.test.ts; here only the requests count.
  const dates = new DateEntries({ journeys, listing, rounds, index: { put: async () => true }, publisher, log: new MemoryLog() });
  /** One pass, its requests handed to the runner as run-journeys does. */
  const pass = async () => {
    const before = publisher.events.length;
    await dates.pass(now, Date.now() + 10_000);
    for (const { journeyId, leadId, dateEntryAt } of publisher.of('journey.enrolment-requested').slice(before)) await runner.enrol(journeyId, leadId, 'date', dateEntryAt);
  };
  const at = (iso: string) => {
    now = new Date(iso);
  };
  return { put, pass, at, publisher, mailer, runner, rounds };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('date entries', () => {
  it("enrols a lead 30 days before its renewal date at 09:00 in its own time zone, once however often the pass runs", async () => {
    const { put, pass, at, publisher, mailer } = setup('2026-05-01T22:00:00Z');
    // 30 days before 2026-06-01 is 2026-05-02; 09:00 in Tokyo is 00:00 UTC, 09:00 in New York is 13:00 UTC.
    put(lead('tokyo', { renewalDate: '2026-06-01', timeZone: 'Asia/Tokyo' }), lead('newyork', { renewalDate: '2026-06-01', timeZone: 'America/New_York' }), lead('none', { plan: 'pro' }), lead('later', { renewalDate: '2026-09-01' }));
    await pass();
    expect(publisher.events).toEqual([]);

    at('2026-05-02T01:00:00Z');
    await pass();
    await pass();
    expect(mailer.recipients()).toEqual(['tokyo@example.com']);
    expect(publisher.of('journey.enrolment-requested')[0]).toMatchObject({ journeyId: 'renewal', leadId: 'tokyo', dateEntryAt: '2026-05-02T00:00:00.000Z' });

    at('2026-05-02T14:00:00Z');
    await pass();
    // Still in the window for Tokyo, whose enrolment for that date stands: only New York enters.
    expect(mailer.recipients()).toEqual(['tokyo@example.com', 'newyork@example.com']);
  });

  it('enrols again for the next date when the re-entry rule allows, and never for a date long past', async () => {
    const { put, pass, at, mailer } = setup('2026-05-02T01:00:00Z');
    const tokyo = lead('tokyo', { renewalDate: '2026-06-01', timeZone: 'Asia/Tokyo' });
    put(tokyo, lead('lapsed', { renewalDate: '2026-03-01' }));
    await pass();
    expect(mailer.recipients()).toEqual(['tokyo@example.com']);

    Object.assign(tokyo.attributes ?? {}, { renewalDate: '2027-06-01' });
    at('2027-05-02T01:00:00Z');
    await pass();
    expect(mailer.recipients()).toEqual(['tokyo@example.com', 'tokyo@example.com']);
  });

  it('goes on from where a sweep stopped at its deadline, so no lead is skipped however many there are, and starts the next round an hour later', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    // Each page takes the sweep past its deadline after the second: a round over the leads needs several sweeps.
    const { put, pass, at, publisher, rounds } = setup('2026-05-02T01:00:00Z', (index) => {
      if (index % 2 === 1) vi.setSystemTime(Date.now() + 60_000);
    });
    const ids = ['l0', 'l1', 'l2', 'l3', 'l4'];
    put(...ids.map((id) => lead(id, { renewalDate: '2026-06-01', timeZone: 'Asia/Tokyo' })));
    const requested = () => publisher.of('journey.enrolment-requested').map(({ leadId }) => leadId);

    await pass();
    expect(requested()).toEqual(['l0', 'l1']);
    expect(rounds.round?.cursor).toEqual({ shard: 2 });
    await pass();
    expect(requested()).toEqual(['l0', 'l1', 'l2', 'l3']);
    await pass();
    expect(requested()).toEqual(ids);
    expect(rounds.round?.cursor).toBeUndefined();
    // The round is over: sweeps within the hour read nothing.
    at('2026-05-02T01:30:00Z');
    await pass();
    expect(requested()).toEqual(ids);
    at('2026-05-02T02:00:00Z');
    await pass();
    expect(requested()).toEqual([...ids, 'l0', 'l1']);
  });

  it('does not enter a journey whose entry is not a date on a date request', async () => {
    const { put, runner } = setup('2026-05-02T01:00:00Z');
    put(lead('l1', {}));
    expect(await runner.enrol('welcome', 'l1', 'date', '2026-05-02T00:00:00.000Z')).toBe('not-eligible');
  });
});
