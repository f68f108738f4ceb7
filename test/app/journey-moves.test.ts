import { describe, expect, it } from 'vitest';
import { JourneyEnrolments } from '../../src/app/journey-enrolments';
import type { JourneyRecords } from '../../src/app/journeys';
import { Conflict, InvalidInput } from '../../src/domain/errors';
import { JourneyDefinition, type Journey } from '../../src/domain/journeys/definition';
import type { Lead } from '../../src/domain/lead';
import { MemoryEnrolments, MemoryJourneyBus, MemoryJourneyVersions, memoryJourneyRunner } from './in-memory-journeys';
import { MemoryLeads, MemoryLog, MemoryMailer, MemoryPublisher, } from './in-memory';

const email = (id: string, subject = id) => ({ id, type: 'send_email', subscription: 'newsletter', template: { subject, html: `<p>${id}</p>` } });
const wait = (id: string) => ({ id, type: 'wait', duration: { days: 1 } });
const version = (steps: unknown[]) => JourneyDefinition.parse({ name: 'Nurture', entry: { kind: 'manual' }, steps });
const v1 = version([email('hello'), wait('pause'), email('bye', 'bye v1')]);
const v2 = version([email('hello', 'hello v2'), wait('pause'), email('tips', 'tips v2'), email('bye', 'bye v2')]);
const v3 = version([email('hello'), wait('rest'), email('bye')]);
const v4 = version([email('hello'), email('pause', 'pause is an email here'), email('bye')]);

