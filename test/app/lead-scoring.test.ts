import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LeadScoring, ScoreContended, type EventSubject, type RecordedEvent, type ScoringMessage, type ScoringRequest } from '../../src/app/lead-scoring';
import type { Lead } from '../../src/domain/lead';
import { replay } from '../../src/domain/scoring/engine';
import { starterRuleset } from '../../src/domain/scoring/starter-ruleset';
import { MemoryLog, MemoryPublisher, MemoryScoringStore } from './in-memory';

const lead = (id: string, extra: Partial<Lead> = {}): Lead =>
  ({
    id,
    email: `${id}@example.com`,
    role: 'CEO',
    industry: 'SaaS',
    teamSize: 100,
    budget: 20_000,
    createdAt: '2026-11-01T00:00:00Z',
    updatedAt: '2026-11-01T00:00:00Z',
    firstTouch: { at: '2026-11-01T00:00:00Z' },
    lastTouch: { at: '2026-11-01T00:00:00Z' },
    subscriptions: {},
    version: 4,
    ...extra,
  }) as Lead;
const pageView = (id: string, url: string, subject: EventSubject = { kind: 'lead', id: 'lead-1' }, second = 1): RecordedEvent => ({
  id,
  type: 'page_view',
  occurredAt: `2026-11-22T10:00:0${second}.000Z`,
  receivedAt: '2026-11-22T10:00:10.000Z',
  properties: { url: `https://example.com/${url}` },
  subject,
});
const webinar = (id: string, leadId = 'lead-1'): RecordedEvent => ({ id, type: 'webinar_registration', occurredAt: '2026-11-22T10:00:05.000Z', receivedAt: '2026-11-22T10:00:10.000Z', properties: {}, subject: { kind: 'lead', id: leadId } });

/** One request's events of one lead, announced together. */
const recordedTogether = (eventIds: string[], leadId = 'lead-1'): ScoringRequest => ({ 'detail-type': 'engagement.recorded', detail: { version: 2, correlationId: 'c-1', eventIds, leadId } });
const recorded = (eventId: string, leadId = 'lead-1'): ScoringRequest => recordedTogether([eventId], leadId);
const identified = (anonymousId: string, leadId = 'lead-1'): ScoringRequest => ({ 'detail-type': 'lead.identified', detail: { version: 1, correlationId: 'c-1', anonymousId, leadId } });
const messages = (...requests: ScoringRequest[]): ScoringMessage[] => requests.map((request, index) => ({ id: `message-${index}`, read: () => request }));

let store: MemoryScoringStore;
let publisher: MemoryPublisher;
let latencies: number[];
let scoring: (maxEventsPerWrite?: number) => LeadScoring;

/** Each message's outcome: 'ok', or the failure's message. */
async function score(batch: readonly ScoringMessage[], maxEventsPerWrite = 99): Promise<Record<string, string>> {
  const outcomes = scoring(maxEventsPerWrite).scoreBatch(batch);
  const settled = await Promise.all([...outcomes].map(async ([id, outcome]) => [id, await outcome.then(() => 'ok', (error: Error) => error.message)] as const));
  return Object.fromEntries(settled);
}

