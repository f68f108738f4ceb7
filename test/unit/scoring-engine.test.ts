import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyEvent, currentScore, type ScoredEvent, type ScoreState } from '../../shared/domain/scoring/engine';
import { Ruleset } from '../../shared/domain/scoring/ruleset';
import { starterRuleset } from '../../shared/domain/scoring/starter-ruleset';

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

function replay(events: readonly ScoredEvent[], lead: Record<string, unknown>) {
  let state: ScoreState | undefined;
  const qualifications: number[] = [];
  for (const next of events) {
    const change = applyEvent(state, next, lead, starterRuleset);
    state = change.state;
    if (change.qualified) qualifications.push(change.qualified.qualification);
  }
  return { state: state as ScoreState, qualifications };
}

describe('starter ruleset', () => {
  it('is a valid ruleset', () => {
    expect(Ruleset.safeParse(starterRuleset).success).toBe(true);
  });
});

describe('applyEvent', () => {
  it('computes fit and grade from who the lead is', () => {
    const { state } = applyEvent(undefined, event('chat_message', '2026-11-01T10:00:00Z'), decisionMaker, starterRuleset);
    expect(state.fit).toBe(65); // decision maker 20 + industry 15 + team size 15 + budget 15
    expect(state.grade).toBe('A');
    expect(Object.keys(state.tallies).sort()).toEqual(['adequate-budget', 'chat-conversation', 'decision-maker', 'high-value-industry', 'persona-team-size']);
  });

  it('applies reducers: junior role, unserved market, tiny team', () => {
    const { state } = applyEvent(undefined, event('chat_message', '2026-11-01T10:00:00Z'), { role: 'Intern (marketing)', country: 'BR', teamSize: 2 }, starterRuleset);
    expect(state.fit).toBe(-15 - 30 - 10);
    expect(state.grade).toBe('F');
  });

  it('honours caps per period: the fourth pricing view in a week scores nothing, the next week it scores again', () => {
    const views = ['01', '02', '03', '04'].map((day) => pageView('/pricing', `2026-11-${day}T10:00:00Z`));
    const { state } = replay(views, {});
    expect(state.tallies['pricing-page']).toMatchObject({ points: 30, times: 3 });
    const later = applyEvent(state, pageView('/pricing', '2026-11-09T10:00:00Z'), {}, starterRuleset);
    expect(later.hits).toContain('pricing-page');
  });

  it('decays engagement with the half-life, on read, with no job', () => {
    const { state } = applyEvent(undefined, event('webinar_registration', '2026-11-01T00:00:00Z'), {}, starterRuleset);
    expect(state.engagement).toBe(15);
    expect(currentScore(state, '2026-12-01T00:00:00Z', starterRuleset).engagement).toBe(7.5);
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
    const { state, qualifications } = replay(events, decisionMaker);
    expect(state.total).toBeGreaterThanOrEqual(100);
    expect(qualifications).toEqual([1]);
    expect(state.qualified).toBe(true);
  });

  it('does not re-alert a lead hovering around the threshold (hysteresis)', () => {
    const gradeB = { role: 'VP Sales', industry: 'SaaS', teamSize: 120 };
    const first = replay(
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
    const { state, qualifications } = replay(events, { role: 'Student' });
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
    const { state, qualifications } = replay(
      [...burst('01'), event('chat_message', '2026-04-01T10:00:00Z'), ...burst('04')],
      gradeB,
    );
    expect(qualifications).toEqual([1, 2]);
    expect(state.qualifications).toBe(2);
  });

  it('gives the same score whatever order the events arrive in (decay and uncapped rules)', () => {
    const types = ['content_download', 'webinar_registration', 'form_submission', 'chat_message'] as const;
    const arbitraryEvent = fc.record({
      type: fc.constantFrom(...types),
      minute: fc.integer({ min: 0, max: 60 * 24 * 60 }),
    });
    fc.assert(
      fc.property(fc.array(arbitraryEvent, { maxLength: 12 }), fc.infiniteStream(fc.double({ min: 0, max: 1, noNaN: true })), (raw, noise) => {
        const events = raw.map(({ type, minute }, index) =>
          ({ id: `e${index}`, type, occurredAt: new Date(Date.UTC(2026, 0, 1) + minute * 60_000).toISOString(), properties: {} }),
        );
        // Caps make arrival order matter by design (the first N count), so compare uncapped histories.
        const uncapped = { ...starterRuleset, rules: starterRuleset.rules.map(({ cap: _cap, ...rule }) => rule) };
        const score = (ordered: ScoredEvent[]) =>
          ordered.reduce<ScoreState | undefined>((state, next) => applyEvent(state, next, decisionMaker, uncapped).state, undefined);
        const shuffled = [...events].sort(() => (noise.next().value < 0.5 ? -1 : 1));
        const inOrder = score([...events].sort((a, b) => a.occurredAt.localeCompare(b.occurredAt)));
        const arrived = score(shuffled);
        expect(arrived?.engagement ?? 0).toBeCloseTo(inOrder?.engagement ?? 0, 6);
      }),
      { numRuns: 200 },
    );
  });
});
