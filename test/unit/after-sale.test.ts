import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { churnRisk, ChurnRiskFormula, DEFAULT_RISK_FORMULA, engagementTrend } from '../../src/domain/care/churn-risk';
import { CareSettings, customerView, DEFAULT_CARE_SETTINGS } from '../../src/domain/care/customer';
import { helpDeskSignatureProblem, ticketFromZendesk, ZENDESK_HEADERS, ZendeskTicketBody } from '../../src/domain/care/help-desk';
import { averageLifespan, CONFIGURED_LIFESPAN, lifetimeValue } from '../../src/domain/care/lifetime-value';
import { careReport } from '../../src/domain/care/report';
import { categoryOf, scoresOf, summarise, surveyDue, type SurveyAnswer } from '../../src/domain/care/surveys';
import { median, ticketProfile, withTicket, type Ticket } from '../../src/domain/care/tickets';
import { stepEpisodes, type CareTrigger, type TriggerFacts } from '../../src/domain/care/triggers';
import { ALLOWED_TRANSITIONS } from '../../src/domain/handoff/lifecycle';
import type { Lead } from '../../src/domain/lead';
import { matchesPattern } from '../../src/domain/pattern';
import { SEGMENT_FIELDS, segmentIssues, segmentView } from '../../src/domain/segments/segment';
import { purchaseProfile } from '../../src/domain/purchases';

const NOW = '2026-11-24T12:00:00.000Z';
const daysAgo = (days: number) => new Date(Date.parse(NOW) - days * 86_400_000).toISOString();
const hoursAfter = (at: string, hours: number) => new Date(Date.parse(at) + hours * 3_600_000).toISOString();

describe('NPS and CSAT arithmetic', () => {
  it('puts NPS 0-6 in detractors, 7-8 in passives, 9-10 in promoters; CSAT 1-2, 3, 4-5 likewise', () => {
    expect(scoresOf('nps').map((score) => categoryOf('nps', score))).toEqual([...Array(7).fill('detractor'), 'passive', 'passive', 'promoter', 'promoter']);
    expect(scoresOf('csat').map((score) => categoryOf('csat', score))).toEqual(['detractor', 'detractor', 'passive', 'promoter', 'promoter']);
  });

  it('computes NPS as % promoters minus % detractors', () => {
    // 5 promoters, 3 passives, 2 detractors of 10: 50% - 20% = 30.
    expect(summarise('nps', [10, 9, 9, 10, 9, 8, 7, 7, 6, 0])).toEqual({ answers: 10, promoters: 5, passives: 3, detractors: 2, score: 30, average: 7.5 });
    expect(summarise('nps', [0, 1, 2]).score).toBe(-100);
    expect(summarise('nps', [9]).score).toBe(100);
  });

  it('computes CSAT as the share of 4 and 5 answers', () => {
    expect(summarise('csat', [5, 4, 3, 1]).score).toBe(50);
    expect(summarise('csat', [1, 2, 3]).score).toBe(0);
  });

  it('gives no score without answers instead of dividing by zero', () => {
    expect(summarise('nps', [])).toEqual({ answers: 0, promoters: 0, passives: 0, detractors: 0 });
  });

  it('keeps NPS within -100..100 and the groups summing to the answers for any answers', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 10 }), { minLength: 1, maxLength: 200 }), (scores) => {
        const summary = summarise('nps', scores);
        expect(summary.promoters + summary.passives + summary.detractors).toBe(scores.length);
        expect(summary.score).toBeGreaterThanOrEqual(-100);
        expect(summary.score).toBeLessThanOrEqual(100);
      }),
    );
  });
});

describe('recurring surveys', () => {
  it('are due after the interval since the same survey and the gap since any survey', () => {
    expect(surveyDue(90, 30, undefined, undefined, NOW)).toBe(true);
    expect(surveyDue(90, 30, daysAgo(89), daysAgo(89), NOW)).toBe(false);
    expect(surveyDue(90, 30, daysAgo(91), daysAgo(91), NOW)).toBe(true);
    // Never twice within N days: a CSAT 10 days ago holds the NPS back.
    expect(surveyDue(90, 30, daysAgo(120), daysAgo(10), NOW)).toBe(false);
  });
});

