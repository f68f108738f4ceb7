import { describe, expect, it } from 'vitest';
import { feedbackTarget } from '../../src/domain/handoff/feedback';
import { ALLOWED_TRANSITIONS, currentStage, LIFECYCLE_STAGES, stageEntry, transition, type EntryStage, type LifecycleStage } from '../../src/domain/handoff/lifecycle';
import { DEFAULT_SALES_REASONS, SalesReasons } from '../../src/domain/handoff/reasons';
import { addMonths, handoffReport, monthsBefore, monthsBetween, type ReportedTransition } from '../../src/domain/handoff/report';
import { apply, rescore, scoreAt, type ScoredEvent } from '../../src/domain/scoring/engine';
import { recycledScore } from '../../src/domain/scoring/recycle';
import { starterRuleset } from '../../src/domain/scoring/starter-ruleset';

const at = '2026-11-20T10:00:00.000Z';

describe('lifecycle transitions', () => {
  it('allows the moves of a sales process', () => {
    const allowed: [LifecycleStage, LifecycleStage][] = [
      ['lead', 'mql'],
      ['subscriber', 'mql'],
      ['mql', 'sql'],
      ['mql', 'recycled'],
      ['sql', 'opportunity'],
      ['opportunity', 'customer'],
      ['opportunity', 'recycled'],
      ['opportunity', 'disqualified'],
      ['recycled', 'mql'],
    ];
    for (const [from, to] of allowed) {
      const result = transition(from, to, 'crm', 'rep-1', at, 'note');
      expect(result, `${from} -> ${to}`).toEqual({ ok: true, transition: { from, to, cause: 'crm', actor: 'rep-1', at, reason: 'note' } });
    }
  });

  it('lets a person disqualify a lead from any other stage', () => {
    for (const from of LIFECYCLE_STAGES.filter((stage) => stage !== 'disqualified')) {
      expect(transition(from, 'disqualified', 'disqualified', 'rep-1', at).ok, from).toBe(true);
    }
  });

  it('refuses skipping the sales stages and staying put, naming every stage allowed from where the lead is', () => {
    const refused: [LifecycleStage, LifecycleStage][] = [
      ['lead', 'sql'],
      ['lead', 'customer'],
      ['mql', 'customer'],
      ['sql', 'customer'],
      ['mql', 'mql'],
      ['customer', 'mql'],
      ['disqualified', 'mql'],
    ];
    for (const [from, to] of refused) {
      const result = transition(from, to, 'crm', 'rep-1', at);
      if (result.ok) throw new Error(`${from} -> ${to} was allowed`);
      expect(result.allowed).toEqual(ALLOWED_TRANSITIONS[from]);
      expect(result.message).toContain(from);
      for (const stage of ALLOWED_TRANSITIONS[from]) expect(result.message).toContain(stage);
    }
  });

  it('gives every stage somewhere to go, and never the stage itself', () => {
    for (const stage of LIFECYCLE_STAGES) {
      expect(ALLOWED_TRANSITIONS[stage].length).toBeGreaterThan(0);
      expect(ALLOWED_TRANSITIONS[stage]).not.toContain(stage);
    }
  });

  it('starts a lead from a form at lead and one from a subscription only at subscriber', () => {
    expect(currentStage({ firstTouch: { at, formId: 'contact' }, lastTouch: { at, formId: 'contact' } })).toBe('lead');
    expect(currentStage({ firstTouch: { at }, lastTouch: { at } })).toBe('subscriber');
    expect(currentStage({ firstTouch: { at }, lastTouch: { at, formId: 'demo' } })).toBe('lead');
    expect(currentStage({ stage: 'sql', firstTouch: { at }, lastTouch: { at } })).toBe('sql');
  });
});