beforeEach(() => {
  // No wait between optimistic attempts: the races below are decided by the store, not by time.
  vi.spyOn(Math, 'random').mockReturnValue(0);
  store = new MemoryScoringStore();
  store.put(lead('lead-1'));
  store.put(lead('lead-2'));
  store.record(pageView('e-demo', 'demo'), pageView('e-pricing', 'pricing', undefined, 2), webinar('e-webinar'), { ...webinar('e-other', 'lead-2'), type: 'content_download' });
  publisher = new MemoryPublisher();
  latencies = [];
  scoring = (maxEventsPerWrite = 99) =>
    new LeadScoring({ leads: store, recorded: store, visitors: store, scores: store, rulesets: { active: async () => starterRuleset }, publisher, latency: { record: (ms) => latencies.push(ms) }, log: new MemoryLog(), maxEventsPerWrite });
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('scoring a batch', () => {
  it('adds each event once, in one write per lead, however often the batch names it', async () => {
    expect(await score(messages(recorded('e-demo'), recorded('e-pricing'), recorded('e-demo')))).toEqual({ 'message-0': 'ok', 'message-1': 'ok', 'message-2': 'ok' });

    expect(store.writes).toEqual([expect.objectContaining({ leadId: 'lead-1', eventIds: ['e-demo', 'e-pricing'] })]);
    const score1 = store.leads.get('lead-1')?.score;
    expect(score1).toMatchObject({ fit: 65, grade: 'A', eventCount: 2, rulesetVersion: 'starter-1', qualified: false });
    expect(score1?.engagement).toBeCloseTo(25, 4);
    expect(store.leads.get('lead-1')?.version).toBe(5);
    expect(latencies).toHaveLength(2);
    expect(publisher.events).toEqual([]);
  });

  it('changes nothing when the events are already in the score (a redelivery)', async () => {
    await score(messages(recorded('e-demo')));
    await score(messages(recorded('e-demo')));

    expect(store.writes).toHaveLength(1);
    expect(store.leads.get('lead-1')?.score?.eventCount).toBe(1);
  });

  it('fails only the messages of the lead whose write failed', async () => {
    store.failingLeads.add('lead-2');
    expect(await score(messages(recorded('e-demo'), recorded('e-other', 'lead-2'), recorded('e-pricing')))).toEqual({
      'message-0': 'ok',
      'message-1': 'Writes of lead lead-2 fail',
      'message-2': 'ok',
    });
    expect(store.writes.map((write) => write.leadId)).toEqual(['lead-1']);
  });

  it('fails a message that cannot be read, or names an event never recorded, alone', async () => {
    const unreadable: ScoringMessage = {
      id: 'unreadable',
      read: () => {
        throw new Error('detail.eventId: required');
      },
    };
    expect(await score([unreadable, ...messages(recorded('e-missing'), recorded('e-demo'))])).toEqual({
      unreadable: 'detail.eventId: required',
      'message-0': 'Event(s) e-missing not found',
      'message-1': 'ok',
    });
    expect(store.leads.get('lead-1')?.score?.eventCount).toBe(1);
  });

  it('writes many events in turn, each write at most the most one can carry', async () => {
    const views = Array.from({ length: 5 }, (_, index) => pageView(`e-${index}`, 'features', undefined, index));
    store.record(...views);
    await score(messages(...views.map((view) => recorded(view.id))), 2);

    expect(store.writes.map((write) => write.eventIds.length)).toEqual([2, 2, 1]);
    expect(store.leads.get('lead-1')?.score?.eventCount).toBe(5);
  });
});

describe("one request's events of a lead, in one message", () => {
  const together = () => messages(recordedTogether(['e-webinar', 'e-demo', 'e-pricing']));

  it('are scored in one write, in the order they happened, and qualify the lead once', async () => {
    expect(await score(together())).toEqual({ 'message-0': 'ok' });

    expect(store.writes).toEqual([expect.objectContaining({ leadId: 'lead-1', eventIds: ['e-demo', 'e-pricing', 'e-webinar'] })]);
    expect(store.leads.get('lead-1')).toMatchObject({ version: 5, score: { eventCount: 3, qualified: true } });
    expect(latencies).toHaveLength(3);
    expect(publisher.of('lead.qualified')).toEqual([expect.objectContaining({ leadId: 'lead-1', qualification: 1 })]);
  });

  it('add nothing when the message is delivered again, alone or beside another copy', async () => {
    await score(together());
    expect(await score([...together(), ...together().map((message) => ({ ...message, id: 'copy' }))])).toEqual({ 'message-0': 'ok', copy: 'ok' });
    await score(together());

    expect(store.writes).toHaveLength(1);
    expect(store.leads.get('lead-1')?.score?.eventCount).toBe(3);
    expect(publisher.of('lead.qualified')).toHaveLength(1);
  });

  it('add only the events not yet scored when some already were', async () => {
    await score(messages(recorded('e-demo')));
    await score(together());

    expect(store.writes.map((write) => write.eventIds)).toEqual([['e-demo'], ['e-pricing', 'e-webinar']]);
    expect(store.leads.get('lead-1')?.score?.eventCount).toBe(3);
  });

  it('fail together, naming the events never recorded, and write nothing', async () => {
    expect(await score(messages(recordedTogether(['e-demo', 'e-gone', 'e-missing'])))).toEqual({ 'message-0': 'Event(s) e-gone, e-missing not found' });
    expect(store.writes).toEqual([]);
  });

  it('go to the lead each event is stored for, and the message settles with all their writes', async () => {
    store.failingLeads.add('lead-2');
    expect(await score(messages(recordedTogether(['e-demo', 'e-other'])))).toEqual({ 'message-0': 'Writes of lead lead-2 fail' });
    expect(store.writes).toEqual([expect.objectContaining({ leadId: 'lead-1', eventIds: ['e-demo'] })]);

    store.failingLeads.delete('lead-2');
    expect(await score(messages(recordedTogether(['e-demo', 'e-other'])))).toEqual({ 'message-0': 'ok' });
    expect(store.writes.map((write) => write.leadId)).toEqual(['lead-1', 'lead-2']);
  });
});

describe('conflicts', () => {
  it('counts every event once when two consumers score the same lead at the same time', async () => {
    const [first, second] = await Promise.all([score(messages(recorded('e-demo'))), score(messages(recorded('e-pricing')))]);

    expect([first, second]).toEqual([{ 'message-0': 'ok' }, { 'message-0': 'ok' }]);
    expect(store.writes).toHaveLength(2);
    expect(store.leads.get('lead-1')?.score?.eventCount).toBe(2);
    expect(store.leads.get('lead-1')?.version).toBe(6);
  });

  it('recomputes from a fresh read when the lead changed between read and write', async () => {
    let changes = 2;
    store.beforeWrite = (leadId) => {
      const current = store.leads.get(leadId);
      if (changes-- > 0 && current) store.put({ ...current, version: current.version + 1 });
    };
    expect(await score(messages(recorded('e-demo')))).toEqual({ 'message-0': 'ok' });
    expect(store.leads.get('lead-1')).toMatchObject({ version: 7, score: { eventCount: 1 } });
  });

  it('gives the messages back for a later retry when the lead keeps changing', async () => {
    store.beforeWrite = (leadId) => {
      const current = store.leads.get(leadId);
      if (current) store.put({ ...current, version: current.version + 1 });
    };
    const outcomes = scoring().scoreBatch(messages(recorded('e-demo')));
    await expect(outcomes.get('message-0')).rejects.toBeInstanceOf(ScoreContended);
    expect(store.writes).toEqual([]);
    expect(store.events.get('e-demo')?.scoredAt).toBeUndefined();
  });
});

describe('qualification', () => {
  const qualifying = () => messages(recorded('e-demo'), recorded('e-pricing'), recorded('e-webinar'));

  it('publishes lead.qualified once, from the outbox stored with the score, then clears it', async () => {
    await score(qualifying());
    await score(qualifying());

    const published = publisher.of('lead.qualified');
    expect(published).toEqual([expect.objectContaining({ leadId: 'lead-1', rulesetVersion: 'starter-1', qualification: 1, score: 105, grade: 'A', correlationId: 'c-1' })]);
    expect(published[0]?.topContributors.length).toBeGreaterThan(0);
    expect(store.leads.get('lead-1')?.pendingQualification).toBeUndefined();
  });

  it('publishes a stored qualification on the retry when the publish after the write failed', async () => {
    publisher.faults.fail('publish');
    expect(await score(qualifying())).toMatchObject({ 'message-0': 'publish failed' });
    expect(store.leads.get('lead-1')?.pendingQualification).toMatchObject({ qualification: 1 });

    expect(await score(qualifying())).toEqual({ 'message-0': 'ok', 'message-1': 'ok', 'message-2': 'ok' });
    expect(store.writes).toHaveLength(1);
    expect(publisher.of('lead.qualified')).toHaveLength(1);
    expect(store.leads.get('lead-1')?.pendingQualification).toBeUndefined();
  });
});

describe("a visitor's events", () => {
  const visitor: EventSubject = { kind: 'anonymous', id: 'visitor-1' };

  it('wait while the visitor is anonymous, and count for the lead once they identify', async () => {
    store.record(pageView('v-demo', 'demo', visitor), pageView('v-pricing', 'pricing', visitor, 2));
    await score(messages(recorded('v-demo')));
    expect(store.writes).toEqual([]);

    store.visitors.set('visitor-1', 'lead-1');
    await score(messages(identified('visitor-1')));
    expect(store.writes).toEqual([expect.objectContaining({ leadId: 'lead-1', eventIds: ['v-demo', 'v-pricing'] })]);
    expect(store.events.get('v-demo')?.subject).toEqual({ kind: 'lead', id: 'lead-1' });
  });

  it('are not given to a lead the visitor is not linked to', async () => {
    store.record(pageView('v-demo', 'demo', visitor));
    store.visitors.set('visitor-1', 'lead-2');
    await score(messages(identified('visitor-1', 'lead-1')));

    expect(store.writes).toEqual([]);
  });
});

it('rescores a lead last scored under another ruleset from its history before adding new events', async () => {
  const history = { ...pageView('e-old', 'demo'), scoredAt: '2026-11-22T10:00:20.000Z' };
  store.record(history);
  const oldRuleset = { ...starterRuleset, version: 'old-1', rules: [] };
  store.put(lead('lead-1', { score: replay([history], {}, oldRuleset).state }));

  await score(messages(recorded('e-pricing')));
  expect(store.leads.get('lead-1')?.score).toMatchObject({ rulesetVersion: 'starter-1', eventCount: 2 });
  expect(store.leads.get('lead-1')?.score?.engagement).toBeCloseTo(25, 4);
});