const ticket = (ticketId: string, fields: Partial<Ticket> = {}): Ticket => ({ ticketId, status: 'open', openedAt: daysAgo(5), updatedAt: daysAgo(5), ...fields });

describe('tickets', () => {
  it('keeps the newest version of a ticket whatever order updates arrive in', () => {
    const opened = ticket('T-1', { updatedAt: daysAgo(5) });
    const solved = ticket('T-1', { status: 'solved', updatedAt: daysAgo(4) });
    const inOrder = withTicket(withTicket(undefined, opened).tickets, solved);
    const outOfOrder = withTicket(withTicket(undefined, solved).tickets, opened);
    expect(inOrder.tickets).toEqual(outOfOrder.tickets);
    expect(outOfOrder.changed).toBe(false);
    expect(outOfOrder.tickets).toEqual([{ ...solved, resolvedAt: solved.updatedAt }]);
  });

  it('changes nothing when the same update is delivered twice', () => {
    const once = withTicket(undefined, ticket('T-1'));
    const twice = withTicket(once.tickets, ticket('T-1'));
    expect(twice.changed).toBe(false);
    expect(twice.tickets).toBe(once.tickets);
  });

  it('ends up with the same tickets for any arrival order of any updates', () => {
    const update = fc.record({
      ticketId: fc.constantFrom('A', 'B', 'C'),
      status: fc.constantFrom('open', 'pending', 'solved', 'closed'),
      updatedAt: fc.integer({ min: 0, max: 1_000_000 }).map((offset) => new Date(Date.parse(daysAgo(20)) + offset * 1000).toISOString()),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(update, { selector: (value) => `${value.ticketId}|${value.updatedAt}`, maxLength: 12 }).chain((updates) => fc.tuple(fc.constant(updates), fc.shuffledSubarray(updates, { minLength: updates.length }))),
        ([updates, shuffled]) => {
          const apply = (list: typeof updates) =>
            list.reduce<readonly Ticket[]>((kept, value) => withTicket(kept, ticket(value.ticketId, { status: value.status as Ticket['status'], openedAt: daysAgo(20), updatedAt: value.updatedAt })).tickets, []);
          expect(apply(shuffled)).toEqual(apply(updates));
        },
      ),
    );
  });

  it('computes last ticket, open tickets, tickets in 30 and 90 days and the median resolution time', () => {
    const opened = daysAgo(100);
    const tickets = [
      ticket('A', { openedAt: opened, status: 'solved', resolvedAt: hoursAfter(opened, 2), updatedAt: hoursAfter(opened, 2) }),
      ticket('B', { openedAt: daysAgo(60), status: 'closed', resolvedAt: hoursAfter(daysAgo(60), 10), updatedAt: daysAgo(50) }),
      ticket('C', { openedAt: daysAgo(20), status: 'solved', resolvedAt: hoursAfter(daysAgo(20), 4), updatedAt: daysAgo(19) }),
      ticket('D', { openedAt: daysAgo(1), status: 'pending', updatedAt: daysAgo(1) }),
    ];
    expect(ticketProfile(tickets, NOW)).toEqual({ count: 4, lastTicketAt: daysAgo(1), openTickets: 1, ticketsLast30Days: 2, ticketsLast90Days: 3, medianResolutionHours: 4 });
    expect(ticketProfile(undefined, NOW)).toEqual({ count: 0, openTickets: 0, ticketsLast30Days: 0, ticketsLast90Days: 0 });
  });

  it('takes the mean of the two middle values for an even count', () => {
    expect(median([1, 9, 3, 5])).toBe(4);
    expect(median([])).toBeUndefined();
  });
});

