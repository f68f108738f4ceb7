import { beforeEach, describe, expect, it } from 'vitest';
import { LeadPage, type KeptStageChange } from '../../src/app/lead-page';
import type { RecordedEvent } from '../../src/app/lead-scoring';
import { NotFound } from '../../src/domain/errors';
import { scoringView, type Lead } from '../../src/domain/lead';
import { replay } from '../../src/domain/scoring/engine';
import { starterRuleset } from '../../src/domain/scoring/starter-ruleset';
import { MemoryScoringStore } from './in-memory';

const event = (id: string, type: string, second: number, url?: string): RecordedEvent => ({
  id, type, occurredAt: `2026-11-22T10:00:0${second}.000Z`, receivedAt: '2026-11-22T10:00:10.000Z', recordedAt: '2026-11-22T10:00:10.000Z', properties: url ? { url: `https://example.com/${url}` } : {}, subject: { kind: 'lead', id: 'lead-1' },
});
const EVENTS = [event('e-1', 'webinar_registration', 1), event('e-2', 'webinar_registration', 2), event('e-3', 'page_view', 3, 'pricing'), event('e-4', 'page_view', 4, 'demo')];
const prospect = {
  id: 'lead-1', email: 'ceo@example.com', role: 'CEO', industry: 'SaaS', teamSize: 100, budget: 20_000,
  createdAt: '2026-11-01T00:00:00Z', updatedAt: '2026-11-01T00:00:00Z', firstTouch: { at: '2026-11-01T00:00:00Z' }, lastTouch: { at: '2026-11-01T00:00:00Z' },
  subscriptions: {}, version: 7,
} as Lead;
const { state } = replay(EVENTS, scoringView(prospect), starterRuleset);
const scored: Lead = { ...prospect, score: state && { ...state, qualifiedAt: '2026-11-22T10:00:04.000Z' } };
const entry: KeptStageChange = { leadId: 'lead-1', leadCreatedAt: prospect.createdAt, from: null, to: 'lead', cause: 'created', actor: 'system', at: prospect.createdAt } as KeptStageChange;

let store: MemoryScoringStore;
let page: LeadPage;

beforeEach(() => {
  store = new MemoryScoringStore();
  store.put(scored);
  store.record(...EVENTS);
  page = new LeadPage({
    leads: store,
    events: store,
    stageChanges: { transitionsOf: async (leadId) => (leadId === 'lead-1' ? [entry] : []) },
    rulesets: { get: async (version) => (version === starterRuleset.version ? { ruleset: starterRuleset } : undefined) },
  });
});

describe('the lead page', () => {
  it('shows why the lead qualified: each rule\'s points, hits and the events that earned them', async () => {
    const shown = await page.show('lead-1', '2026-11-22T10:01:00.000Z');
    expect(shown.score).toMatchObject({ rulesetVersion: 'starter-1', fit: 65, total: 120, grade: 'A', qualified: true, qualifiedAt: '2026-11-22T10:00:04.000Z', eventCount: 4 });
    expect(shown.score?.breakdown['webinar-registration']).toMatchObject({
      description: 'Webinar registration', score: 'engagement', points: 30, times: 2, current: 30,
      events: [{ eventId: 'e-1', occurredAt: EVENTS[0]?.occurredAt }, { eventId: 'e-2', occurredAt: EVENTS[1]?.occurredAt }],
    });
    expect(shown.score?.breakdown['decision-maker']).toMatchObject({ score: 'fit', points: 20, current: 20 });
  });

  it('reads the score as of now: engagement decays, and a lead decayed below recycling no longer reads as qualified', async () => {
    const shown = await page.show('lead-1', '2027-01-21T10:00:04.000Z');
    expect(shown.score?.engagement).toBeLessThan(55);
    expect(shown.score).toMatchObject({ qualified: false, asOf: '2027-01-21T10:00:04.000Z' });
    expect(shown.score).not.toHaveProperty('qualifiedAt');
  });

  it('lists the stage history and the latest events, newest first, and hides the lead\'s internals', async () => {
    const shown = await page.show('lead-1', '2026-11-22T10:01:00.000Z');
    expect(shown.stageHistory).toEqual([{ from: null, to: 'lead', cause: 'created', actor: 'system', at: prospect.createdAt }]);
    expect(shown.recentEvents.map((recent) => recent.id)).toEqual(['e-4', 'e-3', 'e-2', 'e-1']);
    expect(shown).toMatchObject({ attributes: {}, purchases: { count: 0, rfmSegment: 'prospect' } });
    expect(shown).not.toHaveProperty('version');
  });

  it('shows an unscored lead without a score, and answers NotFound for no lead', async () => {
    store.put(prospect);
    expect((await page.show('lead-1', '2026-11-22T10:01:00.000Z')).score).toBeUndefined();
    await expect(page.show('lead-2', '2026-11-22T10:01:00.000Z')).rejects.toEqual(new NotFound('No lead with id lead-2'));
  });
});

describe("the lead's score over time", () => {
  it('replays the events through the kept ruleset: a point after each event, then now, ending at the score the page shows', async () => {
    const now = '2026-12-22T10:00:00.000Z';
    const history = await page.scoreHistory('lead-1', now);
    expect(history.rulesetVersion).toBe(starterRuleset.version);
    expect(history.points.map((point) => point.at)).toEqual([...EVENTS.map((recorded) => recorded.occurredAt), now]);
    const engagement = history.points.map((point) => point.engagement);
    expect(engagement.slice(0, 4)).toEqual([...engagement.slice(0, 4)].sort((a, b) => a - b));
    expect(engagement[4]).toBeLessThan(engagement[3] ?? 0);
    expect(history.points.every((point) => point.fit === 65)).toBe(true);
    const shown = await page.show('lead-1', now);
    expect(history.points.at(-1)).toMatchObject({ fit: shown.score?.fit, engagement: shown.score?.engagement, total: shown.score?.total });
  });

  it('has no points for an unscored lead, hides another rep\'s lead, and answers NotFound for no lead', async () => {
    store.put(prospect);
    expect(await page.scoreHistory('lead-1', '2026-11-22T10:01:00.000Z')).toEqual({ points: [] });
    await expect(page.scoreHistory('lead-1', '2026-11-22T10:01:00.000Z', () => false)).rejects.toThrow(/not yours/);
    await expect(page.scoreHistory('lead-2', '2026-11-22T10:01:00.000Z')).rejects.toEqual(new NotFound('No lead with id lead-2'));
  });
});
