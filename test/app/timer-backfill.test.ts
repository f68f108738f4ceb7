import { SEEDED_CATALOGUE } from '../../src/domain/subscriptions';
import { beforeEach, describe, expect, it } from 'vitest';
import { CareSettingsAdmin } from '../../src/app/care-settings';
import { CustomerTimers, reassessmentScheduleName, surveyScheduleName } from '../../src/app/care-timers';
import { TimerBackfill, type LeadStagePages } from '../../src/app/timer-backfill';
import { DEFAULT_CARE_SETTINGS } from '../../src/domain/care/customer';
import { BACKFILL_SPREAD_MS } from '../../src/domain/care/timer-backfill';
import { DetailType } from '../../src/domain/events';
import type { Lead } from '../../src/domain/lead';
import { LEAD_LISTING_SHARDS, type LeadCursor } from '../../src/domain/lead-listing';
import { MemoryLeads, MemoryLog, MemoryPublisher } from './in-memory';
import { MemoryCare, MemorySchedules } from './in-memory-care';

const T0 = Date.parse('2026-11-24T12:00:00.000Z');
const DAY_MS = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();
const scheduleTime = (ms: number) => iso(ms).slice(0, 19);

const lead = (id: string, fields: Partial<Lead> = {}): Lead => ({
  id,
  email: `${id}@example.com`,
  createdAt: iso(T0 - 400 * DAY_MS),
  updatedAt: iso(T0 - 400 * DAY_MS),
  firstTouch: { at: iso(T0 - 400 * DAY_MS) },
  lastTouch: { at: iso(T0 - 400 * DAY_MS) },
  subscriptions: { product_updates: 'opted_in' },
  stage: 'customer',
  stageChangedAt: iso(T0 - 200 * DAY_MS),
  version: 1,
  ...fields,
});

/** The listing index in memory: leads by the first character of their id, in id order, with cursors shaped as DynamoDB's. */
class MemoryStagePages implements LeadStagePages {
  constructor(private readonly leads: MemoryLeads) {}
  async stagesPage(limit: number, cursor: LeadCursor) {
    const page: { id: string; stage?: string }[] = [];
    let shard = cursor.shard;
    let after = typeof cursor.startKey?.gsi1sk === 'string' ? cursor.startKey.gsi1sk : undefined;
    while (shard < LEAD_LISTING_SHARDS.length && page.length < limit) {
      const prefix = LEAD_LISTING_SHARDS[shard] as string;
      const inShard = [...this.leads.leads.values()].filter((candidate) => candidate.id.startsWith(prefix)).sort((a, b) => a.id.localeCompare(b.id));
      const rest = inShard.filter((candidate) => after === undefined || candidate.id > after).slice(0, limit - page.length);
      page.push(...rest.map((candidate) => ({ id: candidate.id, ...(candidate.stage ? { stage: candidate.stage } : {}) })));
      const last = rest.at(-1);
      if (page.length >= limit && last) {
        return { leads: page, cursor: { shard, startKey: { pk: `LEAD#${last.id}`, sk: 'PROFILE', gsi1pk: `LEADS#${prefix}`, gsi1sk: last.id } } };
      }
      shard += 1;
      after = undefined;
    }
    return { leads: page };
  }
}

let leads: MemoryLeads;
let care: MemoryCare;
let publisher: MemoryPublisher;
let schedules: MemorySchedules;
let worker: CustomerTimers;
let backfill: TimerBackfill;
let now: Date;

beforeEach(() => {
  leads = new MemoryLeads();
  care = new MemoryCare(leads);
  publisher = new MemoryPublisher();
  schedules = new MemorySchedules();
  now = new Date(T0);
  const log = new MemoryLog();
  worker = new CustomerTimers({ leads, settings: care, schedules, log, now: () => now });
  backfill = new TimerBackfill({ listing: new MemoryStagePages(leads), settings: care, publisher, log });
});

/** Delivers what the bus holds to the timers and the walk, as schedule-care-timers does, until nothing is left. */
async function drain(hasTime: () => boolean = () => true) {
  let delivered = 0;
  while (delivered < publisher.events.length) {
    const event = publisher.events[delivered++];
    if (event?.detailType === DetailType.ReassessmentDue && event.detail.backfill) await worker.ensureTimers(event.detail.leadId, event.detail.correlationId);
    if (event?.detailType === DetailType.CareTimersBackfillRequested) await backfill.walk(event.detail.cursor, event.detail.correlationId, hasTime, 2);
  }
}

const startWalk = async (hasTime?: () => boolean) => {
  await publisher.publish([{ detailType: DetailType.CareTimersBackfillRequested, detail: { version: 1, correlationId: 'deploy' } }]);
  await drain(hasTime);
};

