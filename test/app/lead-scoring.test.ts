import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LeadScoring, ScoreContended, type EventSubject, type ScoringMessage, type ScoringRequest } from '../../src/app/lead-scoring';
import { scoringView, type Lead } from '../../src/domain/lead';
import { replay, scoreCeiling } from '../../src/domain/scoring/engine';
import { starterRuleset } from '../../src/domain/scoring/starter-ruleset';
import { MemoryLog, MemoryPublisher, MemoryScoringStore, type EventToRecord } from './in-memory';

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
const pageView = (id: string, url: string, subject: EventSubject = { kind: 'lead', id: 'lead-1' }, second = 1): EventToRecord => ({
  id,
  type: 'page_view',
  occurredAt: `2026-11-22T10:00:0${second}.000Z`,
  receivedAt: '2026-11-22T10:00:10.000Z',
  properties: { url: `https://example.com/${url}` },
  subject,
});
const webinar = (id: string, leadId = 'lead-1'): EventToRecord => ({ id, type: 'webinar_registration', occurredAt: '2026-11-22T10:00:05.000Z', receivedAt: '2026-11-22T10:00:10.000Z', properties: {}, subject: { kind: 'lead', id: leadId } });

/** One request's events of one lead, announced together. */
const recordedTogether = (eventIds: string[], leadId = 'lead-1'): ScoringRequest => ({ 'detail-type': 'engagement.recorded', detail: { version: 2, correlationId: 'c-1', eventIds, leadId } });
const recorded = (eventId: string, leadId = 'lead-1'): ScoringRequest => recordedTogether([eventId], leadId);
const identified = (anonymousId: string, leadId = 'lead-1'): ScoringRequest => ({ 'detail-type': 'lead.identified', detail: { version: 1, correlationId: 'c-1', anonymousId, leadId } });
const messages = (...requests: ScoringRequest[]): ScoringMessage[] => requests.map((request, index) => ({ id: `message-${index}`, read: () => request }));

let store: MemoryScoringStore;
let publisher: MemoryPublisher;
let latencies: number[];
let scoring: () => LeadScoring;

/** Each message's outcome: 'ok', or the failure's message. */
async function score(batch: readonly ScoringMessage[]): Promise<Record<string, string>> {
  const outcomes = scoring().scoreBatch(batch);
  const settled = await Promise.all([...outcomes].map(async ([id, outcome]) => [id, await outcome.then(() => 'ok', (error: Error) => error.message)] as const));
  return Object.fromEntries(settled);
}

/** Events recorded at `at`, as an intake storing them then would. */
const recordAt = (at: string, ...events: EventToRecord[]) => store.record(...events.map((event) => ({ ...event, recordedAt: at })));

