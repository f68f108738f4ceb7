import { describe, expect, it } from 'vitest';
import { EmailStepBeingSent } from '../../src/app/journey-emails';
import { JourneyDefinition } from '../../src/domain/journeys/definition';
import type { SalesTask, StoredEnrolment } from '../../src/domain/journeys/records';
import type { Lead } from '../../src/domain/lead';
import { MemoryLeads, MemoryLog, MemoryMailer, MemoryPublisher } from './in-memory';
import { MemoryEnrolments, MemoryJourneyBus, MemoryJourneyVersions, memoryJourneyEmails, memoryJourneyRunner } from './in-memory-journeys';

const definition = JourneyDefinition.parse({
  name: 'Onboarding',
  entry: { kind: 'manual' },
  steps: [
    { id: 'hello', type: 'send_email', subscription: 'newsletter', template: { subject: 'Hello {{lead.firstName}}', html: '<p>Hi {{lead.firstName}}</p>' } },
    { id: 'tell', type: 'notify', to: 'owner', message: 'A new customer is quiet.', task: { title: 'Call them', dueInDays: 2 } },
    { id: 'team', type: 'notify', to: { team: 'apac' }, message: 'FYI' },
  ],
});

const lead = (extra: Partial<Lead> = {}): Lead =>
  ({ id: 'lead-1', email: 'ana@example.com', firstName: 'Ana', subscriptions: { newsletter: 'opted_in' }, owner: { repId: 'rep-1', teamId: 'apac', assignedAt: '2026-01-01T00:00:00Z' }, version: 1, ...extra }) as Lead;

const reached = (stepId: string, seq: number) => ({ leadId: 'lead-1', journeyId: 'onboarding', journeyVersion: 1, stepId, run: 1, seq });
const keyOf = (seq: number, journeyId = 'onboarding') => `lead-1#${journeyId}#1#${seq}`;

function sender(options: { lead?: Lead } = {}) {
  let now = new Date('2026-01-05T08:00:00Z');
  const journeys = new MemoryJourneyVersions();
  journeys.publish('onboarding', 1, definition);
  const steps = new MemoryEnrolments();
  const leads = new MemoryLeads();
  leads.put(options.lead ?? lead());
  const mailer = new MemoryMailer();
  const log = new MemoryLog();
  const tasks: { task: SalesTask; origin: string }[] = [];
  const emails = memoryJourneyEmails({
    journeys,
    steps,
    leads,
    mailer,
    log,
    routing: { get: async () => ({ config: { teams: [{ id: 'apac', name: 'APAC', inbox: 'apac@example.com', reps: [{ id: 'rep-1', name: 'Rep', email: 'rep-1@example.com', capacity: 5 }] }], rules: [] } as never }) },
    tasks: { put: async (task, origin) => void tasks.push({ task, origin }) },
    clock: () => now,
  });
  /** The runner's claim of step `seq`, as it leaves it once the step's event is out. */
  const handed = (stepId: string, seq: number, status: 'claimed' | 'handed' = 'handed') => steps.claims.set(keyOf(seq), { status, stepId, claimedAt: now.toISOString() });
  const later = (seconds: number) => {
    now = new Date(now.getTime() + seconds * 1000);
  };
  return { emails, steps, mailer, log, tasks, handed, later };
}

