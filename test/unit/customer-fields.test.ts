import { describe, expect, it } from 'vitest';
import { Audience } from '../../src/app/audience';
import { assessCustomer } from '../../src/domain/care/assessment';
import { DEFAULT_RISK_FORMULA } from '../../src/domain/care/churn-risk';
import { CUSTOMER_FIELDS, DEFAULT_CARE_SETTINGS } from '../../src/domain/care/customer';
import type { Lifespan } from '../../src/domain/care/lifetime-value';
import type { Ticket } from '../../src/domain/care/tickets';
import { type Lead, scoringView } from '../../src/domain/lead';
import { matchesPattern } from '../../src/domain/pattern';
import { initialState, scoreAt } from '../../src/domain/scoring/engine';
import type { Ruleset } from '../../src/domain/scoring/ruleset';
import { validateRuleset } from '../../src/domain/scoring/validate';
import { segmentIssues } from '../../src/domain/segments/segment';

const NOW = '2026-11-24T12:00:00.000Z';
const daysAgo = (days: number) => new Date(Date.parse(NOW) - days * 86_400_000).toISOString();
const openTicket: Ticket = { ticketId: 'T-1', status: 'open', openedAt: daysAgo(2), updatedAt: daysAgo(1) };

const customer = (fields: Partial<Lead> = {}): Lead => ({
  id: 'lead-1',
  email: 'ana@example.com',
  createdAt: daysAgo(800),
  updatedAt: NOW,
  firstTouch: { at: daysAgo(800) },
  lastTouch: { at: daysAgo(800) },
  subscriptions: {},
  version: 1,
  stage: 'customer',
  purchases: { count: 4, total: 800, currency: 'USD', firstAt: daysAgo(730.5), lastAt: daysAgo(30) },
  care: {
    satisfaction: { nps: { surveyId: 'nps', kind: 'nps', sendId: 's', score: 3, category: 'detractor', answeredAt: daysAgo(3) } },
    tickets: [openTicket],
    lifespan: { years: 5, source: 'learned' },
  },
  ...fields,
});

/** "Detractors with an open ticket": the same condition as a fit rule (on `lead.customer`) and as a segment. */
const DETRACTOR_WITH_OPEN_TICKET = { npsCategory: ['detractor'], openTickets: [{ numeric: ['>', 0] }] };

const rulesetWith = (rules: readonly Record<string, unknown>[]) => ({
  version: 'care-1',
  halfLifeDays: 30,
  grades: { A: 60, B: 35, C: 15, D: 0 },
  mql: { minScore: 100, minGrade: 'B', recycleBelowScore: 70 },
  rules: rules.map((rule) => ({ description: `rule ${String(rule.id)}`, ...rule })),
});

describe('customer fields in scoring rules', () => {
  it('scores "detractors with an open ticket" as a fit rule on lead.customer, and stops once the ticket is solved', () => {
    const validation = validateRuleset(rulesetWith([{ id: 'unhappy-customer', score: 'fit', points: -25, when: { lead: { customer: DETRACTOR_WITH_OPEN_TICKET } } }]));
    expect(validation.issues).toEqual([]);
    const ruleset = validation.valid ? validation.ruleset : ({} as Ruleset);
    const fitOf = (lead: Lead) => scoreAt(initialState(ruleset, NOW), scoringView(lead), ruleset, NOW).fit;
    expect(fitOf(customer())).toBe(-25);
    expect(fitOf(customer({ care: { ...customer().care, tickets: [{ ...openTicket, status: 'solved', resolvedAt: daysAgo(1) }] } }))).toBe(0);
  });

  it('shows rules every customer field, projected lifetime value under the lifespan of the last assessment', () => {
    const view = scoringView(customer()).customer as Record<string, unknown>;
    // 200 a purchase x 2 purchases a year x the 5 learned years.
    expect(view).toMatchObject({ latestNps: 3, npsCategory: 'detractor', openTickets: 1, ticketsLast30Days: 1, ticketsLast90Days: 1, projectedLifetimeValue: 2000, lifespanYears: 5 });
    for (const field of Object.keys(view)) expect(CUSTOMER_FIELDS, field).toHaveProperty(field);
  });

  it('names an unknown customer field and a wrong type by rule and field', () => {
    const validation = validateRuleset(
      rulesetWith([
        { id: 'typo', score: 'fit', points: 5, when: { lead: { customer: { latestNpss: [{ numeric: ['<', 7] }] } } } },
        { id: 'text-for-number', score: 'fit', points: 5, when: { lead: { customer: { openTickets: ['many'] } } } },
        { id: 'number-for-text', score: 'fit', points: 5, when: { lead: { customer: { churnRiskBand: [3] } } } },
        { id: 'prefix-on-number', score: 'fit', points: 5, when: { lead: { customer: { projectedLifetimeValue: [{ prefix: '1' }] } } } },
      ]),
    );
    expect(validation.valid).toBe(false);
    expect(validation.issues.map((issue) => issue.path)).toEqual([
      'rules[typo].when.lead.customer.latestNpss',
      'rules[text-for-number].when.lead.customer.openTickets',
      'rules[number-for-text].when.lead.customer.churnRiskBand',
      'rules[prefix-on-number].when.lead.customer.projectedLifetimeValue',
    ]);
    expect(validation.issues[0]?.message).toContain('unknown field `latestNpss`');
  });

  it('validates every declared customer field with a value of its type, in rules and in segments', () => {
    for (const [field, type] of Object.entries(CUSTOMER_FIELDS)) {
      const condition = { [field]: type === 'number' ? [{ numeric: ['>=', 0] }] : [{ prefix: '' }] };
      expect(validateRuleset(rulesetWith([{ id: 'r', score: 'fit', points: 1, when: { lead: { customer: condition } } }])).issues, field).toEqual([]);
      expect(segmentIssues({ where: { customer: condition } }), field).toEqual([]);
      expect(segmentIssues({ where: { lead: { customer: condition } } }), field).toEqual([]);
    }
    expect(segmentIssues({ where: { lead: { customer: { nps: [3] } } } }).map((issue) => issue.path.join('.'))).toEqual(['where.lead.customer.nps']);
  });
});

