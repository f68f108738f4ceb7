import { describe, expect, it } from 'vitest';
import { apply, replay, scoreAt, type ScoredEvent } from '../../src/domain/scoring/engine';
import { Ruleset } from '../../src/domain/scoring/ruleset';
import { starterRuleset } from '../../src/domain/scoring/starter-ruleset';

const decisionMaker = { role: 'VP Marketing', industry: 'SaaS', teamSize: 120, budget: 50_000, country: 'ID' };

let sequence = 0;
const event = (type: string, occurredAt: string, properties: Record<string, unknown> = {}): ScoredEvent => ({
  id: `evt-${(sequence += 1)}`,
  type,
  occurredAt,
  properties,
});
const pageView = (path: string, at: string, secondsOnPage = 10) =>
  event('page_view', at, { url: `https://example.com${path}`, secondsOnPage });

const applyEvent = (state: Parameters<typeof apply>[0], next: ScoredEvent, lead: Record<string, unknown>, ruleset = starterRuleset) =>
  apply(state, { event: next, lead }, ruleset);

/** Applies events one at a time, in the order given, as the scoring consumer does. */
function applyAll(events: readonly ScoredEvent[], lead: Record<string, unknown>) {
  let state: Parameters<typeof apply>[0];
  const qualifications: number[] = [];
  for (const next of events) {
    const change = applyEvent(state, next, lead);
    state = change.state;
    if (change.qualified) qualifications.push(change.qualified.qualification);
  }
  if (!state) throw new Error('no events');
  return { state, qualifications };
}

describe('starter ruleset', () => {
  it('is a valid ruleset', () => {
    expect(Ruleset.safeParse(starterRuleset).success).toBe(true);
  });
});