describe('sales feedback', () => {
  it('maps each action to its stage; lost for a "never" reason disqualifies', () => {
    expect(feedbackTarget('accept', undefined, DEFAULT_SALES_REASONS)).toEqual({ ok: true, to: 'sql', cause: 'accepted' });
    expect(feedbackTarget('reject', 'no_budget', DEFAULT_SALES_REASONS)).toEqual({ ok: true, to: 'recycled', cause: 'rejected' });
    expect(feedbackTarget('won', 'product_fit', DEFAULT_SALES_REASONS)).toEqual({ ok: true, to: 'customer', cause: 'won' });
    expect(feedbackTarget('lost', 'competitor', DEFAULT_SALES_REASONS)).toEqual({ ok: true, to: 'recycled', cause: 'lost' });
    expect(feedbackTarget('lost', 'not_a_fit', DEFAULT_SALES_REASONS)).toEqual({ ok: true, to: 'disqualified', cause: 'lost' });
    expect(feedbackTarget('disqualify', 'spam', DEFAULT_SALES_REASONS)).toEqual({ ok: true, to: 'disqualified', cause: 'disqualified' });
  });

  it('refuses a reason that is not on the list, listing the allowed ones', () => {
    const result = feedbackTarget('reject', 'too_busy', DEFAULT_SALES_REASONS);
    if (result.ok) throw new Error('an unknown reason was accepted');
    expect(result.allowedReasons).toEqual(DEFAULT_SALES_REASONS.reject.map((reason) => reason.code));
    expect(result.message).toContain('not_decision_maker');
    // A won reason is not a reject reason.
    expect(feedbackTarget('reject', 'product_fit', DEFAULT_SALES_REASONS).ok).toBe(false);
  });

  it('follows a team\'s own lists', () => {
    const own = { ...DEFAULT_SALES_REASONS, reject: [{ code: 'too_busy', label: 'Too busy' }] };
    expect(feedbackTarget('reject', 'too_busy', own).ok).toBe(true);
    expect(feedbackTarget('reject', 'no_budget', own).ok).toBe(false);
  });

  it('validates reason lists: codes, duplicates, empty lists', () => {
    expect(SalesReasons.safeParse(DEFAULT_SALES_REASONS).success).toBe(true);
    const duplicated = SalesReasons.safeParse({ ...DEFAULT_SALES_REASONS, won: [{ code: 'price', label: 'a' }, { code: 'price', label: 'b' }] });
    expect(duplicated.error?.issues[0]?.path).toEqual(['won', 1, 'code']);
    expect(SalesReasons.safeParse({ ...DEFAULT_SALES_REASONS, lost: [] }).error?.issues[0]?.path).toEqual(['lost']);
    expect(SalesReasons.safeParse({ ...DEFAULT_SALES_REASONS, reject: [{ code: 'No Budget', label: 'x' }] }).error?.issues[0]?.path).toEqual(['reject', 0, 'code']);
  });
});