beforeEach(() => {
  // No wait between optimistic attempts: the races below are decided by the store, not by time.
  vi.spyOn(Math, 'random').mockReturnValue(0);
  store = new MemoryScoringStore();
  // The scorer reads right after the events were recorded, so they are within the recording deadline.
  store.now = () => new Date('2026-11-22T10:00:11.000Z');
  store.put(lead('lead-1'));
  store.put(lead('lead-2'));
  publisher = new MemoryPublisher();
  latencies = [];
  scoring = () => new LeadScoring({ recorded: store, visitors: store, scores: store, rulesets: { active: async () => starterRuleset }, publisher, latency: { record: (ms) => latencies.push(ms) }, log: new MemoryLog() });
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('scoring a batch', () => {
  it('files the lead under the band of the most its new score can read until the next write', async () => {
    store.record(pageView('e-demo', 'demo'), pageView('e-pricing', 'pricing', undefined, 2));
    await score(messages(recorded('e-demo'), recorded('e-pricing')));
    const scored = store.leads.get('lead-1');
    if (!scored?.score) throw new Error('not scored');
    // Fit 65 + engagement 25 - no activity rule with positive points in the starter ruleset: 90, band 90-100.
    expect(scoreCeiling(scored.score, scoringView(scored), starterRuleset)).toBeCloseTo(90, 4);
    expect(store.bands.get('lead-1')).toBe(9);
  });

  it("adds each of the lead's new events once, in one write per lead, however often the batch names them", async () => {
    store.record(pageView('e-demo', 'demo'), pageView('e-pricing', 'pricing', undefined, 2));
    expect(await score(messages(recorded('e-demo'), recorded('e-pricing'), recorded('e-demo')))).toEqual({ 'message-0': 'ok', 'message-1': 'ok', 'message-2': 'ok' });

    expect(store.writes).toEqual([expect.objectContaining({ leadId: 'lead-1', eventIds: ['e-demo', 'e-pricing'] })]);
    const score1 = store.leads.get('lead-1')?.score;
    expect(score1).toMatchObject({ fit: 65, grade: 'A', eventCount: 2, rulesetVersion: 'starter-1', qualified: false });
    expect(score1?.engagement).toBeCloseTo(25, 4);
    expect(store.leads.get('lead-1')?.scoreVersion).toBe(1);
    expect(latencies).toHaveLength(2);
    expect(publisher.events).toEqual([]);
  });

  it('changes nothing when the events are already in the score (a redelivery)', async () => {
    store.record(pageView('e-demo', 'demo'));
    await score(messages(recorded('e-demo')));
    await score(messages(recorded('e-demo')));

    expect(store.writes).toHaveLength(1);
    expect(store.leads.get('lead-1')?.score?.eventCount).toBe(1);
  });

  it('changes nothing when a message comes back days later (a redrive from the DLQ), after the watermark moved past its events', async () => {
    store.record(pageView('e-demo', 'demo'));
    await score(messages(recorded('e-demo')));
    store.now = () => new Date('2026-11-25T10:00:00.000Z');
    recordAt('2026-11-25T09:59:59.000Z', pageView('e-pricing', 'pricing', undefined, 2));
    await score(messages(recorded('e-pricing')));
    expect(store.watermarks.get('lead-1')).toEqual({ through: '2026-11-25T09:58:00.000Z', recent: [{ id: 'e-pricing', recordedAt: '2026-11-25T09:59:59.000Z' }] });

    await score(messages(recorded('e-demo')));
    expect(store.writes).toHaveLength(2);
    expect(store.leads.get('lead-1')?.score?.eventCount).toBe(2);
  });

  it('keeps in the watermark only the events of the last recording deadline, whatever the history', async () => {
    recordAt('2026-11-22T09:00:00.000Z', pageView('e-old', 'demo'));
    recordAt('2026-11-22T10:00:10.000Z', pageView('e-new', 'pricing', undefined, 2));
    await score(messages(recorded('e-new')));

    expect(store.writes).toEqual([expect.objectContaining({ eventIds: ['e-old', 'e-new'] })]);
    expect(store.watermarks.get('lead-1')).toEqual({ through: '2026-11-22T09:58:11.000Z', recent: [{ id: 'e-new', recordedAt: '2026-11-22T10:00:10.000Z' }] });
  });

  it('counts an event recorded twice (two copies of one retried request) once', async () => {
    recordAt('2026-11-22T10:00:10.000Z', pageView('e-demo', 'demo'));
    await score(messages(recorded('e-demo')));
    recordAt('2026-11-22T10:00:10.500Z', pageView('e-demo', 'demo'));
    await score(messages(recorded('e-demo')));

    expect(store.writes).toHaveLength(1);
    expect(store.leads.get('lead-1')?.score?.eventCount).toBe(1);
  });

  it('fails only the messages of the lead whose write failed', async () => {
    store.record(pageView('e-demo', 'demo'), { ...webinar('e-other', 'lead-2'), type: 'content_download' }, pageView('e-pricing', 'pricing', undefined, 2));
    store.failingLeads.add('lead-2');
    expect(await score(messages(recorded('e-demo'), recorded('e-other', 'lead-2'), recorded('e-pricing')))).toEqual({
      'message-0': 'ok',
      'message-1': 'Writes of lead lead-2 fail',
      'message-2': 'ok',
    });
    expect(store.writes.map((write) => write.leadId)).toEqual(['lead-1']);
  });

  it('fails a message that cannot be read alone, and one for a lead that does not exist', async () => {
    store.record(pageView('e-demo', 'demo'));
    const unreadable: ScoringMessage = {
      id: 'unreadable',
      read: () => {
        throw new Error('detail.eventId: required');
      },
    };
    expect(await score([unreadable, ...messages(recorded('e-x', 'lead-gone'), recorded('e-demo'))])).toEqual({
      unreadable: 'detail.eventId: required',
      'message-0': 'Lead lead-gone not found',
      'message-1': 'ok',
    });
    expect(store.leads.get('lead-1')?.score?.eventCount).toBe(1);
  });

  it("writes all of a lead's new events in one write, however many", async () => {
    const views = Array.from({ length: 150 }, (_, index) => pageView(`e-${String(index).padStart(3, '0')}`, 'features', undefined, index % 10));
    store.record(...views);
    await score(messages(recorded('e-000')));

    expect(store.writes.map((write) => write.eventIds.length)).toEqual([150]);
    expect(store.leads.get('lead-1')?.score?.eventCount).toBe(150);
  });
});

describe("one request's events of a lead, in one message", () => {
  const together = () => messages(recordedTogether(['e-webinar', 'e-demo', 'e-pricing']));
  beforeEach(() => store.record(webinar('e-webinar'), pageView('e-demo', 'demo'), pageView('e-pricing', 'pricing', undefined, 2)));

  it('are scored in one write, in the order they happened, and qualify the lead once', async () => {
    expect(await score(together())).toEqual({ 'message-0': 'ok' });

    expect(store.writes).toEqual([expect.objectContaining({ leadId: 'lead-1', eventIds: ['e-demo', 'e-pricing', 'e-webinar'] })]);
    expect(store.leads.get('lead-1')).toMatchObject({ version: 4, scoreVersion: 1, score: { eventCount: 3, qualified: true } });
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
});

it('adds only the events not yet scored when some already were', async () => {
  store.record(pageView('e-demo', 'demo'));
  await score(messages(recorded('e-demo')));
  store.record(webinar('e-webinar'), pageView('e-pricing', 'pricing', undefined, 2));
  await score(messages(recordedTogether(['e-webinar', 'e-demo', 'e-pricing'])));

  expect(store.writes.map((write) => write.eventIds)).toEqual([['e-demo'], ['e-pricing', 'e-webinar']]);
  expect(store.leads.get('lead-1')?.score?.eventCount).toBe(3);
});

describe('conflicts', () => {
  beforeEach(() => store.record(pageView('e-demo', 'demo'), pageView('e-pricing', 'pricing', undefined, 2)));

  it('counts every event once when two consumers score the same lead at the same time', async () => {
    const [first, second] = await Promise.all([score(messages(recorded('e-demo'))), score(messages(recorded('e-pricing')))]);

    expect([first, second]).toEqual([{ 'message-0': 'ok' }, { 'message-0': 'ok' }]);
    expect(store.writes.flatMap((write) => write.eventIds).sort()).toEqual(['e-demo', 'e-pricing']);
    expect(store.leads.get('lead-1')?.score?.eventCount).toBe(2);
  });

  it('recomputes from a fresh read when the score changed between read and write', async () => {
    let changes = 2;
    store.beforeWrite = (leadId) => {
      const current = store.leads.get(leadId);
      if (changes-- > 0 && current) store.put({ ...current, scoreVersion: (current.scoreVersion ?? 0) + 1 });
    };
    expect(await score(messages(recorded('e-demo')))).toEqual({ 'message-0': 'ok' });
    expect(store.leads.get('lead-1')).toMatchObject({ scoreVersion: 3, score: { eventCount: 2 } });
  });

  it('gives the messages back for a later retry when the score keeps changing', async () => {
    store.beforeWrite = (leadId) => {
      const current = store.leads.get(leadId);
      if (current) store.put({ ...current, scoreVersion: (current.scoreVersion ?? 0) + 1 });
    };
    const outcomes = scoring().scoreBatch(messages(recorded('e-demo')));
    await expect(outcomes.get('message-0')).rejects.toBeInstanceOf(ScoreContended);
    expect(store.writes).toEqual([]);
    expect(store.watermarks.get('lead-1')).toBeUndefined();
  });
});

describe('qualification', () => {
  const qualifying = () => messages(recorded('e-demo'), recorded('e-pricing'), recorded('e-webinar'));
  beforeEach(() => store.record(pageView('e-demo', 'demo'), pageView('e-pricing', 'pricing', undefined, 2), webinar('e-webinar')));

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

  it('wait while the visitor is anonymous, and move to the lead and count once they identify', async () => {
    store.record(pageView('v-demo', 'demo', visitor), pageView('v-pricing', 'pricing', visitor, 2));
    store.visitors.set('visitor-1', 'lead-1');
    await score(messages(identified('visitor-1')));
    await score(messages(identified('visitor-1')));

    expect(store.writes).toEqual([expect.objectContaining({ leadId: 'lead-1', eventIds: ['v-demo', 'v-pricing'] })]);
    expect(store.event('v-demo')?.subject).toEqual({ kind: 'lead', id: 'lead-1' });
  });

  it('are not given to a lead the visitor is not linked to', async () => {
    store.record(pageView('v-demo', 'demo', visitor));
    store.visitors.set('visitor-1', 'lead-2');
    await score(messages(identified('visitor-1', 'lead-1')));

    expect(store.writes).toEqual([]);
    expect(store.event('v-demo')?.subject).toEqual(visitor);
  });
});

it('rescores a lead last scored under another ruleset from the history its score holds before adding new events', async () => {
  const old = pageView('e-old', 'demo');
  recordAt('2026-11-22T09:00:00.000Z', old);
  const oldRuleset = { ...starterRuleset, version: 'old-1', rules: [] };
  store.put(lead('lead-1', { score: replay([{ ...old }], {}, oldRuleset).state, scoreVersion: 1 }));
  store.watermarks.set('lead-1', { through: '2026-11-22T09:30:00.000Z', recent: [] });
  store.record(pageView('e-pricing', 'pricing', undefined, 2));

  await score(messages(recorded('e-pricing')));
  expect(store.leads.get('lead-1')?.score).toMatchObject({ rulesetVersion: 'starter-1', eventCount: 2 });
  expect(store.leads.get('lead-1')?.score?.engagement).toBeCloseTo(25, 4);
});

describe('the active ruleset', () => {
  const lowerBar = { ...starterRuleset, version: 'lower-bar', mql: { ...starterRuleset.mql, minScore: 50 } };
  /** A pointer whose `recent` reads still show `recent` while `latest` shows the activation. */
  const pointer = (recent: typeof starterRuleset, latest: typeof starterRuleset) => {
    const reads: string[] = [];
    const active = async (freshness: 'latest' | 'recent' = 'latest') => {
      reads.push(freshness);
      return freshness === 'latest' ? latest : recent;
    };
    return { reads, rulesets: { active } };
  };
  const scoringWith = (rulesets: { active: (freshness?: 'latest' | 'recent') => Promise<typeof starterRuleset> }) =>
    new LeadScoring({ recorded: store, visitors: store, scores: store, rulesets, publisher, latency: { record: () => {} }, log: new MemoryLog() });

  it('is read once for a batch, however many leads it scores', async () => {
    store.record(pageView('e-demo', 'demo'), webinar('e-webinar', 'lead-2'));
    const { reads, rulesets } = pointer(starterRuleset, starterRuleset);
    const outcomes = scoringWith(rulesets).scoreBatch(messages(recorded('e-demo'), recorded('e-webinar', 'lead-2')));
    await Promise.all(outcomes.values());
    expect(reads).toEqual(['recent']);
    expect(store.writes.map((write) => write.leadId).sort()).toEqual(['lead-1', 'lead-2']);
  });

  it('is read afresh for a lead the rescoring job already moved to a newer version, so its score never goes back to the old one', async () => {
    store.record(pageView('e-demo', 'demo'));
    await score(messages(recorded('e-demo')));
    const rescored = store.leads.get('lead-1')?.score;
    if (!rescored) throw new Error('not scored');
    // The job replaced the score under the newly active ruleset; this batch's read of the pointer predates the activation.
    store.leads.set('lead-1', { ...(store.leads.get('lead-1') as Lead), score: { ...rescored, rulesetVersion: lowerBar.version } });
    store.record(pageView('e-pricing', 'pricing', undefined, 2));
    const { reads, rulesets } = pointer(starterRuleset, lowerBar);
    await Promise.all(scoringWith(rulesets).scoreBatch(messages(recorded('e-pricing'))).values());
    expect(reads).toEqual(['recent', 'latest']);
    expect(store.leads.get('lead-1')?.score).toMatchObject({ rulesetVersion: 'lower-bar', eventCount: 2 });
  });
});