describe('apply', () => {
  it('computes fit and grade from who the lead is', () => {
    const { state } = applyEvent(undefined, event('chat_message', '2026-11-01T10:00:00Z'), decisionMaker, starterRuleset);
    expect(state.fit).toBe(65); // decision maker 20 + industry 15 + team size 15 + budget 15
    expect(state.grade).toBe('A');
    // The state stores what events earned; the fit rules are evaluated from the lead whenever the score is read.
    expect(Object.keys(state.tallies)).toEqual(['chat-conversation']);
    expect(Object.keys(scoreAt(state, decisionMaker, starterRuleset, state.engagementAt).tallies).sort()).toEqual(['adequate-budget', 'chat-conversation', 'decision-maker', 'high-value-industry', 'persona-team-size']);
  });

  it('applies reducers: junior role, unserved market, tiny team', () => {
    const { state } = applyEvent(undefined, event('chat_message', '2026-11-01T10:00:00Z'), { role: 'Intern (marketing)', country: 'BR', teamSize: 2 }, starterRuleset);
    expect(state.fit).toBe(-15 - 30 - 10);
    expect(state.grade).toBe('F');
  });

  it('honours caps per period: the fourth pricing view in a calendar week scores nothing, the next week it scores again', () => {
    // 2026-11-09 is a Monday.
    const views = ['10', '11', '12', '13'].map((day) => pageView('/pricing', `2026-11-${day}T10:00:00Z`));
    const { state } = applyAll(views, {});
    expect(state.tallies['pricing-page']).toMatchObject({ points: 30, times: 3 });
    const later = applyEvent(state, pageView('/pricing', '2026-11-16T10:00:00Z'), {});
    expect(later.hits).toContain('pricing-page');
  });

  it('decays engagement with the half-life, on read, with no job', () => {
    const { state } = applyEvent(undefined, event('webinar_registration', '2026-11-01T00:00:00Z'), {}, starterRuleset);
    expect(state.engagement).toBe(15);
    const twoWeeksLater = scoreAt(state, {}, starterRuleset, '2026-11-15T00:00:00Z');
    expect(twoWeeksLater.tallies['webinar-registration']?.value).toBeCloseTo(15 * 0.5 ** (14 / 30), 10);
    const aMonthLater = scoreAt(state, {}, starterRuleset, '2026-12-01T00:00:00Z');
    expect(aMonthLater.tallies['webinar-registration']?.value).toBeCloseTo(7.5, 10);
    // A month without activity also brings in the inactivity reducer.
    expect(aMonthLater.tallies['inactive-30-days']?.value).toBe(-10);
    expect(aMonthLater.engagement).toBeCloseTo(-2.5, 10);
  });

  it('qualifies once when score and grade pass, not again while hovering at the threshold', () => {
    const events = [
      pageView('/demo', '2026-11-01T10:00:00Z'),
      pageView('/pricing', '2026-11-01T10:01:00Z'),
      event('webinar_registration', '2026-11-01T10:02:00Z'),
      pageView('/pricing', '2026-11-01T10:03:00Z'),
      pageView('/features/scoring', '2026-11-01T10:04:00Z'),
      pageView('/features/segments', '2026-11-01T10:05:00Z'),
    ];
    const { state, qualifications } = applyAll(events, decisionMaker);
    expect(state.total).toBeGreaterThanOrEqual(100);
    expect(qualifications).toEqual([1]);
    expect(state.qualified).toBe(true);
  });

  it('does not re-alert a lead hovering around the threshold (hysteresis)', () => {
    const gradeB = { role: 'VP Sales', industry: 'SaaS', teamSize: 120 };
    const first = applyAll(
      [
        pageView('/demo', '2026-11-01T10:00:00Z'),
        pageView('/demo', '2026-11-01T10:01:00Z'),
        event('webinar_registration', '2026-11-01T10:02:00Z'),
        event('form_submission', '2026-11-01T10:03:00Z'),
      ],
      gradeB,
    );
    expect(first.qualifications).toEqual([1]);
    // Two weeks of quiet take the score below 100 but not below the recycle score of 70 ...
    const dipped = applyEvent(first.state, event('chat_message', '2026-11-15T10:00:00Z'), gradeB, starterRuleset).state;
    expect(dipped.total).toBeLessThan(100);
    expect(dipped.qualified).toBe(true);
    // ... and new activity lifts it over 100 again: still the same qualification, no new alert.
    const back = applyEvent(dipped, pageView('/pricing', '2026-11-15T10:01:00Z'), gradeB, starterRuleset);
    expect(back.state.total).toBeGreaterThanOrEqual(100);
    expect(back.qualified).toBeUndefined();
    expect(back.state.qualifications).toBe(1);
  });

  it('does not qualify a high score with a poor grade', () => {
    const events = ['01', '02', '03'].flatMap((day) => [
      pageView('/demo', `2026-11-${day}T10:00:00Z`),
      pageView('/pricing', `2026-11-${day}T10:01:00Z`),
      event('webinar_registration', `2026-11-${day}T10:02:00Z`),
      event('content_download', `2026-11-${day}T10:03:00Z`),
    ]);
    const { state, qualifications } = applyAll(events, { role: 'Student' });
    expect(state.total).toBeGreaterThan(100);
    expect(state.grade).toBe('F');
    expect(qualifications).toEqual([]);
  });

  it('recycles a lead that decays below the recycle score and qualifies it again as a new qualification', () => {
    const burst = (month: string) => [
      pageView('/demo', `2026-${month}-01T10:00:00Z`),
      pageView('/demo', `2026-${month}-01T10:01:00Z`),
      pageView('/pricing', `2026-${month}-01T10:02:00Z`),
      pageView('/pricing', `2026-${month}-01T10:03:00Z`),
      event('webinar_registration', `2026-${month}-01T10:04:00Z`),
    ];
    // Three months of silence decay engagement far below the recycle score; a chat then re-evaluates it.
    const gradeB = { role: 'VP Sales', industry: 'SaaS', teamSize: 120 };
    const { state, qualifications } = applyAll(
      [...burst('01'), event('chat_message', '2026-04-01T10:00:00Z'), ...burst('04')],
      gradeB,
    );
    expect(qualifications).toEqual([1, 2]);
    expect(state.qualifications).toBe(2);
  });
});

describe('rule ids that name Object.prototype members', () => {
  it('scores a rule with id `constructor` like any other: its first hit counts its points once', () => {
    const ruleset = Ruleset.parse({
      ...starterRuleset,
      version: 'proto-1',
      rules: [{ id: 'constructor', description: 'Any page view', score: 'engagement', when: { event: { type: ['page_view'] } }, points: 7, cap: { max: 1 } }],
    });
    const first = applyEvent(undefined, pageView('/a', '2026-11-01T10:00:00Z'), decisionMaker, ruleset).state;
    expect(first.engagement).toBe(7);
    expect(Object.hasOwn(first.tallies, 'constructor') && first.tallies['constructor']?.times).toBe(1);
    const second = applyEvent(first, pageView('/b', '2026-11-01T10:01:00Z'), decisionMaker, ruleset).state;
    expect(second.engagement).toBeCloseTo(7, 2);
  });

  it('leaves a `constructor` fit rule that does not match out of the fit score, instead of making it NaN', () => {
    const ruleset = Ruleset.parse({
      ...starterRuleset,
      version: 'proto-2',
      rules: [
        { id: 'constructor', description: 'Builders', score: 'fit', when: { lead: { industry: ['Construction'] } }, points: 10 },
        { id: 'any-page', description: 'Any page view', score: 'engagement', when: { event: { type: ['page_view'] } }, points: 5 },
      ],
    });
    const { state } = applyEvent(undefined, pageView('/a', '2026-11-01T10:00:00Z'), decisionMaker, ruleset);
    expect(state.fit).toBe(0);
    expect(state.total).toBe(5);
  });
});