describe('recycledScore', () => {
  const decisionMaker = { role: 'VP Marketing', industry: 'SaaS', teamSize: 120, budget: 50_000, country: 'ID' };
  let sequence = 0;
  const view = (path: string, occurredAt: string): ScoredEvent => ({ id: `evt-${(sequence += 1)}`, type: 'page_view', occurredAt, properties: { url: `https://example.com${path}`, secondsOnPage: 10 } });
  const webinar = (occurredAt: string): ScoredEvent => ({ id: `evt-${(sequence += 1)}`, type: 'webinar_registration', occurredAt, properties: {} });
  const qualifyingBurst = (day: string) => [
    view('/demo', `${day}T10:00:00.000Z`),
    view('/pricing', `${day}T10:01:00.000Z`),
    webinar(`${day}T10:02:00.000Z`),
    view('/pricing', `${day}T10:03:00.000Z`),
    view('/features/scoring', `${day}T10:04:00.000Z`),
    view('/features/segments', `${day}T10:05:00.000Z`),
  ];
  const applyAll = (start: Parameters<typeof apply>[0], events: readonly ScoredEvent[]) => {
    let state = start;
    const qualifications: number[] = [];
    for (const event of events) {
      const change = apply(state, { event, lead: decisionMaker }, starterRuleset);
      state = change.state;
      if (change.qualified) qualifications.push(change.qualified.qualification);
    }
    if (!state) throw new Error('no events');
    return { state, qualifications };
  };

  it('keeps fit and the grade, clears engagement and the qualified flag', () => {
    const { state } = applyAll(undefined, qualifyingBurst('2026-11-01'));
    expect(state.qualified).toBe(true);
    expect(state.engagement).toBeGreaterThan(0);
    const recycled = recycledScore(state, '2026-11-02T09:00:00.000Z');
    expect(recycled.fit).toBe(state.fit);
    expect(recycled.grade).toBe(state.grade);
    expect(recycled.engagement).toBe(0);
    expect(recycled.total).toBe(state.fit);
    expect(recycled.qualified).toBe(false);
    expect(recycled.qualifiedAt).toBeUndefined();
    expect(recycled.qualifications).toBe(1);
    // No event rule's tally is left; the ledger still explains the fit the lead keeps.
    expect(Object.keys(recycled.tallies)).toEqual([]);
    const ledger = Object.values(scoreAt(recycled, decisionMaker, starterRuleset, '2026-11-02T09:00:00.000Z').tallies);
    expect(ledger.length).toBeGreaterThan(0);
    expect(ledger.filter((line) => line.kind === 'event')).toEqual([]);
    expect(ledger.some((line) => line.score === 'fit' && line.kind === 'profile')).toBe(true);
  });

  it('makes the lead earn a new qualification, with a new number', () => {
    const { state } = applyAll(undefined, qualifyingBurst('2026-11-01'));
    const recycled = recycledScore(state, '2026-11-02T09:00:00.000Z');
    // One pricing view right after the recycle is not enough: the old engagement is gone.
    const little = applyAll(recycled, [view('/pricing', '2026-11-02T10:00:00.000Z')]);
    expect(little.qualifications).toEqual([]);
    expect(little.state.total).toBeLessThan(100);
    // Earning it again is a second qualification (a new alert key).
    const again = applyAll(little.state, qualifyingBurst('2026-11-03'));
    expect(again.qualifications).toEqual([2]);
  });

  it('ignores an event from before the recycle that arrives late', () => {
    const { state } = applyAll(undefined, qualifyingBurst('2026-11-01'));
    const recycled = recycledScore(state, '2026-11-02T09:00:00.000Z');
    const late = applyAll(recycled, [view('/demo', '2026-11-01T11:00:00.000Z')]);
    expect(late.state.engagement).toBe(0);
    expect(late.state.engagementSince).toBe('2026-11-02T09:00:00.000Z');
  });

  it('keeps the engagement it lost when a new ruleset replays the history', () => {
    const history = qualifyingBurst('2026-11-01');
    const { state } = applyAll(undefined, history);
    const recycled = recycledScore(state, '2026-11-02T09:00:00.000Z');
    const nextRuleset = { ...starterRuleset, version: 'next-1' };
    const replayed = rescore(recycled, history, decisionMaker, nextRuleset, '2026-11-02T10:00:00.000Z');
    expect(replayed?.qualified).toBeUndefined();
    expect(replayed?.state).toMatchObject({ rulesetVersion: 'next-1', engagement: 0, qualified: false, qualifications: 1, engagementSince: '2026-11-02T09:00:00.000Z' });
    // Events after the recycle still count in the replay.
    const later = [...history, view('/pricing', '2026-11-02T11:00:00.000Z')];
    expect(rescore(recycled, later, decisionMaker, nextRuleset, '2026-11-02T12:00:00.000Z')?.state.engagement).toBeGreaterThan(0);
  });
});

