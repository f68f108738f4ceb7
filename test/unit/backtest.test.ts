import { describe, expect, it } from 'vitest';
import { formatBacktest } from '../../cli/commands/rules';
import type { RecordedEvent } from '../../src/app/lead-scoring';
import { runBacktest, type BacktestHistory } from '../../src/app/backtest-runner';
import { scoringView, type Lead } from '../../src/domain/lead';
import { Backtest, type LeadOutcome } from '../../src/domain/scoring/backtest';
import { replay, type ScoredEvent } from '../../src/domain/scoring/engine';
import type { Ruleset } from '../../src/domain/scoring/ruleset';
import { starterRuleset } from '../../src/domain/scoring/starter-ruleset';

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

  describe('with sales outcomes and routing', () => {
    // Ada qualifies on 4 Nov under both; Bo only under the lower bar, on 11 Nov.
    const outcomes: Record<string, LeadOutcome> = {
      ada: { wonAt: at(20), route: { teamId: 'apac' } },
      bo: { wonAt: at(25), route: { teamId: 'apac' } },
      // Cy never qualifies: a win neither ruleset caught.
      cy: { wonAt: at(12), route: { teamId: 'apac' } },
      // Won before the window opened: not a win the window could catch.
      old: { wonAt: at(1) },
    };
    const teams = new Map([['apac', ['ana', 'budi']], ['emea', []]]);
    const runWith = (draft: Ruleset, active: Ruleset, routes: Record<string, LeadOutcome> = outcomes) => {
      const backtest = new Backtest(draft, active, window, teams);
      for (const history of histories) backtest.addLead(history.id, history.lead, history.events, routes[history.id]);
      return backtest.report();
    };

    it('counts the leads won after the window opened that each ruleset would have caught before the win, and how many days before', () => {
      const report = runWith(lowerBar, starterRuleset);
      expect(report.active.closedWon).toEqual({ leads: 3, caught: 1, ratePercent: 33.33, medianDaysBeforeWin: expect.closeTo(16, 0) });
      expect(report.draft.closedWon).toMatchObject({ leads: 3, caught: 2, ratePercent: 66.67 });
      // Ada: 16 days before her win; Bo: 14 days before his. The nearest-rank median of two is the lower.
      expect(report.draft.closedWon.medianDaysBeforeWin).toBeCloseTo(14, 0);
    });

    it("hands the replayed alerts to the team's reps in turn, each lead keeping its first rep, with the busiest week", () => {
      const report = runWith(lowerBar, starterRuleset);
      expect(report.draft.alertLoad).toEqual({
        perRep: [
          { repId: 'ana', teamId: 'apac', alerts: 1, busiestWeek: { week: '2026-11-02', alerts: 1 } },
          { repId: 'budi', teamId: 'apac', alerts: 1, busiestWeek: { week: '2026-11-09', alerts: 1 } },
        ],
        teamInbox: [],
        unrouted: 0,
      });
      expect(report.active.alertLoad.perRep).toEqual([{ repId: 'ana', teamId: 'apac', alerts: 1, busiestWeek: { week: '2026-11-02', alerts: 1 } }]);
    });

    it('prints the catch and the load per rep beside each other in the CLI', () => {
      const text = formatBacktest(runWith(lowerBar, starterRuleset));
      expect(text).toMatch(/closed won caught\s+2 of 3\s+1 of 3/);
      expect(text).toMatch(/ana\s+1 \(1\)\s+1 \(1\)/);
      expect(text).toMatch(/budi\s+1 \(1\)\s+0/);
    });

    it('replays a recycle where sales made it: engagement resets there, and what came after earns a new qualification', () => {
      const recycled = events(['form_submission', 3], ['page_view', 3, { url: 'https://x.io/demo' }], ['webinar_registration', 4], ['page_view', 7, { url: 'https://x.io/demo' }], ['webinar_registration', 7], ['form_submission', 7]);
      const once = new Backtest(starterRuleset, starterRuleset, window, teams);
      once.addLead('ada', ceo, recycled);
      expect(once.report().active.mqlsPerWeek).toEqual([{ week: '2026-11-02', mqls: 1 }]);
      const twice = new Backtest(starterRuleset, starterRuleset, window, teams);
      twice.addLead('ada', ceo, recycled, { recycledAt: at(6) });
      expect(twice.report().active.mqlsPerWeek).toEqual([{ week: '2026-11-02', mqls: 2 }]);
      expect(replay(recycled, ceo, starterRuleset, at(6)).qualifications.map((qualification) => qualification.qualification)).toEqual([1, 2]);
    });

    it('sends a kept owner its leads, a team without reps to its inbox, and counts alerts with no routing as unrouted', () => {
      const report = runWith(lowerBar, starterRuleset, {
        ada: { route: { ownerRepId: 'budi', teamId: 'apac' } },
        bo: { route: { teamId: 'emea' } },
      });
      expect(report.draft.alertLoad).toEqual({ perRep: [{ repId: 'budi', teamId: 'apac', alerts: 1, busiestWeek: { week: '2026-11-02', alerts: 1 } }], teamInbox: [{ teamId: 'emea', alerts: 1 }], unrouted: 0 });
      expect(run(lowerBar, starterRuleset).draft.alertLoad).toEqual({ perRep: [], teamInbox: [], unrouted: 2 });
      expect(run(lowerBar, starterRuleset).draft.closedWon).toEqual({ leads: 0, caught: 0, ratePercent: null, medianDaysBeforeWin: null });
      // Ada was won before the window opened: no win the window could catch.
      expect(runWith(lowerBar, starterRuleset, { ada: { wonAt: at(1) } }).draft.closedWon).toMatchObject({ leads: 0, caught: 0 });
    });
  });
});