describe('journey emails (send-journey-email)', () => {
  it('sends a handed email step once, rendered with the unsubscribe footer and its step run tags, and counts it sent', async () => {
    const { emails, steps, mailer, handed } = sender();
    handed('hello', 0);
    expect(await emails.deliver(reached('hello', 0))).toBe('done');
    expect(await emails.deliver(reached('hello', 0))).toBe('already-ended');
    expect(mailer.sent).toHaveLength(1);
    expect(mailer.sent[0]).toMatchObject({ to: ['ana@example.com'], subject: 'Hello Ana', tags: { journey: 'onboarding', step: 'hello', lead: 'lead-1', run: '1', seq: '0' } });
    expect(mailer.sent[0]?.text).toContain('https://example.com/v1/unsubscribe');
    expect(steps.claims.get(keyOf(0))).toMatchObject({ status: 'done' });
    expect(steps.counts).toEqual([{ metric: 'email', stepId: 'hello', outcome: 'sent' }]);
  });

  it('sends once when the same step run is delivered concurrently', async () => {
    const { emails, mailer, steps, handed } = sender();
    handed('hello', 0);
    const results = await Promise.allSettled([emails.deliver(reached('hello', 0)), emails.deliver(reached('hello', 0)), emails.deliver(reached('hello', 0))]);
    expect(mailer.sent).toHaveLength(1);
    expect(steps.counts).toHaveLength(1);
    // A delivery that found it being sent retries later; one that found it ended is done.
    for (const result of results) if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(EmailStepBeingSent);
  });

  it('takes a step its runner has not yet marked handed, and leaves alone one whose claim was given back', async () => {
    const { emails, mailer, steps, handed } = sender();
    handed('hello', 0, 'claimed');
    expect(await emails.deliver(reached('hello', 0))).toBe('done');
    expect(await emails.deliver(reached('hello', 5))).toBe('not-handed');
    expect(mailer.sent).toHaveLength(1);
    expect(steps.claims.has(keyOf(5))).toBe(false);
  });

  it('gives the step back when the provider refuses the email, and the retry sends it once', async () => {
    const { emails, mailer, steps, handed } = sender();
    handed('hello', 0);
    mailer.faults.fail('send', Object.assign(new Error('Throttling'), { name: 'TooManyRequestsException' }));
    await expect(emails.deliver(reached('hello', 0))).rejects.toThrow('Throttling');
    expect(steps.claims.get(keyOf(0))).toMatchObject({ status: 'handed' });
    expect(steps.counts).toEqual([]);
    expect(await emails.deliver(reached('hello', 0))).toBe('done');
    expect(mailer.sent).toHaveLength(1);
    expect(steps.counts).toEqual([{ metric: 'email', stepId: 'hello', outcome: 'sent' }]);
  });

  it('skips an email to a lead who is not opted in, counting why', async () => {
    const { emails, mailer, steps, handed } = sender({ lead: lead({ subscriptions: { newsletter: 'opted_out' } }) });
    handed('hello', 0);
    expect(await emails.deliver(reached('hello', 0))).toBe('skipped');
    expect(mailer.sent).toHaveLength(0);
    expect(steps.claims.get(keyOf(0))).toMatchObject({ status: 'skipped', reason: 'not_opted_in' });
    expect(steps.counts).toEqual([{ metric: 'email', stepId: 'hello', outcome: 'skipped', reason: 'not_opted_in' }]);
  });

  it('reports a step left taken by a sender that died mid-send, and never sends it', async () => {
    const { emails, mailer, steps, log, later, handed } = sender();
    handed('hello', 0);
    steps.claims.set(keyOf(0), { status: 'sending', stepId: 'hello', claimedAt: '2026-01-05T08:00:00.000Z', sendingAt: '2026-01-05T08:00:00.000Z' });
    await expect(emails.deliver(reached('hello', 0))).rejects.toBeInstanceOf(EmailStepBeingSent);
    later(61);
    expect(await emails.deliver(reached('hello', 0))).toBe('interrupted');
    expect(mailer.sent).toHaveLength(0);
    expect(steps.counts).toEqual([{ metric: 'email', stepId: 'hello', outcome: 'interrupted' }]);
    expect(log.messages('error')).toContain('Journey email step interrupted mid-send; not repeated, counted as interrupted');
  });

  it("counts a step taken moments ago as interrupted on the queue's last delivery instead of retrying it into the DLQ, and never sends it", async () => {
    const { emails, mailer, steps, handed } = sender();
    handed('hello', 0);
    steps.claims.set(keyOf(0), { status: 'sending', stepId: 'hello', claimedAt: '2026-01-05T08:00:00.000Z', sendingAt: '2026-01-05T08:00:00.000Z' });
    await expect(emails.deliver(reached('hello', 0), { last: false })).rejects.toBeInstanceOf(EmailStepBeingSent);
    expect(await emails.deliver(reached('hello', 0), { last: true })).toBe('interrupted');
    expect(mailer.sent).toHaveLength(0);
    expect(steps.counts).toEqual([{ metric: 'email', stepId: 'hello', outcome: 'interrupted' }]);
  });

  it("emails the owner with the message and files the follow-up task; a team's inbox when named; the sales inbox without an owner", async () => {
    const { emails, mailer, tasks, handed } = sender();
    handed('tell', 1);
    handed('team', 2);
    expect(await emails.deliver(reached('tell', 1))).toBe('done');
    expect(await emails.deliver(reached('team', 2))).toBe('done');
    expect(mailer.recipients()).toEqual(['rep-1@example.com', 'apac@example.com']);
    expect(mailer.sent[0]?.text).toContain('Task: Call them');
    expect(tasks[0]).toMatchObject({ origin: 'journey:onboarding:1:1', task: { leadId: 'lead-1', title: 'Call them', assignee: 'rep-1@example.com', source: 'journey:onboarding' } });
    const ownerless = sender({ lead: lead({ owner: undefined }) });
    ownerless.handed('tell', 1);
    await ownerless.emails.deliver(reached('tell', 1));
    expect(ownerless.mailer.recipients()).toEqual(['sales@example.com']);
    expect(ownerless.steps.counts).toEqual([]);
  });
});