describe('handoff report', () => {
  const change = (leadId: string, from: LifecycleStage, to: LifecycleStage, when: string, extra: Partial<ReportedTransition> = {}): ReportedTransition => ({
    leadId,
    from,
    to,
    at: when,
    cause: to === 'mql' ? 'qualified' : to === 'sql' ? 'accepted' : 'crm',
    actor: 'rep-1',
    leadCreatedAt: '2026-10-01T00:00:00.000Z',
    ...extra,
  }) as ReportedTransition;
  const entry = (leadId: string, to: EntryStage, when: string): ReportedTransition => ({ ...stageEntry(to, when), leadId, leadCreatedAt: when });

  const transitions = [
    entry('a', 'lead', '2026-10-01T00:00:00.000Z'),
    entry('b', 'lead', '2026-10-01T00:00:00.000Z'),
    entry('c', 'subscriber', '2026-10-01T00:00:00.000Z'),
    entry('e', 'lead', '2026-11-25T00:00:00.000Z'),
    change('a', 'lead', 'mql', '2026-10-03T00:00:00.000Z'),
    change('b', 'lead', 'mql', '2026-10-11T00:00:00.000Z'),
    change('c', 'subscriber', 'mql', '2026-11-01T00:00:00.000Z'),
    // d reached sql before the window and re-qualifies in it: its old sql is no conversion of the new entry.
    change('d', 'mql', 'sql', '2026-09-15T00:00:00.000Z'),
    change('d', 'recycled', 'mql', '2026-11-02T00:00:00.000Z'),
    change('a', 'mql', 'sql', '2026-10-05T00:00:00.000Z'),
    change('b', 'mql', 'recycled', '2026-10-12T00:00:00.000Z', { cause: 'rejected', reason: 'no_budget' }),
    change('c', 'mql', 'sql', '2026-11-03T00:00:00.000Z'),
    change('a', 'sql', 'opportunity', '2026-10-20T00:00:00.000Z'),
    change('a', 'opportunity', 'customer', '2026-11-10T00:00:00.000Z', { cause: 'won', reason: 'product_fit', deal: { amount: 1200, currency: 'USD' } }),
    change('c', 'sql', 'opportunity', '2026-11-11T00:00:00.000Z'),
    change('c', 'opportunity', 'recycled', '2026-11-20T00:00:00.000Z', { cause: 'lost', reason: 'price', deal: { amount: 500.5, currency: 'USD' } }),
    // After the window: out of the counts, but e's November cohort converted.
    change('e', 'lead', 'mql', '2026-12-01T00:00:00.000Z'),
  ];

  it('counts the leads entering each stage per month, entries at creation included', () => {
    const report = handoffReport(transitions, ['2026-10', '2026-11'], '2027-06-01T00:00:00.000Z');
    expect(report.funnel).toEqual([
      { month: '2026-10', entered: { subscriber: 1, lead: 2, mql: 2, sql: 1, opportunity: 1, customer: 0, disqualified: 0, recycled: 1, churned: 0 } },
      { month: '2026-11', entered: { subscriber: 0, lead: 1, mql: 2, sql: 1, opportunity: 1, customer: 1, disqualified: 0, recycled: 1, churned: 0 } },
    ]);
  });

  it('converts cohorts by the month they entered a stage, counting later conversions and skipped stages', () => {
    const conversion = Object.fromEntries(handoffReport(transitions, ['2026-10', '2026-11'], '2027-06-01T00:00:00.000Z').conversion.map((line) => [line.from, line]));
    // c went from subscriber straight to mql: past lead counts as converted.
    expect(conversion.subscriber).toEqual({
      from: 'subscriber', to: 'lead', entered: 1, converted: 1, ratePercent: 100,
      byMonth: [{ month: '2026-10', entered: 1, converted: 1, ratePercent: 100 }, { month: '2026-11', entered: 0, converted: 0, ratePercent: null }],
    });
    expect(conversion.lead?.byMonth).toEqual([{ month: '2026-10', entered: 2, converted: 2, ratePercent: 100 }, { month: '2026-11', entered: 1, converted: 1, ratePercent: 100 }]);
    expect(conversion.mql).toMatchObject({ entered: 4, converted: 2, ratePercent: 50 });
    // a entered opportunity in October and won in November: October's cohort converted.
    expect(conversion.opportunity?.byMonth).toEqual([{ month: '2026-10', entered: 1, converted: 1, ratePercent: 100 }, { month: '2026-11', entered: 1, converted: 0, ratePercent: 0 }]);
  });

  it('measures time to first MQL, acceptance and reasons inside the window only', () => {
    const report = handoffReport(transitions, ['2026-10', '2026-11'], '2027-06-01T00:00:00.000Z');
    // First MQLs only (a, b, c after 2, 10 and 31 days); d re-qualified from recycled; e is after the window.
    expect(report.timeToMql).toEqual({ leads: 3, medianDays: 10, p90Days: 31 });
    expect(report.mqlAcceptance).toEqual({ accepted: 2, rejected: 1, ratePercent: 66.67 });
    expect(report.won).toEqual([{ reason: 'product_fit', count: 1, amounts: { USD: 1200 } }]);
    expect(report.lost).toEqual([{ reason: 'price', count: 1, amounts: { USD: 500.5 } }]);
  });

  it('says nothing rather than dividing by zero', () => {
    const report = handoffReport([], ['2026-11'], '2027-06-01T00:00:00.000Z');
    expect(report.mqlAcceptance.ratePercent).toBeNull();
    expect(report.timeToMql).toEqual({ leads: 0, medianDays: null, p90Days: null });
    expect(report.conversion.every((line) => line.ratePercent === null)).toBe(true);
  });

  it('walks months across a year end', () => {
    expect(monthsBetween('2025-11', '2026-02')).toEqual(['2025-11', '2025-12', '2026-01', '2026-02']);
    expect(monthsBefore('2026-02', 6)).toBe('2025-09');
    expect(addMonths('2026-11', 12)).toBe('2027-11');
    expect(addMonths('2026-01', -1)).toBe('2025-12');
  });
});
