import { describe, expect, it } from 'vitest';
import { weekOf, weeklyCohorts } from '../../src/domain/handoff/cohorts';
import { stageEntry, type EntryStage, type LifecycleStage } from '../../src/domain/handoff/lifecycle';
import { handoffReport, type ReportedTransition } from '../../src/domain/handoff/report';

/** A time after every window below: all its weeks have begun. */
const AFTER = '2027-06-01T00:00:00.000Z';
const entry = (leadId: string, to: EntryStage, at: string): ReportedTransition => ({ ...stageEntry(to, at), leadId, leadCreatedAt: at });
const move = (leadId: string, createdAt: string, from: LifecycleStage, to: LifecycleStage, at: string): ReportedTransition =>
  ({ leadId, leadCreatedAt: createdAt, from, to, at, cause: to === 'mql' ? 'qualified' : to === 'sql' ? 'accepted' : to === 'customer' ? 'won' : 'crm', actor: 'rep-1' }) as ReportedTransition;

describe('cohort conversion by week created', () => {
  it('takes Monday (UTC) as the start of a week', () => {
    expect(weekOf('2026-11-02T00:00:00.000Z')).toBe('2026-11-02');
    expect(weekOf('2026-11-08T23:59:59.999Z')).toBe('2026-11-02');
    expect(weekOf('2026-11-01T12:00:00.000Z')).toBe('2026-10-26');
  });

  // November 2026 starts on a Sunday: its weeks start on 26 Oct, 2, 9, 16, 23 and 30 Nov.
  const monday = '2026-11-02T09:00:00.000Z';
  const wednesday = '2026-11-04T09:00:00.000Z';
  const nextWeek = '2026-11-10T09:00:00.000Z';
  const transitions = [
    // a: qualified after 2 days, accepted, later won (in December, past the window: it still counts).
    entry('a', 'lead', monday),
    move('a', monday, 'lead', 'mql', '2026-11-04T09:00:00.000Z'),
    move('a', monday, 'mql', 'sql', '2026-11-05T09:00:00.000Z'),
    move('a', monday, 'sql', 'opportunity', '2026-11-20T09:00:00.000Z'),
    move('a', monday, 'opportunity', 'customer', '2026-12-03T09:00:00.000Z'),
    // b: qualified after 4 days, rejected and recycled.
    entry('b', 'lead', wednesday),
    move('b', wednesday, 'lead', 'mql', '2026-11-08T09:00:00.000Z'),
    move('b', wednesday, 'mql', 'recycled', '2026-11-09T09:00:00.000Z'),
    // c: a subscriber who never qualified.
    entry('c', 'subscriber', wednesday),
    // d: created the next week, went straight to sql by a CRM update (skipping MQL counts as reaching it).
    entry('d', 'lead', nextWeek),
    move('d', nextWeek, 'lead', 'sql', '2026-11-11T09:00:00.000Z'),
    // e: created before the window; its conversion in it is no cohort's.
    move('e', '2026-10-20T00:00:00.000Z', 'lead', 'mql', '2026-11-03T00:00:00.000Z'),
  ];

  it('counts each week’s new leads and how many reached MQL, SQL and won since, with the median days to MQL', () => {
    const weeks = weeklyCohorts(transitions, ['2026-11'], AFTER);
    expect(weeks.map((week) => week.week)).toEqual(['2026-10-26', '2026-11-02', '2026-11-09', '2026-11-16', '2026-11-23', '2026-11-30']);
    expect(weeks[1]).toEqual({ week: '2026-11-02', created: 3, mql: 2, sql: 1, won: 1, mqlPercent: 66.67, sqlPercent: 33.33, wonPercent: 33.33, medianDaysToMql: 2 });
    expect(weeks[2]).toEqual({ week: '2026-11-09', created: 1, mql: 1, sql: 1, won: 0, mqlPercent: 100, sqlPercent: 100, wonPercent: 0, medianDaysToMql: null });
    expect(weeks[0]).toEqual({ week: '2026-10-26', created: 0, mql: 0, sql: 0, won: 0, mqlPercent: null, sqlPercent: null, wonPercent: null, medianDaysToMql: null });
  });

  it('ends at the current week: the weeks still to come of a window ending this month are no cohorts', () => {
    const weeks = weeklyCohorts(transitions, ['2026-11', '2026-12'], '2026-12-05T10:00:00.000Z');
    expect(weeks.map((week) => week.week)).toEqual(['2026-10-26', '2026-11-02', '2026-11-09', '2026-11-16', '2026-11-23', '2026-11-30']);
    expect(weeklyCohorts(transitions, ['2026-11', '2026-12'], '2026-12-07T00:00:00.000Z').at(-1)?.week).toBe('2026-12-07');
    expect(weeklyCohorts(transitions, ['2026-11'], '2026-10-01T00:00:00.000Z')).toEqual([]);
  });

  it('never counts more leads at a later milestone than at an earlier one', () => {
    for (const week of weeklyCohorts(transitions, ['2026-10', '2026-11', '2026-12'], AFTER)) {
      expect(week.mql).toBeLessThanOrEqual(week.created);
      expect(week.sql).toBeLessThanOrEqual(week.mql);
      expect(week.won).toBeLessThanOrEqual(week.sql);
    }
  });

  it('is part of the handoff report', () => {
    const report = handoffReport(transitions, ['2026-11'], AFTER);
    expect(report.cohorts).toEqual(weeklyCohorts(transitions, ['2026-11'], AFTER));
  });
});