describe('churn risk', () => {
  const version = { version: 3, formula: DEFAULT_RISK_FORMULA };

  it('adds each factor’s first matching step and explains every factor', () => {
    const risk = churnRisk(version, { latestNps: 4, ticketsInWindow: 5, openTickets: 2, daysSinceLastActivity: 45, latestCsat: 5 }, NOW);
    // 25 (NPS 4) + 20 (5 tickets) + 10 (2 open) + 8 (45 days silent) + 0 everything else known or unknown-at-0.
    expect(risk.score).toBe(63);
    expect(risk.band).toBe('high');
    expect(risk.formulaVersion).toBe(3);
    expect(risk.breakdown).toHaveLength(DEFAULT_RISK_FORMULA.factors.length);
    expect(risk.breakdown[0]).toEqual({ input: 'latestNps', value: 4, points: 25, why: 'the latest NPS answer (0-10) is 6 or less' });
    expect(risk.breakdown.find((entry) => entry.input === 'daysSinceLastPurchase')).toEqual({ input: 'daysSinceLastPurchase', points: 0, why: 'no value for days since the last purchase' });
  });

  it('falls in low, medium and high by the formula’s bands and stays within 0..100', () => {
    expect(churnRisk(version, { latestNps: 10, daysSinceLastActivity: 1 }, NOW)).toMatchObject({ score: 0, band: 'low' });
    expect(churnRisk(version, { latestNps: 5, daysSinceLastActivity: 40 }, NOW)).toMatchObject({ score: 33, band: 'medium' });
    const everything = { latestNps: 0, latestCsat: 1, ticketsInWindow: 50, openTickets: 9, daysSinceLastPurchase: 900, daysSinceLastActivity: 900, engagementTrend: -100, daysToRenewal: 3 };
    expect(churnRisk(version, everything, NOW).score).toBe(100);
  });

  it('refuses a formula that repeats an input or has bands out of order, naming the field', () => {
    const repeated = ChurnRiskFormula.safeParse({ ...DEFAULT_RISK_FORMULA, factors: [DEFAULT_RISK_FORMULA.factors[0], DEFAULT_RISK_FORMULA.factors[0]] });
    expect(repeated.success ? [] : repeated.error.issues.map((issue) => issue.path.join('.'))).toContain('factors.1.input');
    const bands = ChurnRiskFormula.safeParse({ ...DEFAULT_RISK_FORMULA, bands: { medium: 70, high: 40 } });
    expect(bands.success ? [] : bands.error.issues.map((issue) => issue.path.join('.'))).toContain('bands.high');
  });

  it('measures the engagement trend as the change from the 30 days before to the last 30', () => {
    expect(engagementTrend([daysAgo(40), daysAgo(45), daysAgo(50), daysAgo(55), daysAgo(5)], NOW)).toBe(-75);
    expect(engagementTrend([daysAgo(5)], NOW)).toBe(100);
    expect(engagementTrend([], NOW)).toBeUndefined();
  });
});

describe('triggers', () => {
  const triggers: CareTrigger[] = [
    { id: 'detractor', when: { kind: 'satisfaction_below', survey: 'nps', below: 7 }, notify: 'owner' },
    { id: 'high-risk', when: { kind: 'risk_band', band: 'high' }, notify: 'inbox' },
    { id: 'pile-up', when: { kind: 'tickets_within', atLeast: 2, withinDays: 7 }, notify: 'inbox' },
  ];
  const answer = (score: number): SurveyAnswer => ({ surveyId: 'nps', kind: 'nps', sendId: 's', score, category: categoryOf('nps', score), answeredAt: NOW });
  const facts = (fields: Partial<TriggerFacts>): TriggerFacts => ({ satisfaction: {}, tickets: [], riskBand: 'low', riskScore: 0, ...fields });

  it('fires once per episode: when the condition starts holding, not while it holds, again after it ended', () => {
    const first = stepEpisodes(triggers, undefined, facts({ satisfaction: { nps: answer(3) } }), NOW);
    expect(first.started.map((start) => [start.trigger.id, start.reason])).toEqual([['detractor', 'latest NPS answer 3 is below 7 (detractor)']]);
    const still = stepEpisodes(triggers, first.open, facts({ satisfaction: { nps: answer(2) } }), daysAgo(-1));
    expect(still.started).toEqual([]);
    expect(still.open).toEqual({ detractor: NOW });
    const ended = stepEpisodes(triggers, still.open, facts({ satisfaction: { nps: answer(9) } }), daysAgo(-2));
    expect(ended).toMatchObject({ open: {}, started: [], changed: true });
    const again = stepEpisodes(triggers, ended.open, facts({ satisfaction: { nps: answer(5) } }), daysAgo(-3));
    expect(again.started.map((start) => start.startedAt)).toEqual([daysAgo(-3)]);
  });

  it('fires on the risk entering high and on N tickets within the window', () => {
    const step = stepEpisodes(triggers, {}, facts({ riskBand: 'high', riskScore: 72, tickets: [ticket('A', { openedAt: daysAgo(1) }), ticket('B', { openedAt: daysAgo(3) })] }), NOW);
    expect(step.started.map((start) => start.reason)).toEqual(['churn risk 72 is in the high band', '2 tickets in the last 7 days (threshold 2)']);
  });

  it('never reads an episode from the prototype chain', () => {
    const step = stepEpisodes([{ id: 'constructor', when: { kind: 'risk_band', band: 'medium' }, notify: 'inbox' }], {}, facts({ riskBand: 'high' }), NOW);
    expect(step.started).toHaveLength(1);
  });
});