describe('an event that arrives later than the late-event window (LeadScore.addHit)', () => {
  // 2026-11-02 is a Monday; weeks are the pricing rule's cap periods. The latest event is in week 4.
  const week = (n: number, day = 1) => new Date(Date.UTC(2026, 10, 2 + 7 * (n - 1) + day, 10)).toISOString();
  const download = (at: string) => event('content_download', at);
  const scored = (events: readonly ScoredEvent[]) => applyAll(events, {}).state;
  const late = (state: Parameters<typeof apply>[0], next: ScoredEvent) => applyEvent(state, next, {});

  it('is not counted by a rule capped per period once the rule has let events of that period go', () => {
    const state = scored([1, 2, 3, 4].map((n) => pageView('/pricing', week(n))));
    const change = late(state, pageView('/pricing', week(1, 2)));
    expect(change.hits).not.toContain('pricing-page');
    expect(change.state.tallies['pricing-page']).toMatchObject({ points: 40, times: 4 });
    // Rescoring replays the history in time order, where it counts (week 1 had room).
    expect(replay([...[1, 2, 3, 4].map((n) => pageView('/pricing', week(n))), pageView('/pricing', week(1, 2))], {}, starterRuleset).state?.tallies['pricing-page']?.times).toBe(5);
  });

  it('is weighed exactly by a rule that still keeps every event it counted', () => {
    const state = scored([pageView('/features/a', week(1)), pageView('/demo', week(4))]);
    const change = late(state, pageView('/demo', week(1, 2)));
    expect(change.hits).toContain('demo-page');
    expect(change.state.tallies['demo-page']).toMatchObject({ points: 30, times: 2 });
  });

  it('is counted by a rule capped for life while it has room, and not once it is full', () => {
    const three = scored([download(week(2)), download(week(3)), download(week(4)), event('chat_message', week(6))]);
    const withRoom = late(three, download(week(1)));
    expect(withRoom.hits).toContain('content-download');
    expect(withRoom.state.tallies['content-download']).toMatchObject({ points: 40, times: 4 });

    const five = scored([1, 2, 3, 4, 5].map((n) => download(week(n, 2))).concat(event('chat_message', week(7))));
    const full = late(five, download(week(1)));
    expect(full.hits).not.toContain('content-download');
    expect(full.state.tallies['content-download']).toMatchObject({ points: 50, times: 5 });
  });

  it('counts an old history scored in time order, as a visitor who identifies has it scored, as a replay does', () => {
    const form = event('form_submission', week(10));
    const visits = [1, 2, 3, 4, 5].flatMap((n) => [pageView('/pricing', week(n, 1)), pageView('/pricing', week(n, 2)), event('content_download', week(n, 3))]);
    const live = visits.reduce((state, visit) => late(state, visit).state, applyEvent(undefined, form, {}).state);
    const replayed = replay([form, ...visits], {}, starterRuleset).state;
    expect(live.tallies['pricing-page']).toMatchObject({ points: 100, times: 10 });
    expect(live.tallies['content-download']).toMatchObject({ points: 50, times: 5 });
    expect(live.engagement).toBeCloseTo(replayed?.engagement ?? 0, 9);
  });

  it('is counted by a rule without a cap, as every event is', () => {
    const ruleset = Ruleset.parse({
      ...starterRuleset,
      version: 'uncapped-1',
      rules: [{ id: 'any-page', description: 'Any page view', score: 'engagement', when: { event: { type: ['page_view'] } }, points: 2 }],
    });
    let state: Parameters<typeof apply>[0];
    for (const n of [1, 2, 3, 4]) state = applyEvent(state, pageView('/a', week(n)), {}, ruleset).state;
    const change = applyEvent(state, pageView('/b', week(1, 2)), {}, ruleset);
    expect(change.state.tallies['any-page']).toMatchObject({ points: 10, times: 5 });
  });
});
