import { describe, expect, it } from 'vitest';
import { Backtest } from '../../shared/domain/scoring/backtest';
import { replay, type ScoredEvent } from '../../shared/domain/scoring/engine';
import type { Ruleset } from '../../shared/domain/scoring/ruleset';
import { starterRuleset } from '../../shared/domain/scoring/starter-ruleset';

const window = { from: '2026-11-02T00:00:00.000Z', to: '2026-11-16T00:00:00.000Z' };
const lowerBar: Ruleset = { ...starterRuleset, version: 'lower-bar', mql: { minScore: 80, minGrade: 'B', recycleBelowScore: 60 } };
const noWebinars: Ruleset = { ...starterRuleset, version: 'no-webinars', rules: starterRuleset.rules.filter((rule) => rule.id !== 'webinar-registration') };

const at = (day: number, minute = 0) => new Date(Date.UTC(2026, 10, day, 10, minute)).toISOString();
const events = (...specs: [string, number, Record<string, unknown>?][]): ScoredEvent[] =>
  specs.map(([type, day, properties], index) => ({ id: `e${day}-${index}`, type, occurredAt: at(day, index), properties: properties ?? {} }));

const ceo = { role: 'CEO', industry: 'SaaS', teamSize: 120, budget: 50_000, country: 'ID' };
const vp = { role: 'VP Sales', industry: 'SaaS', teamSize: 120, country: 'ID' };
const histories = [
  { id: 'ada', lead: ceo, events: events(['form_submission', 3], ['page_view', 3, { url: 'https://x.io/demo' }], ['webinar_registration', 4]) },
  { id: 'bo', lead: vp, events: events(['form_submission', 10], ['webinar_registration', 10], ['page_view', 11, { url: 'https://x.io/pricing' }]) },
  { id: 'cy', lead: { role: 'Intern', country: 'BR' }, events: events(['page_view', 5, { url: 'https://x.io/blog' }]) },
  // Entirely outside the window: not part of the back-test.
  { id: 'old', lead: ceo, events: events(['webinar_registration', 1]) },
];

function run(draft: Ruleset, active: Ruleset) {
  const backtest = new Backtest(draft, active, window);
  for (const history of histories) backtest.addLead(history.id, history.lead, history.events);
  return backtest.report();
}

describe('Backtest', () => {
  it('reports MQLs, who would newly qualify, and the score histogram beside the active ruleset', () => {
    const report = run(lowerBar, starterRuleset);
    expect(report).toMatchObject({ leads: 3, events: 7 });
    expect(report.active.mqls).toBe(1);
    expect(report.draft.mqls).toBe(2);
    expect(report.newlyQualified).toEqual({ leads: 1, leadIds: ['bo'] });
    expect(report.droppedOut).toEqual({ leads: 0, leadIds: [] });
    expect(report.draft.histogram.reduce((sum, bucket) => sum + bucket.leads, 0)).toBe(3);
    expect(report.draft.mqlsPerWeek).toEqual([{ week: '2026-11-02', mqls: 1 }, { week: '2026-11-09', mqls: 1 }]);
  });

  it('names the rules that moved the most points and who drops out', () => {
    const report = run(noWebinars, starterRuleset);
    expect(report.droppedOut.leadIds).toEqual(['ada']);
    expect(report.ruleMovers[0]).toMatchObject({ ruleId: 'webinar-registration', draftPoints: 0, activePoints: 30, delta: -30 });
  });

  it('computes its figures with the live engine', () => {
    const ada = histories[0];
    if (!ada) throw new Error('fixture');
    const live = replay(ada.events, ada.lead, starterRuleset);
    expect(run(starterRuleset, starterRuleset).active.mqls).toBe(live.qualifications.length);
  });
});
