import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JourneyDefinition } from '../../src/domain/journeys/definition';
import type { Lead } from '../../src/domain/lead';
import { enter, RUNNER_CHECK_MS } from '../../src/domain/journeys/interpreter';
import { MemoryEnrolments, MemoryJourneyBus, MemoryJourneyVersions, memoryJourneyRunner } from './in-memory-journeys';
import { MemoryLeads, MemoryLog, MemoryMailer, MemorySendPolicy } from './in-memory';

const email = (id: string) => ({ id, type: 'send_email', subscription: 'newsletter', template: { subject: `subject ${id}`, html: `<p>${id}</p>` } });
const wait = (id: string) => ({ id, type: 'wait', duration: { seconds: 10 } });
const welcome = JourneyDefinition.parse({
  name: 'Welcome',
  entry: { kind: 'event', pattern: { event: { type: ['form_submission'] } } },
  goal: { where: { lead: { stage: ['customer'] } } },
  steps: [email('one'), wait('w1'), email('two'), { id: 'clicked', type: 'wait_for_event', event: { event: { type: ['email_click'] } }, timeout: { seconds: 10 }, onEvent: 'thanks', onTimeout: 'three' }, email('three'), { id: 'end', type: 'exit', reason: 'done' }, email('thanks')],
});

const lead = (id: string, extra: Partial<Lead> = {}): Lead =>
  ({ id, email: `${id}@example.com`, createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z', firstTouch: { at: '2026-01-01T00:00:00Z' }, lastTouch: { at: '2026-01-01T00:00:00Z' }, subscriptions: { newsletter: 'opted_in' }, version: 1, ...extra }) as Lead;

function engine(options: { bus?: MemoryJourneyBus } = {}) {
  let now = new Date('2026-01-05T08:00:00Z');
  const journeys = new MemoryJourneyVersions();
  journeys.publish('welcome', 1, welcome);
  const enrolments = new MemoryEnrolments();
  const leads = new MemoryLeads();
  const mailer = new MemoryMailer();
  const log = new MemoryLog();
  const sendPolicy = new MemorySendPolicy();
  const runner = memoryJourneyRunner({
    journeys,
    enrolments,
    leads,
    views: { view: async (current) => ({ lead: { stage: current.stage ?? 'lead', attributes: current.attributes ?? {} } }) },
    sendPolicy,
    mailer,
    log,
    clock: () => now,
    ...options,
  });
  const later = (seconds: number) => {
    now = new Date(now.getTime() + seconds * 1000);
  };
  /** Fires every due timer once, as the sweep does. */
  const sweep = async () => {
    for (const enrolment of enrolments.due(now)) await runner.timerDue(enrolment.leadId, enrolment.journeyId, enrolment.run, enrolment.seq);
  };
  const subjects = (leadId: string) => mailer.sent.filter((sent) => sent.to.includes(`${leadId}@example.com`)).map((sent) => sent.subject);
  return { runner, journeys, enrolments, leads, mailer, log, sendPolicy, later, sweep, subjects, dueNow: () => enrolments.due(now) };
}

const submitted = { type: 'form_submission', properties: {} };

describe('journey runner', () => {
  it('sends each email of the series once, in order, across waits', async () => {
    const { runner, leads, later, sweep, subjects, enrolments } = engine();
    leads.put(lead('l1'));
    await runner.happened({ leadId: 'l1', event: submitted });
    expect(subjects('l1')).toEqual(['subject one']);
    later(11);
    await sweep();
    expect(subjects('l1')).toEqual(['subject one', 'subject two']);
    later(11);
    await sweep();
    expect(subjects('l1')).toEqual(['subject one', 'subject two', 'subject three']);
    expect(enrolments.enrolments.get('l1#welcome')).toMatchObject({ status: 'exited', exitReason: 'done' });
  });

  it('tags each journey email with its step run, where its opens and clicks are counted', async () => {
    const { runner, leads, later, sweep, mailer, enrolments } = engine();
    leads.put(lead('l1'));
    await runner.happened({ leadId: 'l1', event: submitted });
    later(11);
    await sweep();
    const tags = mailer.sent.map((sent) => sent.tags);
    expect(tags).toHaveLength(2);
    for (const tag of tags) {
      const claim = enrolments.claims.get(`l1#welcome#${tag?.run}#${tag?.seq}`);
      expect(claim).toMatchObject({ stepId: tag?.step, status: 'done' });
      expect(tag).toMatchObject({ journey: 'welcome', lead: 'l1', run: '1' });
    }
    expect(new Set(tags.map((tag) => tag?.seq)).size).toBe(2);
  });

  it('skips an email over the frequency cap with its reason, and counts a retried email once', async () => {
    const { runner, leads, later, sweep, subjects, enrolments, sendPolicy } = engine();
    sendPolicy.policy = { defaultTimeZone: 'UTC', frequencyCap: { maxEmails: 2, periodDays: 7 } };
    leads.put(lead('l1'));
    await runner.happened({ leadId: 'l1', event: submitted });
    later(11);
    await sweep();
    later(11);
    await sweep();
    expect(subjects('l1')).toEqual(['subject one', 'subject two']);
    expect(enrolments.counts.filter((count) => count.metric === 'email' && count.outcome === 'skipped')).toEqual([expect.objectContaining({ stepId: 'three', reason: 'frequency_cap' })]);
  });

  it("reads a lead's events only when a published entry or an enrolment of the lead could hear of them", async () => {
    const { runner, journeys, leads, subjects, enrolments } = engine();
    leads.put(lead('l1'));
    leads.put(lead('l2'));
    const reads: string[] = [];
    const reading = (leadId: string, events: { type: string; properties: Record<string, unknown> }[]) => async () => {
      reads.push(leadId);
      return events;
    };
    // A published journey entered on an event: the events are read, and they enrol the lead.
    await runner.happenedInOrder('l1', reading('l1', [{ type: 'page_view', properties: {} }, submitted]));
    expect(reads).toEqual(['l1']);
    expect(subjects('l1')).toEqual(['subject one']);
    // No journey entered on events any more: a lead with no enrolment is not read at all...
    journeys.heads.set('welcome', { status: 'archived', version: 1 });
    await runner.happenedInOrder('l2', reading('l2', [submitted]));
    expect(reads).toEqual(['l1']);
    expect(enrolments.enrolments.has('l2#welcome')).toBe(false);
    // ...while a lead still enrolled hears of its events (here: the archived journey lets it go).
    await runner.happenedInOrder('l1', reading('l1', [{ type: 'email_click', properties: {} }]));
    expect(reads).toEqual(['l1', 'l1']);
    expect(enrolments.enrolments.get('l1#welcome')).toMatchObject({ status: 'exited', exitReason: 'archived' });
  });

  it("takes a waiting lead out of the report's waiting count when the journey is archived or the lead erased", async () => {
    const { runner, journeys, leads, enrolments } = engine();
    leads.put(lead('l1'));
    leads.put(lead('l2'));
    await runner.happened({ leadId: 'l1', event: submitted });
    await runner.happened({ leadId: 'l2', event: submitted });
    const waiting = () => enrolments.counts.reduce((sum, count) => sum + (count.metric === 'waiting' ? count.delta : 0), 0);
    expect(waiting()).toBe(2);
    leads.leads.delete('l2');
    await runner.happened({ leadId: 'l2', event: { type: 'email_click', properties: {} } });
    expect(enrolments.enrolments.get('l2#welcome')).toMatchObject({ status: 'exited', exitReason: 'lead erased' });
    expect(waiting()).toBe(1);
    journeys.heads.set('welcome', { status: 'archived', version: 1 });
    await runner.happened({ leadId: 'l1', event: { type: 'email_click', properties: {} } });
    expect(enrolments.enrolments.get('l1#welcome')).toMatchObject({ status: 'exited', exitReason: 'archived' });
    expect(waiting()).toBe(0);
  });

  it('enrols a lead by hand in a journey published moments ago, which the list of published journeys held in memory lacks', async () => {
    const { runner, journeys, leads, enrolments } = engine();
    leads.put(lead('l1'));
    journeys.holdList();
    journeys.publish('launch', 1, welcome);
    expect(await runner.enrol('launch', 'l1', 'manual')).toBe('enrolled');
    expect(enrolments.enrolments.get('l1#launch')).toMatchObject({ status: 'waiting', stepId: 'w1' });
    expect(await runner.enrol('never-published', 'l1', 'manual')).toBe('not-published');
  });

  it('enrols a lead once however often the entry event comes', async () => {
    const { runner, leads, subjects, enrolments } = engine();
    leads.put(lead('l1'));
    await Promise.all([runner.happened({ leadId: 'l1', event: submitted }), runner.happened({ leadId: 'l1', event: submitted })]);
    await runner.happened({ leadId: 'l1', event: submitted });
    expect(subjects('l1')).toEqual(['subject one']);
    expect(enrolments.counts.filter((count) => count.metric === 'entered')).toHaveLength(1);
  });

  it('ends the journey when the goal is reached during a wait: no further email', async () => {
    const { runner, leads, later, sweep, subjects, enrolments } = engine();
    leads.put(lead('l1'));
    await runner.happened({ leadId: 'l1', event: submitted });
    leads.put(lead('l1', { stage: 'customer' }));
    await runner.happened({ leadId: 'l1', event: { type: 'lead.stage-changed', properties: { to: 'customer' } } });
    expect(enrolments.enrolments.get('l1#welcome')).toMatchObject({ status: 'exited', exitReason: 'goal' });
    later(30);
    await sweep();
    expect(subjects('l1')).toEqual(['subject one']);
    expect(enrolments.counts).toContainEqual({ metric: 'goal' });
  });

  it('skips the next email once the lead unsubscribed, recording why', async () => {
    const { runner, leads, later, sweep, subjects, enrolments } = engine();
    leads.put(lead('l1'));
    await runner.happened({ leadId: 'l1', event: submitted });
    leads.put(lead('l1', { subscriptions: { newsletter: 'opted_out' } }));
    later(11);
    await sweep();
    expect(subjects('l1')).toEqual(['subject one']);
    expect(enrolments.counts).toContainEqual({ metric: 'email', stepId: 'two', outcome: 'skipped', reason: 'not_opted_in' });
  });

  it('takes the event arm when the awaited event comes, the timeout arm when it does not', async () => {
    const { runner, leads, later, sweep, subjects } = engine();
    leads.put(lead('a'));
    leads.put(lead('b'));
    await runner.happened({ leadId: 'a', event: submitted });
    await runner.happened({ leadId: 'b', event: submitted });
    later(11);
    await sweep();
    await runner.happened({ leadId: 'a', event: { type: 'email_click', properties: {} } });
    later(11);
    await sweep();
    expect(subjects('a')).toEqual(['subject one', 'subject two', 'subject thanks']);
    expect(subjects('b')).toEqual(['subject one', 'subject two', 'subject three']);
  });

  it('takes over a claim left by a runner that died mid-step and hands the email again, which is sent once', async () => {
    const { runner, leads, later, sweep, subjects, enrolments, log } = engine();
    leads.put(lead('l1'));
    await runner.happened({ leadId: 'l1', event: submitted });
    // The runner claimed step two and died before handing it over: the claim stays, the enrolment still waits at the wait.
    enrolments.claims.set('l1#welcome#1#2', { status: 'claimed', stepId: 'two', claimedAt: '2026-01-05T08:00:05.000Z' });
    later(11);
    await sweep();
    expect(subjects('l1')).toEqual(['subject one']);
    later(120);
    await sweep();
    expect(subjects('l1')).toEqual(['subject one', 'subject two']);
    expect(log.messages('warn')).toContain('Journey step claimed by a runner that stopped mid-step; done again, once downstream');
    expect(enrolments.claims.get('l1#welcome#1#2')).toMatchObject({ status: 'done' });
    expect(enrolments.counts.filter((count) => count.metric === 'email' && count.stepId === 'two')).toEqual([{ metric: 'email', stepId: 'two', outcome: 'sent' }]);
  });

  it("goes on with a lead whose first step failed when its entry's delivery or its enrolment request is retried, sending the email once", async () => {
    const bus = new MemoryJourneyBus();
    const { runner, leads, later, sweep, subjects, enrolments } = engine({ bus });
    leads.put(lead('l1'));
    // Handing the welcome email to send-journey-email failed (EventBridge refused the event): the delivery fails, to be retried.
    bus.faults.fail('put');
    await expect(runner.happened({ leadId: 'l1', event: submitted })).rejects.toThrow('put failed');
    expect(enrolments.enrolments.get('l1#welcome')).toMatchObject({ status: 'active', stepId: 'one', seq: 0 });
    // The retry finds the lead entered already: it goes on from the step that failed.
    await runner.happened({ leadId: 'l1', event: submitted });
    expect(subjects('l1')).toEqual(['subject one']);
    later(11);
    await sweep();
    expect(subjects('l1')).toEqual(['subject one', 'subject two']);

    // The same for a lead enrolled by hand: the request's retry finds it enrolled and goes on.
    leads.put(lead('l2'));
    bus.faults.fail('put');
    await expect(runner.enrol('welcome', 'l2', 'manual')).rejects.toThrow('put failed');
    expect(await runner.enrol('welcome', 'l2', 'manual')).toBe('not-eligible');
    expect(subjects('l2')).toEqual(['subject one']);
  });

  it("goes on, at its runner's check, with a lead whose runner died right after claiming its first step, sending that step once", async () => {
    const { runner, leads, later, sweep, subjects, enrolments } = engine();
    leads.put(lead('l1'));
    // The runner entered the lead, claimed the first email and died (npm start killed mid-step).
    const entered = enter(welcome, 'welcome', 1, 'l1', 1, new Date('2026-01-05T08:00:00Z'));
    await enrolments.enter(entered.enrolment, entered.counts);
    enrolments.claims.set('l1#welcome#1#0', { status: 'claimed', stepId: 'one', claimedAt: '2026-01-05T08:00:00.000Z' });
    // The delivery comes again at once (npm start's queue journal): the claim is too recent to be a dead runner's.
    await runner.happened({ leadId: 'l1', event: submitted });
    await sweep();
    expect(enrolments.enrolments.get('l1#welcome')).toMatchObject({ status: 'active', stepId: 'one', seq: 0 });
    expect(subjects('l1')).toEqual([]);
    later(RUNNER_CHECK_MS / 1000);
    await sweep();
    expect(subjects('l1')).toEqual(['subject one']);
    expect(enrolments.enrolments.get('l1#welcome')).toMatchObject({ status: 'waiting', stepId: 'w1' });
    later(11);
    await sweep();
    expect(subjects('l1')).toEqual(['subject one', 'subject two']);
  });

  it('sends no step twice under duplicated, reordered and concurrent deliveries (property)', async () => {
    const delivery = fc.oneof(
      fc.record({ kind: fc.constant('entry' as const), lead: fc.integer({ min: 0, max: 2 }) }),
      fc.record({ kind: fc.constant('click' as const), lead: fc.integer({ min: 0, max: 2 }) }),
      fc.record({ kind: fc.constant('sweep' as const), seconds: fc.integer({ min: 0, max: 15 }), copies: fc.integer({ min: 1, max: 3 }) }),
      fc.record({ kind: fc.constant('stale-timer' as const), lead: fc.integer({ min: 0, max: 2 }), seq: fc.integer({ min: 0, max: 8 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(delivery, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 12 }), async (rounds) => {
        const { runner, leads, later, mailer, dueNow } = engine();
        for (const id of ['0', '1', '2']) leads.put(lead(id));
        for (const round of rounds) {
          // Each round's deliveries run at once, as concurrent consumers would.
          await Promise.all(
            round.map(async (item) => {
              if (item.kind === 'entry') return runner.happened({ leadId: String(item.lead), event: submitted });
              if (item.kind === 'click') return runner.happened({ leadId: String(item.lead), event: { type: 'email_click', properties: {} } });
              if (item.kind === 'stale-timer') return runner.timerDue(String(item.lead), 'welcome', 1, item.seq);
              // A sweep fires each due timer `copies` times, newest first: duplicated and reordered deliveries.
              later(item.seconds);
              const fired = dueNow().flatMap((enrolment) => Array.from({ length: item.copies }, () => enrolment));
              await Promise.all(fired.reverse().map((enrolment) => runner.timerDue(enrolment.leadId, enrolment.journeyId, enrolment.run, enrolment.seq)));
            }),
          );
        }
        for (const id of ['0', '1', '2']) {
          const subjects = mailer.sent.filter((sent) => sent.to.includes(`${id}@example.com`)).map((sent) => sent.subject);
          expect(new Set(subjects).size).toBe(subjects.length);
          const order = ['subject one', 'subject two', 'subject three', 'subject thanks'];
          expect(subjects).toEqual([...subjects].sort((a, b) => order.indexOf(a) - order.indexOf(b)));
          expect(subjects.includes('subject three') && subjects.includes('subject thanks')).toBe(false);
        }
      }),
      { numRuns: 60 },
    );
  });
});
