import { beforeEach, describe, expect, it } from 'vitest';
import { CustomerTimers, reassessmentScheduleName } from '../../src/app/care-timers';
import { CustomerCareWorker } from '../../src/app/customer-care';
import { SurveyAnswers } from '../../src/app/survey-answers';
import { SurveySender, sendIdOf } from '../../src/app/survey-sending';
import { TicketIntake } from '../../src/app/ticket-intake';
import { signSurveyLink } from '../../src/domain/care/survey-links';
import { DetailType, type SurveyAnsweredDetail } from '../../src/domain/events';
import type { Lead } from '../../src/domain/lead';
import { MemoryLeads, MemoryLog, MemoryMailer, MemoryPublisher } from './in-memory';
import { KEY_RING, MemoryCare, MemorySchedules } from './in-memory-care';

const T0 = Date.parse('2026-11-24T12:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

const customer = (fields: Partial<Lead> = {}): Lead => ({
  id: 'lead-1',
  email: 'ana@example.com',
  firstName: 'Ana',
  createdAt: at(-600_000),
  updatedAt: at(-600_000),
  firstTouch: { at: at(-600_000) },
  lastTouch: { at: at(-600_000) },
  subscriptions: { product_updates: 'opted_in' },
  stage: 'customer',
  owner: { repId: 'rep-1', teamId: 'team-1', assignedAt: at(-500_000) },
  version: 1,
  ...fields,
});

let leads: MemoryLeads;
let care: MemoryCare;
let publisher: MemoryPublisher;
let mailer: MemoryMailer;
let schedules: MemorySchedules;
let now: Date;
let worker: CustomerCareWorker;
let sender: SurveySender;
let timers: CustomerTimers;
let answers: SurveyAnswers;
let intake: TicketIntake;

beforeEach(() => {
  leads = new MemoryLeads();
  care = new MemoryCare(leads);
  publisher = new MemoryPublisher();
  mailer = new MemoryMailer();
  schedules = new MemorySchedules();
  now = new Date(T0);
  const log = new MemoryLog();
  leads.put(customer());
  worker = new CustomerCareWorker({ leads, settings: care, records: care, activity: care, engagement: care, owners: care, mailer, publisher, log, salesInbox: 'sales@example.com', now: () => now });
  sender = new SurveySender({ leads, settings: care, records: care, surveyMail: care, schedules, mailer, log, now: () => now });
  timers = new CustomerTimers({ leads, settings: care, schedules, log, now: () => now });
  answers = new SurveyAnswers({ keyRing: async () => KEY_RING, settings: care, leads, surveys: care, publisher, log });
  intake = new TicketIntake({ leads, emails: { leadIdForEmail: async (email) => (email === 'ana@example.com' ? 'lead-1' : undefined) }, ledger: care, publisher, isThrottling: () => false, log });
});

/** Sends the NPS survey by request and answers the tokens of its email. */
async function sendNps(requestId = 'req-1') {
  await sender.surveyDue({ version: 1, correlationId: 'c', leadId: 'lead-1', surveyId: 'nps', cause: 'request', requestId });
  const email = mailer.sent.at(-1);
  const tokens = [...(email?.text ?? '').matchAll(/^(\d+): \S+token=([^&\s]+)$/gm)].map((match) => ({ score: Number(match[1]), token: match[2] as string }));
  return { email, tokenFor: (score: number) => tokens.find((entry) => entry.score === score)?.token };
}

const human = { userAgent: 'Mozilla/5.0', confirmed: false };

describe('support tickets', () => {
  const ticket = { ticketId: 'T-1', email: 'ana@example.com', openedAt: at(-120), topic: 'billing' };

  it('keep the newest version when updates arrive out of order, and call a repeat duplicate', async () => {
    const solved = { ...ticket, status: 'solved' as const, updatedAt: at(-10) };
    const opened = { ...ticket, status: 'open' as const, updatedAt: at(-100) };
    expect((await intake.recordAll([solved], 'c1', at(0))).map((result) => result.status)).toEqual(['recorded']);
    expect((await intake.recordAll([opened, solved], 'c2', at(1))).map((result) => result.status)).toEqual(['stale', 'duplicate']);
    expect(leads.leads.get('lead-1')?.care?.tickets).toEqual([{ ticketId: 'T-1', status: 'solved', topic: 'billing', openedAt: at(-120), updatedAt: at(-10), resolvedAt: at(-10) }]);
    // Recorded and duplicate announce (a repeated request finishes a failed announcement); stale does not.
    expect(publisher.of(DetailType.TicketRecorded).map((detail) => detail.correlationId)).toEqual(['c1', 'c2']);
  });

  it('records nothing for an address without a lead', async () => {
    expect(await intake.recordAll([{ ...ticket, email: 'nobody@example.com', status: 'open', updatedAt: at(0) }], 'c', at(0))).toEqual([
      { ticketId: 'T-1', status: 'unknown_lead', message: 'No lead with this email' },
    ]);
  });
});

describe('survey links', () => {
  it('send one email with a signed link per score, the unsubscribe headers, and the next round’s timer', async () => {
    const { email, tokenFor } = await sendNps();
    expect(email?.to).toEqual(['ana@example.com']);
    expect(email?.headers?.['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    expect([0, 5, 10].map((score) => tokenFor(score) !== undefined)).toEqual([true, true, true]);
    expect([...schedules.schedules.values()].map((schedule) => schedule.at)).toEqual([new Date(T0 + 90 * 86_400_000).toISOString().slice(0, 19)]);
    expect(leads.leads.get('lead-1')?.care?.surveyedAt).toEqual({ nps: at(0) });
  });

  it('record the score on one click, change it on a later click, keep it on a repeated click', async () => {
    const { tokenFor } = await sendNps();
    now = new Date(T0 + 3_600_000);
    const first = await answers.answer(tokenFor(3), human, 'c', now);
    expect(first).toMatchObject({ outcome: 'recorded', answer: { score: 3, category: 'detractor' } });
    expect(leads.leads.get('lead-1')?.care?.satisfaction?.nps).toMatchObject({ score: 3, category: 'detractor' });
    now = new Date(T0 + 7_200_000);
    await answers.answer(tokenFor(9), human, 'c', now);
    await answers.answer(tokenFor(9), human, 'c', new Date(T0 + 7_300_000));
    expect(leads.leads.get('lead-1')?.care?.satisfaction?.nps).toMatchObject({ score: 9, category: 'promoter', answeredAt: now.toISOString() });
    expect(publisher.of(DetailType.SurveyAnswered).map((detail) => detail.score)).toEqual([3, 9, 9]);
  });

  it('refuse a tampered link, a link signed for another score, and an expired one, changing nothing', async () => {
    const { tokenFor } = await sendNps();
    const token = tokenFor(3) as string;
    const [version, kid, payload, mac] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload as string, 'base64url').toString()), score: 10 })).toString('base64url');
    now = new Date(T0 + 3_600_000);
    expect(await answers.answer(`${version}.${kid}.${forged}.${mac}`, human, 'c', now)).toEqual({ outcome: 'invalid' });
    expect(await answers.answer(`${token}x`, human, 'c', now)).toEqual({ outcome: 'invalid' });
    expect(await answers.answer(undefined, human, 'c', now)).toEqual({ outcome: 'invalid' });
    // The NPS survey's links last 14 days.
    expect(await answers.answer(token, human, 'c', new Date(T0 + 15 * 86_400_000))).toEqual({ outcome: 'invalid' });
    // A link for an email never sent (a send id made up) records nothing either.
    const madeUp = signSurveyLink(KEY_RING, { leadId: 'lead-1', surveyId: 'nps', sendId: 'made-up', score: 10, expiresAt: Math.floor(T0 / 1000) + 3600 });
    expect(await answers.answer(madeUp, human, 'c', now)).toEqual({ outcome: 'invalid' });
    expect(leads.leads.get('lead-1')?.care?.satisfaction).toBeUndefined();
    expect(publisher.of(DetailType.SurveyAnswered)).toEqual([]);
  });

  it('ask a mail scanner’s early fetch to confirm instead of recording, and record the confirmation', async () => {
    const { tokenFor } = await sendNps();
    now = new Date(T0 + 2_000);
    expect(await answers.answer(tokenFor(0), human, 'c', now)).toMatchObject({ outcome: 'confirm', score: 0 });
    now = new Date(T0 + 3_600_000);
    expect(await answers.answer(tokenFor(0), { userAgent: 'Mimecast URL scanner', confirmed: false }, 'c', now)).toMatchObject({ outcome: 'confirm' });
    expect(leads.leads.get('lead-1')?.care?.satisfaction).toBeUndefined();
    expect(await answers.answer(tokenFor(8), { userAgent: 'Mozilla/5.0', confirmed: true }, 'c', new Date(T0 + 3_000))).toMatchObject({ outcome: 'recorded' });
  });

  it('take a reason from the offered list and a comment on the follow-up', async () => {
    const { tokenFor } = await sendNps();
    now = new Date(T0 + 3_600_000);
    await answers.answer(tokenFor(2), human, 'c', now);
    expect(await answers.followUp(tokenFor(2), 'product_quality', undefined, now)).toEqual({ outcome: 'unknown-reason' });
    expect(await answers.followUp(tokenFor(2), 'price', '  Too dear for us  ', now)).toEqual({ outcome: 'saved' });
    expect(leads.leads.get('lead-1')?.care?.satisfaction?.nps).toMatchObject({ score: 2, reason: 'price', comment: 'Too dear for us' });
  });
});