describe('a customer’s missing timers', () => {
  it('are made: the daily reassessment within a day, the NPS round 90 days after the last survey sent', async () => {
    leads.put(lead('a1', { care: { surveyedAt: { nps: iso(T0 - 30 * DAY_MS) } } }));
    expect(await worker.ensureTimers('a1', 'c')).toEqual({ created: 2, existing: 0 });
    const reassess = schedules.schedules.get(reassessmentScheduleName('a1'));
    expect(Date.parse(`${reassess?.at}Z`)).toBeGreaterThanOrEqual(T0 - 1000);
    expect(Date.parse(`${reassess?.at}Z`)).toBeLessThan(T0 + BACKFILL_SPREAD_MS);
    expect(schedules.schedules.get(surveyScheduleName('nps', 'a1'))).toMatchObject({ at: scheduleTime(T0 + 60 * DAY_MS), detailType: DetailType.SurveyDue, detail: { cause: 'schedule', surveyId: 'nps', leadId: 'a1' } });
  });

  it('start a never-surveyed customer `firstAfterDays` after it became one, or within a day when that is past', async () => {
    leads.put(lead('a1', { stageChangedAt: iso(T0 - 10 * DAY_MS) }));
    leads.put(lead('a2', { stageChangedAt: iso(T0 - 365 * DAY_MS) }));
    await worker.ensureTimers('a1', 'c');
    await worker.ensureTimers('a2', 'c');
    expect(schedules.schedules.get(surveyScheduleName('nps', 'a1'))?.at).toBe(scheduleTime(T0 + 20 * DAY_MS));
    const overdue = Date.parse(`${schedules.schedules.get(surveyScheduleName('nps', 'a2'))?.at}Z`);
    expect(overdue).toBeGreaterThanOrEqual(T0 - 1000);
    expect(overdue).toBeLessThan(T0 + BACKFILL_SPREAD_MS);
  });

  it('never move a timer that exists, and make nothing on a repeat', async () => {
    leads.put(lead('a1'));
    const existing = { name: surveyScheduleName('nps', 'a1'), description: 'next round', at: '2027-01-01T00:00:00', timeZone: 'UTC', detailType: DetailType.SurveyDue, detail: { version: 1 as const, correlationId: 'x', leadId: 'a1', surveyId: 'nps', cause: 'schedule' as const, requestId: 'r' }, retryPolicy: { MaximumRetryAttempts: 1, MaximumEventAgeInSeconds: 60 } };
    await schedules.put(existing);
    expect(await worker.ensureTimers('a1', 'c')).toEqual({ created: 1, existing: 1 });
    expect(schedules.schedules.get(existing.name)).toEqual(existing);
    const before = structuredClone([...schedules.schedules.entries()]);
    now = new Date(T0 + 3_600_000);
    expect(await worker.ensureTimers('a1', 'c')).toEqual({ created: 0, existing: 2 });
    expect([...schedules.schedules.entries()]).toEqual(before);
  });

  it('are none for a churned customer or a lead, unless a recurring survey names its stage', async () => {
    leads.put(lead('a1', { stage: 'churned' }));
    leads.put(lead('a2', { stage: 'mql' }));
    await worker.ensureTimers('a1', 'c');
    await worker.ensureTimers('a2', 'c');
    expect(schedules.schedules.size).toBe(0);
    care.careSettings = { ...DEFAULT_CARE_SETTINGS, surveys: DEFAULT_CARE_SETTINGS.surveys.map((survey) => (survey.id === 'nps' ? { ...survey, recurrence: { everyDays: 30, firstAfterDays: 0, stages: ['churned' as const] } } : survey)) };
    await worker.ensureTimers('a1', 'c');
    expect([...schedules.schedules.keys()]).toEqual([surveyScheduleName('nps', 'a1')]);
  });
});

describe('the timer backfill walk', () => {
  beforeEach(() => {
    for (const id of ['0a', '0b', '3c', '7d', '9e', 'f0']) leads.put(lead(id));
    leads.put(lead('5p', { stage: 'opportunity' }));
  });

  it('gives every customer its timers across pages and hand-ons, asking once per customer per run', async () => {
    // Time for one page per step: each step hands the rest on.
    await startWalk(() => false);
    const walks = publisher.of(DetailType.CareTimersBackfillRequested);
    expect(walks.length).toBeGreaterThan(3);
    expect(walks.slice(1).every((walk) => typeof walk.cursor === 'string')).toBe(true);
    const asked = publisher.of(DetailType.ReassessmentDue).map((detail) => detail.leadId);
    expect(asked.sort()).toEqual(['0a', '0b', '3c', '7d', '9e', 'f0']);
    for (const id of asked) {
      expect(schedules.schedules.has(reassessmentScheduleName(id))).toBe(true);
      expect(schedules.schedules.has(surveyScheduleName('nps', id))).toBe(true);
    }
    expect(schedules.schedules.size).toBe(12);
  });

  it('changes no timer when run again', async () => {
    await startWalk();
    const first = structuredClone([...schedules.schedules.entries()]);
    now = new Date(T0 + 5 * DAY_MS);
    await startWalk();
    expect([...schedules.schedules.entries()]).toEqual(first);
  });

  it('is started when the recurring surveys change, and not by other settings changes', async () => {
    const admin = new CareSettingsAdmin({
      // Only what settings changes use.
      store: { settings: async () => care.careSettings, saveSettings: async (settings: typeof care.careSettings) => void (care.careSettings = settings) } as never,
      emails: { leadIdForEmail: async () => undefined },
      requesters: { rememberRequester: async () => {} },
      leads,
      publisher,
      subscriptionTypes: async () => SEEDED_CATALOGUE,
      log: new MemoryLog(),
    });
    await admin.replaceSettings({ ...DEFAULT_CARE_SETTINGS, surveyGapDays: 21 }, 'c1');
    expect(publisher.of(DetailType.CareTimersBackfillRequested)).toEqual([]);
    const csatRecurs = DEFAULT_CARE_SETTINGS.surveys.map((survey) => (survey.id === 'csat' ? { ...survey, recurrence: { everyDays: 180, firstAfterDays: 60, stages: ['customer' as const] } } : survey));
    await admin.replaceSettings({ ...DEFAULT_CARE_SETTINGS, surveys: csatRecurs }, 'c2');
    expect(publisher.of(DetailType.CareTimersBackfillRequested)).toEqual([{ version: 1, correlationId: 'c2' }]);
  });
});