describe('lifetime value', () => {
  const summary = { count: 6, total: 600, currency: 'USD', firstAt: daysAgo(730.5), lastAt: daysAgo(10) };

  it('projects average purchase value x purchases a year x lifespan, with the inputs shown', () => {
    const lifespan = averageLifespan(undefined, { configuredYears: 3, minimumChurned: 20 });
    expect(lifetimeValue(summary, lifespan, NOW)).toEqual({
      historical: 600,
      currency: 'USD',
      averagePurchaseValue: 100,
      purchasesPerYear: 3,
      lifespan: { years: 3, source: 'configured', churnedCustomers: 0 },
      projected: 900,
    });
  });

  it('learns the lifespan from churned customers once there are enough of them', () => {
    const settings = { configuredYears: 3, minimumChurned: 2 };
    expect(averageLifespan({ churned: 1, totalDays: 365.25 }, settings)).toEqual({ years: 3, source: 'configured', churnedCustomers: 1 });
    expect(averageLifespan({ churned: 4, totalDays: 4 * 730.5 }, settings)).toEqual({ years: 2, source: 'learned', churnedCustomers: 4 });
  });

  it('counts at least a year of purchasing, so a new customer is not extrapolated from one order', () => {
    const lifespan = { years: 2, source: 'configured' as const, churnedCustomers: 0 };
    expect(lifetimeValue({ count: 1, total: 50, currency: 'USD', firstAt: daysAgo(7), lastAt: daysAgo(7) }, lifespan, NOW).projected).toBe(100);
    expect(lifetimeValue(undefined, lifespan, NOW).projected).toBe(0);
  });
});