describe('recurring surveys', () => {
  it('go only to contacts opted in, and never twice within the minimum gap', async () => {
    leads.put(customer({ subscriptions: { product_updates: 'opted_out' } }));
    await sendNps('req-1');
    expect(mailer.sent).toEqual([]);
    leads.put(customer());
    await sendNps('req-2');
    await sendNps('req-2');
    now = new Date(T0 + 10 * 86_400_000);
    await sender.surveyDue({ version: 1, correlationId: 'c', leadId: 'lead-1', surveyId: 'csat', cause: 'request', requestId: 'req-3' });
    expect(mailer.sent).toHaveLength(1);
    expect(care.sends.get(`lead-1#${sendIdOf('nps', 'req-2')}`)).toMatchObject({ status: 'sent' });
  });
});

describe('churn risk and triggers', () => {
  const answered = (score: number, minutes: number): SurveyAnsweredDetail => ({
    version: 1,
    correlationId: 'c',
    leadId: 'lead-1',
    surveyId: 'nps',
    kind: 'nps',
    sendId: `send-${minutes}`,
    score,
    category: score >= 9 ? 'promoter' : score >= 7 ? 'passive' : 'detractor',
    answeredAt: at(minutes),
  });

  /** The answer as the public function stores it, then its event as the worker gets it. */
  async function answer(score: number, minutes: number) {
    now = new Date(T0 + minutes * 60_000);
    const detail = answered(score, minutes);
    const lead = leads.leads.get('lead-1') as Lead;
    await care.saveCare(lead, { ...lead.care, satisfaction: { nps: { surveyId: 'nps', kind: 'nps', sendId: detail.sendId, score, category: detail.category, answeredAt: detail.answeredAt } } }, detail.answeredAt);
    await worker.surveyAnswered(detail);
    return detail;
  }

  it('records each answer as an engagement event and moves the risk with a breakdown', async () => {
    await answer(2, 0);
    expect(care.engagement.map((event) => [event.type, event.properties.score])).toEqual([['survey_answered', 2]]);
    const risk = leads.leads.get('lead-1')?.care?.risk;
    expect(risk?.breakdown.find((entry) => entry.input === 'latestNps')).toMatchObject({ value: 2, points: 25 });
    expect(risk?.formulaVersion).toBe(1);
  });

  it('alerts the owner once per episode, with the reasons, by email and by a webhook event', async () => {
    const detail = await answer(3, 0);
    await worker.surveyAnswered(detail);
    await answer(2, 60);
    expect(mailer.sent.map((email) => [email.to, email.subject])).toEqual([[['rep-1@example.com'], 'Customer at risk: Ana (detractor)']]);
    expect(mailer.sent[0]?.text).toContain('latest NPS answer 3 is below 7 (detractor)');
    expect(publisher.of(DetailType.CustomerAlerted)).toHaveLength(1);
    // A promoter answer ends the episode; a detractor answer after it starts a new one: one more alert.
    await answer(10, 120);
    await answer(4, 180);
    expect(publisher.of(DetailType.CustomerAlerted).map((alert) => [alert.triggerId, alert.episodeStartedAt])).toEqual([
      ['detractor', at(0)],
      ['detractor', at(180)],
    ]);
  });

  it('sends an alert whose email failed on the retry, once', async () => {
    mailer.faults.fail('send');
    await expect(answer(3, 0)).rejects.toThrow('send failed');
    await worker.reassess('lead-1', 'c');
    await worker.reassess('lead-1', 'c');
    expect(mailer.sent).toHaveLength(1);
  });

  it('alerts the customer-success inbox on tickets piling up, without an owner', async () => {
    leads.put(customer({ owner: undefined }));
    care.careSettings = { ...care.careSettings, inbox: 'success@example.com' };
    const tickets = ['A', 'B', 'C'].map((id, index) => ({ ticketId: id, email: 'ana@example.com', status: 'open' as const, openedAt: at(-index), updatedAt: at(-index) }));
    await intake.recordAll(tickets, 'c', at(0));
    await worker.reassess('lead-1', 'c');
    expect(mailer.sent.map((email) => email.to[0])).toEqual(['success@example.com']);
    expect(publisher.of(DetailType.CustomerAlerted)[0]?.reasons).toEqual(['3 tickets in the last 14 days (threshold 3)']);
  });
});

