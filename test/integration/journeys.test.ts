import { randomUUID } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack';
import { eventually, now, settled, stackClient, type StoredMail } from './helpers';
import { sharedStack } from './shared-stack';

/**
 * Journeys on the local stack with waits of seconds (the sweep runs every second locally): a form
 * submission enters the series and each email arrives once, in order; a goal reached mid-wait ends it;
 * an unsubscribe mid-journey stops the next email; a wait for an event takes both outcomes; a repeated
 * entry event enrols once; a step's email handed to send-journey-email again is not sent again. The entry names this run's form, so other files' leads never enter.
 */
let stack: LocalStack;
const { admin, post, mails } = stackClient(() => stack);
const run = randomUUID().slice(0, 8);
const formId = `journey-${run}`;
let journeyId = '';

beforeAll(async () => {
  stack = await sharedStack();
});

afterAll(async () => {
  if (journeyId) await admin('POST', `/v1/admin/journeys/${journeyId}/archive`);
});

const email = (id: string) => ({ id, type: 'send_email', subscription: 'product_updates', template: { subject: `${id} ${run}`, html: `<p>${id}</p>` } });
const journey = {
  name: `Welcome ${run}`,
  entry: { kind: 'event', pattern: { event: { type: ['form_submission'], properties: { formId: [formId] } } } },
  goal: { where: { lead: { attributes: { journeyGoal: ['reached'] } } } },
  steps: [
    email('one'),
    { id: 'pause', type: 'wait', duration: { seconds: 12 } },
    email('two'),
    { id: 'visit', type: 'wait_for_event', event: { event: { type: ['page_view'], properties: { url: [`https://example.com/pricing?run=${run}`] } } }, timeout: { seconds: 8 }, onEvent: 'visited', onTimeout: 'quiet' },
    { ...email('visited'), next: 'end' },
    email('quiet'),
    { id: 'end', type: 'exit', reason: 'series done' },
  ],
};

async function submit(name: string, attributes?: Record<string, string>) {
  const response = await post(`/v1/forms/${formId}/submissions`, { email: `${name}-${run}@example.com`, firstName: name, consent: ['product_updates'], ...(attributes ? { attributes } : {}) });
  expect(response.status).toBe(202);
  return ((await response.json()) as { leadId: string }).leadId;
}

const subjectsTo = (all: StoredMail[], name: string) => all.filter((mail) => mail.destination.to.includes(`${name}-${run}@example.com`) && mail.subject.endsWith(run)).map((mail) => mail.subject.replace(` ${run}`, ''));
/** The machine may be loaded: a form submission can take seconds, so each step gets two minutes. */
const waitForSubjects = (name: string, expected: string[]) => eventually(async () => (subjectsTo(await mails(), name).length >= expected.length ? subjectsTo(await mails(), name) : undefined), 120_000);

describe('journeys on the local stack', () => {
  it('runs the welcome series once per lead, in order, with its goal, unsubscribe and both wait-for-event outcomes', async () => {
    const invalid = await admin('POST', '/v1/admin/journeys', { ...journey, steps: [...journey.steps, email('orphan')] });
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { issues: { field: string }[] }).issues.map((issue) => issue.field)).toContain('steps.7');

    const created = await admin('POST', '/v1/admin/journeys', journey);
    expect(created.status).toBe(201);
    journeyId = ((await created.json()) as { id: string }).id;
    expect(((await (await admin('POST', `/v1/admin/journeys/${journeyId}/publish`)).json()) as { version: number }).version).toBe(1);

    // The same entry twice for ana enrols her once.
    const [anaId] = await Promise.all([submit('ana'), submit('ana'), submit('ben'), submit('cy'), submit('dee')]);
    for (const name of ['ana', 'ben', 'cy', 'dee']) await waitForSubjects(name, ['one']);

    // cy reaches the goal during the wait; dee unsubscribes through the first email's one-click link.
    await submit('cy', { journeyGoal: 'reached' });
    const first = (await mails()).find((mail) => mail.destination.to.includes(`dee-${run}@example.com`) && mail.subject === `one ${run}`);
    const unsubscribe = /^<(.+)>$/.exec(first?.headers?.find((header) => header.name === 'List-Unsubscribe')?.value ?? '')?.[1] ?? '';
    expect((await fetch(unsubscribe, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' })).status).toBe(200);

    // ben visits pricing while the wait for it runs; ana does not.
    await waitForSubjects('ben', ['one', 'two']);
    expect((await post('/v1/events', { events: [{ id: `evt-ben-${run}`, type: 'page_view', occurredAt: now(), email: `ben-${run}@example.com`, properties: { url: `https://example.com/pricing?run=${run}` } }] })).status).toBe(202);

    expect(await waitForSubjects('ana', ['one', 'two', 'quiet'])).toEqual(['one', 'two', 'quiet']);
    expect(await waitForSubjects('ben', ['one', 'two', 'visited'])).toEqual(['one', 'two', 'visited']);
    const report = await eventually(async () => {
      const current = (await (await admin('GET', `/v1/admin/journeys/${journeyId}/report`)).json()) as { entered: number; exited: number; goalReached: number; waiting: number; exitedBy: Record<string, number> };
      return current.exited === 4 ? current : undefined;
    }, 120_000);

    // Each of ana's email steps reaches send-journey-email twice more, as a repeated publish would put it.
    const bus = new EventBridgeClient({ endpoint: stack.endpoints.eventbridge });
    const reached = (stepId: string, seq: number) => ({ Source: 'leadflow', DetailType: 'journey.email-step-reached', EventBusName: stack.settings.busName, Detail: JSON.stringify({ version: 1, correlationId: `journey:${journeyId}:1:${seq}`, leadId: anaId, journeyId, journeyVersion: 1, stepId, run: 1, seq, at: now() }) });
    for (let copy = 0; copy < 2; copy += 1) {
      const put = await bus.send(new PutEventsCommand({ Entries: [reached('one', 0), reached('two', 2)] }));
      expect(put.FailedEntryCount).toBe(0);
    }
    await settled(stack);
    const all = await mails();
    expect(subjectsTo(all, 'ana')).toEqual(['one', 'two', 'quiet']);
    expect(subjectsTo(all, 'ben')).toEqual(['one', 'two', 'visited']);
    expect(subjectsTo(all, 'cy')).toEqual(['one']);
    expect(subjectsTo(all, 'dee')).toEqual(['one']);
    expect(report).toMatchObject({ entered: 4, waiting: 0, goalReached: 1, exitedBy: { goal: 1, 'series done': 3 } });
    const steps = ((await (await admin('GET', `/v1/admin/journeys/${journeyId}/report`)).json()) as { steps: { stepId: string; emails?: { sent: number; skippedBy: Record<string, number> } }[] }).steps;
    expect(steps.find((step) => step.stepId === 'one')?.emails).toMatchObject({ sent: 4 });
    expect(steps.find((step) => step.stepId === 'two')?.emails).toMatchObject({ sent: 2, skippedBy: { not_opted_in: 1 } });
  }, 300_000);
});