describe('the run waits for its email (run-journeys and send-journey-email across a queued bus)', () => {
  const news = (id: string, html = `<p>${id}</p>`) => ({ id, type: 'send_email', subscription: 'newsletter', template: { subject: id, html } });
  const journeyOf = (steps: unknown[]) => JourneyDefinition.parse({ name: 'Welcome', entry: { kind: 'manual' }, steps });

  function engine(steps: unknown[], extra: Partial<Lead> = {}, queued = true) {
    const journeys = new MemoryJourneyVersions();
    journeys.publish('welcome', 1, journeyOf(steps));
    const enrolments = new MemoryEnrolments();
    const leads = new MemoryLeads();
    leads.put(lead({ attributes: { plan: 'silver' }, ...extra }));
    const mailer = new MemoryMailer();
    const bus = new MemoryJourneyBus(queued);
    const runner = memoryJourneyRunner({ journeys, enrolments, leads, mailer, bus, clock: () => new Date('2026-01-05T08:00:00Z') });
    const enrolment = () => enrolments.enrolments.get('lead-1#welcome');
    return { runner, enrolments, leads, mailer, bus, enrolment };
  }

  it('an update_lead opting the lead out right after an email step: the email is sent, then the opt-out happens', async () => {
    const { runner, leads, mailer, bus, enrolment } = engine([news('hello'), { id: 'out', type: 'update_lead', subscription: { type: 'newsletter', status: 'opted_out' } }]);
    await runner.enrol('welcome', 'lead-1', 'manual');
    // The email is handed over; the run waits for it: the opt-out has not happened.
    expect(enrolment()).toMatchObject({ status: 'waiting', stepId: 'hello', awaiting: 'email' });
    expect((await leads.getLead('lead-1'))?.subscriptions).toMatchObject({ newsletter: 'opted_in' });
    await bus.deliverAll();
    expect(mailer.sent.map((sent) => sent.subject)).toEqual(['hello']);
    expect((await leads.getLead('lead-1'))?.subscriptions).toMatchObject({ newsletter: 'opted_out' });
    expect(enrolment()).toMatchObject({ status: 'completed' });
    expect(bus.delivered).toEqual(['journey.email-step-reached', 'journey.email-step-ended']);
  });

  it('an attribute set right after the email step is not in the email', async () => {
    const { runner, leads, mailer, bus, enrolment } = engine([news('hello', '<p>Your plan: {{lead.attributes.plan}}</p>'), { id: 'upgrade', type: 'update_lead', attributes: { plan: 'gold' } }]);
    await runner.enrol('welcome', 'lead-1', 'manual');
    await bus.deliverAll();
    expect(mailer.sent[0]?.html).toContain('Your plan: silver');
    expect((await leads.getLead('lead-1'))?.attributes).toEqual({ plan: 'gold' });
    expect(enrolment()).toMatchObject({ status: 'completed' });
  });

  it('goes on after an email skipped or left interrupted, as after one sent', async () => {
    const skipped = engine([news('hello'), news('next')], { subscriptions: { newsletter: 'opted_out' } });
    await skipped.runner.enrol('welcome', 'lead-1', 'manual');
    await skipped.bus.deliverAll();
    expect(skipped.enrolments.claims.get(keyOf(0, 'welcome'))).toMatchObject({ status: 'skipped', reason: 'not_opted_in' });
    expect(skipped.enrolments.claims.get(keyOf(1, 'welcome'))).toMatchObject({ status: 'skipped' });
    expect(skipped.enrolment()).toMatchObject({ status: 'completed' });

    const interrupted = engine([news('hello'), { id: 'upgrade', type: 'update_lead', attributes: { plan: 'gold' } }]);
    await interrupted.runner.enrol('welcome', 'lead-1', 'manual');
    // A sender took the step and died: the next delivery, past the abandoned time, ends it interrupted.
    interrupted.enrolments.claims.set(keyOf(0, 'welcome'), { status: 'sending', stepId: 'hello', claimedAt: '2026-01-05T07:00:00.000Z', sendingAt: '2026-01-05T07:00:00.000Z' });
    await interrupted.bus.deliverAll();
    expect(interrupted.mailer.sent).toHaveLength(0);
    expect(interrupted.enrolments.claims.get(keyOf(0, 'welcome'))).toMatchObject({ status: 'interrupted' });
    expect((await interrupted.leads.getLead('lead-1'))?.attributes).toEqual({ plan: 'gold' });
  });

  it('moves the enrolment on once when the end is delivered twice', async () => {
    const { runner, leads, mailer, bus, enrolments, enrolment } = engine([news('hello'), { id: 'upgrade', type: 'update_lead', attributes: { plan: 'gold' } }, { id: 'pause', type: 'wait', duration: { days: 1 } }, news('bye')]);
    await runner.enrol('welcome', 'lead-1', 'manual');
    await bus.deliverAll();
    const moved = enrolment();
    expect(moved).toMatchObject({ status: 'waiting', stepId: 'pause', seq: 3 });
    await runner.emailStepEnded('lead-1', 'welcome', 1, 0);
    await Promise.all([runner.emailStepEnded('lead-1', 'welcome', 1, 0), runner.emailStepEnded('lead-1', 'welcome', 1, 0)]);
    expect(enrolment()).toEqual(moved);
    expect(enrolments.counts.filter((count) => count.metric === 'step' && count.stepId === 'upgrade')).toHaveLength(1);
    expect(mailer.sent).toHaveLength(1);
    expect((await leads.getLead('lead-1'))?.attributes).toEqual({ plan: 'gold' });
  });

  it("tells the runner again when it finds the step run ended (its first publish failed), and the runner goes on once", async () => {
    const { runner, bus, enrolments, mailer, enrolment } = engine([news('hello'), news('bye')]);
    await runner.enrol('welcome', 'lead-1', 'manual');
    const publisher = new MemoryPublisher();
    const emails = memoryJourneyEmails({ journeys: new MemoryJourneyVersions(), steps: enrolments, leads: new MemoryLeads(), publisher });
    // The step run ended (sent) but its end event was lost: a repeated hand-over finds it ended and says so again.
    enrolments.claims.set(keyOf(0, 'welcome'), { status: 'done', stepId: 'hello', claimedAt: '2026-01-05T08:00:00.000Z' });
    expect(await emails.deliver({ leadId: 'lead-1', journeyId: 'welcome', journeyVersion: 1, stepId: 'hello', run: 1, seq: 0 })).toBe('already-ended');
    expect(publisher.of('journey.email-step-ended')).toEqual([{ version: 1, correlationId: 'journey:welcome:1:0', leadId: 'lead-1', journeyId: 'welcome', stepId: 'hello', run: 1, seq: 0, at: expect.any(String) }]);
    for (const ended of publisher.of('journey.email-step-ended')) await runner.emailStepEnded(ended.leadId, ended.journeyId, ended.run, ended.seq);
    expect(enrolment()).toMatchObject({ status: 'waiting', stepId: 'bye', seq: 2, awaiting: 'email' });
    // The queued hand-over of `hello` finds it ended and sends nothing; `bye` is sent once.
    await bus.deliverAll();
    expect(mailer.sent.map((sent) => sent.subject)).toEqual(['bye']);
    expect(enrolment()).toMatchObject({ status: 'completed' });
  });

  it("goes on when the email's end came before the enrolment was saved waiting for it, and when only the sweep's check finds it ended", async () => {
    // An instant bus: the email is sent and its end delivered while the runner is still handing it over.
    const early = engine([news('hello', '<p>Your plan: {{lead.attributes.plan}}</p>'), { id: 'upgrade', type: 'update_lead', attributes: { plan: 'gold' } }], {}, false);
    await early.runner.enrol('welcome', 'lead-1', 'manual');
    expect(early.mailer.sent[0]?.html).toContain('Your plan: silver');
    expect(early.enrolment()).toMatchObject({ status: 'completed' });
    expect((await early.leads.getLead('lead-1'))?.attributes).toEqual({ plan: 'gold' });

    const checked = engine([news('hello'), { id: 'upgrade', type: 'update_lead', attributes: { plan: 'gold' } }]);
    await checked.runner.enrol('welcome', 'lead-1', 'manual');
    const waiting = checked.enrolment() as StoredEnrolment;
    // Its check timer while the email is still handed over moves nothing.
    await checked.runner.timerDue('lead-1', 'welcome', 1, waiting.seq);
    expect(checked.enrolment()).toEqual(waiting);
    // The end event is lost: the claim ended, nothing tells the runner but the check timer.
    checked.enrolments.claims.set(keyOf(0, 'welcome'), { status: 'done', stepId: 'hello', claimedAt: '2026-01-05T08:00:00.000Z' });
    await checked.runner.timerDue('lead-1', 'welcome', 1, waiting.seq);
    expect(checked.enrolment()).toMatchObject({ status: 'completed' });
    expect((await checked.leads.getLead('lead-1'))?.attributes).toEqual({ plan: 'gold' });
  });
});