describe('the daily reassessment', () => {
  const DAY_MINUTES = 24 * 60;
  const purchasePoints = () => leads.leads.get('lead-1')?.care?.risk?.breakdown.find((factor) => factor.input === 'daysSinceLastPurchase')?.points;

  it("moves a customer's risk as time alone passes", async () => {
    // Last bought 179 days ago: under the formula's 180-day step.
    leads.put(customer({ purchases: { count: 2, total: 200, currency: 'USD', firstAt: at(-400 * DAY_MINUTES), lastAt: at(-179 * DAY_MINUTES) } }));
    await worker.reassess('lead-1', 'c');
    expect(purchasePoints()).toBe(0);

    // The timer fires two days on, with nothing else having happened.
    now = new Date(T0 + 2 * DAY_MINUTES * 60_000);
    await worker.reassess('lead-1', 'timer');
    expect(purchasePoints()).toBe(8);
    // Reassessing puts no timer: the timers are CustomerTimers' (schedule-care-timers).
    expect(schedules.schedules.size).toBe(0);
  });

  it('starts when the lead becomes a customer, and each reassessment that fires sets the next a day on', async () => {
    await timers.becameCustomer('lead-1', 'c');
    expect(schedules.schedules.get(reassessmentScheduleName('lead-1'))).toMatchObject({ at: at(DAY_MINUTES).slice(0, 19), detailType: DetailType.ReassessmentDue, detail: { leadId: 'lead-1' } });
    now = new Date(T0 + 2 * DAY_MINUTES * 60_000);
    await timers.reassessmentDue('lead-1', 'timer');
    expect(schedules.schedules.get(reassessmentScheduleName('lead-1'))?.at).toBe(at(3 * DAY_MINUTES).slice(0, 19));
  });

  it('lets the timer lapse once the customer churned', async () => {
    leads.put(customer({ stage: 'churned' }));
    await timers.reassessmentDue('lead-1', 'c');
    expect(schedules.schedules.has(reassessmentScheduleName('lead-1'))).toBe(false);
  });
});