const lead = (id: string): Lead =>
  ({ id, email: `${id}@example.com`, createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z', subscriptions: { newsletter: 'opted_in' }, version: 1 }) as unknown as Lead;

const leadA = '0b5f1d2e-3c4a-4b6d-8e9f-000000000001';
const leadB = '0b5f1d2e-3c4a-4b6d-8e9f-000000000002';
const journeyId = 'journey-1';

function setup(bus?: MemoryJourneyBus) {
  let now = new Date('2026-03-02T09:00:00Z');
  const versions = new MemoryJourneyVersions();
  versions.publish(journeyId, 1, v1);
  const head: Journey = { id: journeyId, name: 'Nurture', status: 'published', publishedVersion: 1, draft: v1, createdAt: now.toISOString(), updatedAt: now.toISOString() };
  const heads = new Map([[journeyId, head]]);
  const records = { get: async (id: string) => heads.get(id) } as unknown as JourneyRecords;
  const publish = (number: number, definition: JourneyDefinition) => {
    versions.publish(journeyId, number, definition);
    heads.set(journeyId, { ...head, publishedVersion: number });
  };
  const enrolments = new MemoryEnrolments();
  const leads = new MemoryLeads();
  leads.put(lead(leadA));
  leads.put(lead(leadB));
  const mailer = new MemoryMailer();
  const runner = memoryJourneyRunner({ journeys: versions, enrolments, leads, mailer, clock: () => now, ...(bus ? { bus } : {}) });
  const use = new JourneyEnrolments({ journeys: records, leads, publisher: new MemoryPublisher(), versions, enrolments, log: new MemoryLog() });
  const nextDay = async () => {
    now = new Date(now.getTime() + 86_400_000);
    for (const enrolment of enrolments.due(now)) await runner.timerDue(enrolment.leadId, enrolment.journeyId, enrolment.run, enrolment.seq);
  };
  const subjects = (leadId: string) => mailer.sent.filter((sent) => sent.to.includes(`${leadId}@example.com`)).map((sent) => sent.subject);
  return { runner, use, publish, heads, enrolments, nextDay, subjects };
}

describe('moving enrolled leads to a newer version', () => {
  it('goes on from the same step in the new version, with no step run twice', async () => {
    const { runner, use, publish, enrolments, nextDay, subjects } = setup();
    await runner.enrol(journeyId, leadA, 'manual');
    expect(subjects(leadA)).toEqual(['hello']);
    publish(2, v2);

    expect(await use.move(journeyId, [leadA, leadB])).toEqual({
      journeyId,
      version: 2,
      leads: [
        { leadId: leadA, outcome: 'moved' },
        { leadId: leadB, outcome: 'not-enrolled' },
      ],
    });
    expect(enrolments.enrolments.get(`${leadA}#${journeyId}`)).toMatchObject({ version: 2, status: 'waiting', stepId: 'pause' });
    // The same move again changes nothing.
    expect((await use.move(journeyId, [leadA])).leads).toEqual([{ leadId: leadA, outcome: 'already-there' }]);

    await nextDay();
    // Version 2's steps after the wait; its changed first email is not sent again.
    expect(subjects(leadA)).toEqual(['hello', 'tips v2', 'bye v2']);
    expect((await use.move(journeyId, [leadA])).leads).toEqual([{ leadId: leadA, outcome: 'ended' }]);
  });

  it('refuses, naming the lead and the step, when the lead waits at a step the version lacks or has as another kind; nobody moves', async () => {
    const { runner, use, publish, enrolments } = setup();
    await runner.enrol(journeyId, leadA, 'manual');
    await runner.enrol(journeyId, leadB, 'manual');
    const before = structuredClone([...enrolments.enrolments.values()]);
    publish(2, v3);
    const missing = await use.move(journeyId, [leadB, leadA]).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(InvalidInput);
    expect((missing as InvalidInput).issues).toEqual([
      { field: 'leadIds.0', message: 'cannot move: step pause, where the lead is, does not exist in version 2' },
      { field: 'leadIds.1', message: 'cannot move: step pause, where the lead is, does not exist in version 2' },
    ]);
    publish(3, v4);
    const otherKind = await use.move(journeyId, [leadA]).catch((error: unknown) => error);
    expect((otherKind as InvalidInput).issues).toEqual([{ field: 'leadIds.0', message: 'cannot move: step pause, where the lead waits, is a send_email step in version 3, not a wait' }]);
    expect([...enrolments.enrolments.values()]).toEqual(before);
  });

  it('moves a lead waiting for its email to a version with an email step of that id, where its end moves it on; refuses one where the step is a wait', async () => {
    const bus = new MemoryJourneyBus(true);
    const { runner, use, publish, enrolments, subjects } = setup(bus);
    await runner.enrol(journeyId, leadA, 'manual');
    expect(enrolments.enrolments.get(`${leadA}#${journeyId}`)).toMatchObject({ status: 'waiting', stepId: 'hello', awaiting: 'email' });
    publish(2, version([wait('hello'), email('bye')]));
    const refused = await use.move(journeyId, [leadA]).catch((error: unknown) => error);
    expect((refused as InvalidInput).issues).toEqual([{ field: 'leadIds.0', message: 'cannot move: step hello, where the lead waits for its email, is a wait step in version 2, not an email or notify step' }]);
    publish(3, v2);
    expect((await use.move(journeyId, [leadA])).leads).toEqual([{ leadId: leadA, outcome: 'moved' }]);
    await bus.deliverAll();
    // The email handed over on version 1 is sent as it was; the run goes on in version 3.
    expect(subjects(leadA)).toEqual(['hello']);
    expect(enrolments.enrolments.get(`${leadA}#${journeyId}`)).toMatchObject({ version: 3, status: 'waiting', stepId: 'pause' });
  });

  it('moves to a named older-but-newer version, and refuses a version not published or a journey not running', async () => {
    const { runner, use, publish, heads, enrolments } = setup();
    await runner.enrol(journeyId, leadA, 'manual');
    publish(2, v2);
    publish(3, v3);
    expect((await use.move(journeyId, [leadA], 2)).leads).toEqual([{ leadId: leadA, outcome: 'moved' }]);
    expect(enrolments.enrolments.get(`${leadA}#${journeyId}`)?.version).toBe(2);
    const unpublished = await use.move(journeyId, [leadA], 4).catch((error: unknown) => error);
    expect((unpublished as InvalidInput).issues.map((issue) => issue.field)).toEqual(['version']);
    heads.set(journeyId, { ...(heads.get(journeyId) as Journey), status: 'archived' });
    await expect(use.move(journeyId, [leadA])).rejects.toBeInstanceOf(Conflict);
  });
});