describe('segments and the lifecycle after the sale', () => {
  const lead = {
    id: 'l-1',
    email: 'ana@example.com',
    createdAt: daysAgo(400),
    updatedAt: NOW,
    firstTouch: { at: daysAgo(400) },
    lastTouch: { at: daysAgo(400) },
    subscriptions: {},
    version: 1,
    stage: 'customer',
    care: { satisfaction: { nps: { surveyId: 'nps', kind: 'nps', sendId: 's', score: 3, category: 'detractor', answeredAt: daysAgo(2) } }, tickets: [ticket('T-9', { openedAt: daysAgo(1) })] },
  } satisfies Lead;

  it('lets a segment pick detractors with an open ticket', () => {
    const where = { customer: { npsCategory: ['detractor'], openTickets: [{ numeric: ['>', 0] }] } };
    expect(segmentIssues({ where })).toEqual([]);
    expect(matchesPattern(where, segmentView(lead, undefined, purchaseProfile(undefined, NOW), NOW, CONFIGURED_LIFESPAN))).toBe(true);
    expect(customerView(lead.care, NOW)).toMatchObject({ latestNps: 3, openTickets: 1, ticketsLast30Days: 1 });
  });

  it('reaches every customer field it declares: each validates and matches a segment on the lead that has it', () => {
    const customer: Lead = {
      ...lead,
      purchases: { count: 4, total: 800, currency: 'USD', firstAt: daysAgo(730.5), lastAt: daysAgo(30) },
      care: {
        ...lead.care,
        satisfaction: { ...lead.care.satisfaction, csat: { surveyId: 'csat', kind: 'csat', sendId: 't', score: 2, category: 'detractor', answeredAt: daysAgo(3) } },
        tickets: [...lead.care.tickets, ticket('T-8', { status: 'solved', openedAt: daysAgo(10), resolvedAt: hoursAfter(daysAgo(10), 6), updatedAt: daysAgo(9) })],
        risk: { score: 72, band: 'high', formulaVersion: 1, computedAt: daysAgo(1), breakdown: [] },
        exitReason: 'competitor',
      },
    };
    const view = segmentView(customer, undefined, purchaseProfile(customer.purchases, NOW), NOW, { years: 2, source: 'learned' });
    const fields = view.customer as Record<string, unknown>;
    for (const field of Object.keys(SEGMENT_FIELDS.customer ?? {})) {
      const where = { customer: { [field]: [fields[field]] } };
      expect(fields[field], field).toBeDefined();
      expect(segmentIssues({ where }), field).toEqual([]);
      expect(matchesPattern(where, view), field).toBe(true);
    }
  });

  it('projects lifetime value in segments: average purchase x purchases a year x lifespan, with the inputs', () => {
    const buyer: Lead = { ...lead, purchases: { count: 4, total: 800, currency: 'USD', firstAt: daysAgo(730.5), lastAt: daysAgo(30) } };
    const lifespan = { years: 3, source: 'configured' as const, churnedCustomers: 0 };
    // 200 a purchase, 2 purchases a year, 3 years.
    expect(segmentView(buyer, undefined, purchaseProfile(buyer.purchases, NOW), NOW, lifespan).customer).toMatchObject({
      averagePurchaseValue: 200,
      purchasesPerYear: 2,
      lifespanYears: 3,
      projectedLifetimeValue: 1200,
    });
    const highValue = { customer: { projectedLifetimeValue: [{ numeric: ['>=', 1000] }] } };
    expect(segmentIssues({ where: highValue })).toEqual([]);
    expect(matchesPattern(highValue, segmentView(buyer, undefined, purchaseProfile(buyer.purchases, NOW), NOW, lifespan))).toBe(true);
    expect(matchesPattern(highValue, segmentView(lead, undefined, purchaseProfile(undefined, NOW), NOW, lifespan))).toBe(false);
    expect(segmentIssues({ where: { customer: { projectedLifetimeValue: [{ prefix: '1' }] } } })).not.toEqual([]);
  });

  it('refuses a segment naming a customer field that does not exist', () => {
    expect(segmentIssues({ where: { customer: { nps: [3] } } }).map((issue) => issue.path.join('.'))).toEqual(['where.customer.nps']);
  });

  it('moves a customer to churned and a churned customer back to customer', () => {
    expect(ALLOWED_TRANSITIONS.customer).toContain('churned');
    expect(ALLOWED_TRANSITIONS.churned).toContain('customer');
  });

  it('accepts its own default settings', () => {
    expect(CareSettings.parse(DEFAULT_CARE_SETTINGS)).toEqual(DEFAULT_CARE_SETTINGS);
  });
});