describe('runBacktest', () => {
  const stored: RecordedEvent[] = [
    ...histories.flatMap((history) => history.events.map((event) => ({ ...event, subject: { kind: 'lead' as const, id: history.id }, receivedAt: event.occurredAt, recordedAt: event.occurredAt }))),
    // At the window's edges, on the midnights between its days, and from a visitor who never identified.
    { id: 'edge-open', type: 'page_view', occurredAt: window.from, properties: { url: 'https://x.io/demo' }, subject: { kind: 'lead', id: 'cy' }, receivedAt: window.from, recordedAt: window.from },
    { id: 'edge-midnight', type: 'webinar_registration', occurredAt: '2026-11-10T00:00:00.000Z', properties: {}, subject: { kind: 'lead', id: 'cy' }, receivedAt: window.from, recordedAt: window.from },
    { id: 'edge-close', type: 'webinar_registration', occurredAt: window.to, properties: {}, subject: { kind: 'lead', id: 'ada' }, receivedAt: window.to, recordedAt: window.to },
    { id: 'anonymous', type: 'page_view', occurredAt: at(5), properties: {}, subject: { kind: 'anonymous', id: 'visitor-1' }, receivedAt: at(5), recordedAt: at(5) },
  ];
  const leads = histories.map(
    (history): Lead => ({ id: history.id, email: `${history.id}@example.com`, createdAt: at(1), updatedAt: at(1), firstTouch: { at: at(1), formId: 'demo' }, lastTouch: { at: at(1), formId: 'demo' }, subscriptions: {}, version: 1, ...history.lead }),
  );
  /**
   * Each lead's history as the store reads it: the events recorded since the window opened (less clock
   * skew), in recording order, with events of the lead outside the window among them; two leads a page.
   */
  const history: BacktestHistory = {
    async *leadHistories(asked) {
      const pages = leads.map((lead) => ({ lead, events: stored.filter((event) => event.subject.kind === 'lead' && event.subject.id === lead.id && event.occurredAt < asked.to).reverse() }));
      for (let index = 0; index < pages.length; index += 2) yield pages.slice(index, index + 2);
    },
  };

  // Every lead qualifies under it, so the leads it newly qualifies are listed in the order they were replayed.
  const anyone: Ruleset = { ...starterRuleset, version: 'anyone', mql: { minScore: -1000, minGrade: 'F', recycleBelowScore: -2000 } };

  it("replays each lead's events of the window in the order they happened, whatever order they were read in", async () => {
    const { report } = await runBacktest(history, anyone, starterRuleset, window);
    const expected = new Backtest(anyone, starterRuleset, window);
    const inWindow = stored.filter((event) => event.subject.kind === 'lead' && event.occurredAt >= window.from && event.occurredAt < window.to).sort((a, b) => `${a.occurredAt}#${a.id}`.localeCompare(`${b.occurredAt}#${b.id}`));
    for (const lead of leads) expected.addLead(lead.id, scoringView(lead), inWindow.filter((event) => event.subject.id === lead.id), {});
    expect(report).toEqual(expected.report());
    expect(report).toMatchObject({ leads: 3, events: 9 });
  });
});