describe('the lifespan segments and the care worker value customers with', () => {
  const audienceWith = (lifespan: Lifespan, reads: { count: number }) =>
    new Audience(
      { leadsPage: async () => ({ leads: [] }) },
      { eventsOf: async () => [] },
      { get: async () => undefined },
      {
        lifespan: async () => {
          reads.count += 1;
          return lifespan;
        },
      },
    );

  it('segments project lifetime value with the learned lifespan, read once for many views', async () => {
    const reads = { count: 0 };
    const learned = audienceWith({ years: 10, source: 'learned', churnedCustomers: 40 }, reads);
    const configured = audienceWith({ years: 3, source: 'configured', churnedCustomers: 2 }, { count: 0 });
    const highValue = { where: { customer: { projectedLifetimeValue: [{ numeric: ['>=', 3000] }] } } };
    // 200 x 2 a year: 4000 over 10 learned years, 1200 over 3 configured ones.
    expect((await learned.view(customer(), NOW)).customer).toMatchObject({ projectedLifetimeValue: 4000, lifespanYears: 10 });
    expect(await learned.includes(highValue, customer(), NOW)).toBe(true);
    expect(await configured.includes(highValue, customer(), NOW)).toBe(false);
    expect(reads.count).toBe(1);
  });

  it('picks "detractors with an open ticket" as a segment', async () => {
    const audience = audienceWith({ years: 3, source: 'configured', churnedCustomers: 0 }, { count: 0 });
    const segment = { where: { customer: DETRACTOR_WITH_OPEN_TICKET } };
    expect(segmentIssues(segment)).toEqual([]);
    expect(await audience.includes(segment, customer(), NOW)).toBe(true);
    expect(matchesPattern(segment.where, await audience.view(customer({ care: { tickets: [openTicket] } }), NOW))).toBe(false);
  });

  it('keeps the learned lifespan on the care record at each assessment, and counts a new one as a change', () => {
    const lead = customer({ care: { ...customer().care, lifespan: undefined } });
    const first = assessCustomer(lead, DEFAULT_CARE_SETTINGS, { version: 1, formula: DEFAULT_RISK_FORMULA, createdAt: NOW }, [], NOW, { years: 4, source: 'learned' });
    expect(first.care.lifespan).toEqual({ years: 4, source: 'learned' });
    const again = assessCustomer({ ...lead, care: first.care }, DEFAULT_CARE_SETTINGS, { version: 1, formula: DEFAULT_RISK_FORMULA, createdAt: NOW }, [], NOW, { years: 4, source: 'learned' });
    expect(again.changed).toBe(false);
    const moved = assessCustomer({ ...lead, care: first.care }, DEFAULT_CARE_SETTINGS, { version: 1, formula: DEFAULT_RISK_FORMULA, createdAt: NOW }, [], NOW, { years: 6, source: 'learned' });
    expect(moved.changed).toBe(true);
  });
});