describe('the Zendesk webhook', () => {
  const secret = 'dGhlIHplbmRlc2sgc2lnbmluZyBzZWNyZXQ=';
  const body = JSON.stringify({
    ticket: { id: 35436, status: 'Solved', priority: 'High', type: 'Problem', tags: 'billing refund', created_at: '2026-11-20T10:00:00Z', updated_at: '2026-11-21T12:30:00Z', requester: { email: ' Ana@Example.com ' } },
  });
  const timestamp = '2026-11-24T12:00:00Z';
  const signed = (key: string, at = timestamp) => ({
    [ZENDESK_HEADERS.signature]: createHmac('sha256', key).update(at + body).digest('base64'),
    [ZENDESK_HEADERS.timestamp]: at,
  });

  it("accepts Zendesk's signature over the timestamp and body, refuses another secret, a changed body and an old timestamp", () => {
    expect(helpDeskSignatureProblem('zendesk', [secret], signed(secret), body, Date.parse(NOW))).toBeUndefined();
    expect(helpDeskSignatureProblem('zendesk', [secret], signed('another secret'), body, Date.parse(NOW))?.field).toBe('x-zendesk-webhook-signature');
    expect(helpDeskSignatureProblem('zendesk', [secret], signed(secret), `${body} `, Date.parse(NOW))?.field).toBe('x-zendesk-webhook-signature');
    expect(helpDeskSignatureProblem('zendesk', [secret], signed(secret, '2026-11-24T09:00:00Z'), body, Date.parse(NOW))?.field).toBe('x-zendesk-webhook-signature-timestamp');
    expect(helpDeskSignatureProblem('zendesk', [secret], {}, body, Date.parse(NOW))?.message).toBe('is missing: the call is not signed');
  });

  it('maps the trigger body to a ticket: status, priority, type as topic, the requester normalised', () => {
    expect(ticketFromZendesk(ZendeskTicketBody.parse(JSON.parse(body)))).toEqual({
      ticketId: '35436',
      status: 'solved',
      priority: 'high',
      topic: 'problem',
      openedAt: '2026-11-20T10:00:00.000Z',
      updatedAt: '2026-11-21T12:30:00.000Z',
      email: 'ana@example.com',
    });
    const unknown = ZendeskTicketBody.safeParse({ ticket: { ...JSON.parse(body).ticket, status: 'archived' } });
    expect(unknown.success ? [] : unknown.error.issues.map((issue) => issue.path.join('.'))).toEqual(['ticket.status']);
  });
});

describe('the care report', () => {
  const answer = (kind: 'nps' | 'csat', score: number, answeredAt: string, reason?: string): SurveyAnswer => ({
    surveyId: kind,
    kind,
    sendId: `${kind}-${score}-${answeredAt}`,
    score,
    category: categoryOf(kind, score),
    answeredAt,
    ...(reason ? { reason } : {}),
  });

  it('gives NPS and CSAT per month with their groups, reasons, tickets by topic, churn by exit reason', () => {
    const report = careReport(
      ['2026-10', '2026-11'],
      [answer('nps', 10, '2026-10-03T00:00:00Z', 'support'), answer('nps', 3, '2026-10-09T00:00:00Z', 'price'), answer('nps', 9, '2026-11-02T00:00:00Z'), answer('csat', 5, '2026-11-04T00:00:00Z')],
      [
        ticket('A', { topic: 'billing', openedAt: '2026-10-01T00:00:00Z', resolvedAt: '2026-10-01T06:00:00Z' }),
        ticket('B', { topic: 'billing', openedAt: '2026-11-01T00:00:00Z' }),
        ticket('C', { topic: 'login', openedAt: '2026-11-02T00:00:00Z', resolvedAt: '2026-11-02T01:00:00Z' }),
      ],
      [{ reason: 'too_expensive' }, { reason: 'too_expensive' }, { reason: 'competitor' }],
    );
    expect(report.nps).toEqual([
      { month: '2026-10', answers: 2, promoters: 1, passives: 0, detractors: 1, score: 0, average: 6.5 },
      { month: '2026-11', answers: 1, promoters: 1, passives: 0, detractors: 0, score: 100, average: 9 },
    ]);
    expect(report.csat[1]).toMatchObject({ answers: 1, score: 100 });
    expect(report.reasons).toEqual([
      { category: 'detractor', reason: 'price', count: 1 },
      { category: 'promoter', reason: 'support', count: 1 },
    ]);
    expect(report.ticketsByMonth).toEqual([{ month: '2026-10', opened: 1 }, { month: '2026-11', opened: 2 }]);
    expect(report.ticketsByTopic).toEqual([
      { topic: 'billing', opened: 2, open: 1, medianResolutionHours: 6 },
      { topic: 'login', opened: 1, open: 0, medianResolutionHours: 1 },
    ]);
    expect(report.churnByExitReason).toEqual([{ reason: 'too_expensive', count: 2 }, { reason: 'competitor', count: 1 }]);
  });
});
