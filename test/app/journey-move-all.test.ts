
import { describe, expect, it } from 'vitest';
import { JourneyMoveAll, type MoveAll, type MoveAllRecords } from '../../src/app/journey-move-all';
import type { JourneyRecords } from '../../src/app/journeys';
import { InvalidInput, NotFound } from '../../src/domain/errors';
import { JourneyDefinition, type Journey } from '../../src/domain/journeys/definition';
import type { Lead } from '../../src/domain/lead';
import type { LeadCursor } from '../../src/domain/lead-listing';
import { MemoryEnrolments, MemoryJourneyVersions, memoryJourneyRunner } from './in-memory-journeys';
import { MemoryLeads, MemoryLog, MemoryMailer, } from './in-memory';

const email = (id: string, subject = id) => ({ id, type: 'send_email', subscription: 'newsletter', template: { subject, html: `<p>${id}</p>` } });
const wait = (id: string) => ({ id, type: 'wait', duration: { days: 1 } });
const version = (steps: unknown[]) => JourneyDefinition.parse({ name: 'Nurture', entry: { kind: 'manual' }, steps });
const v1 = version([email('hello'), wait('pause'), email('bye', 'bye v1')]);
const v2 = version([email('hello', 'hello v2'), wait('pause'), email('tips', 'tips v2'), email('bye', 'bye v2')]);
const v3 = version([email('hello'), wait('rest'), email('bye')]);

const journeyId = 'journey-1';
const LEADS = 250;
const leadIds = Array.from({ length: LEADS }, (_unused, index) => `lead-${String(index).padStart(3, '0')}`);
const lead = (id: string): Lead =>
  ({ id, email: `${id}@example.com`, createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z', subscriptions: { newsletter: 'opted_in' }, version: 1 }) as unknown as Lead;

/** The stored move, saved at its revision as the table saves it. */
class MemoryMoveAlls implements MoveAllRecords {
  readonly moves = new Map<string, MoveAll & { rev: number }>();
  async read(id: string) {
    return this.moves.get(id);
  }
  async save(move: MoveAll, rev: number) {
    if ((this.moves.get(move.journeyId)?.rev ?? 0) !== rev) return false;
    this.moves.set(move.journeyId, { ...move, rev: rev + 1 });
    return true;
  }
}

async function setup() {
  let now = new Date('2026-03-02T09:00:00Z');
  const versions = new MemoryJourneyVersions();
  versions.publish(journeyId, 1, v1);
  const head: Journey = { id: journeyId, name: 'Nurture', status: 'published', publishedVersion: 1, draft: v1, createdAt: now.toISOString(), updatedAt: now.toISOString() };
  const heads = new Map([[journeyId, head]]);
  const publish = (number: number, definition: JourneyDefinition) => {
    versions.publish(journeyId, number, definition);
    heads.set(journeyId, { ...head, publishedVersion: number });
  };
  const enrolments = new MemoryEnrolments();
  const leads = new MemoryLeads();
  // Leads that never entered the journey are in the listing too: the move reads past them.
  for (const id of [...leadIds, 'bystander']) leads.put(lead(id));
  const mailer = new MemoryMailer();
  const runner = memoryJourneyRunner({ journeys: versions, enrolments, leads, mailer, clock: () => now });
  for (const id of leadIds) await runner.enrol(journeyId, id, 'manual');
  const listed = [...leadIds, 'bystander'];
  const pagesRead: number[] = [];
  const listing = {
    listLeadIds: async (limit: number, cursor: LeadCursor) => {
      pagesRead.push(cursor.shard);
      const page = listed.slice(cursor.shard, cursor.shard + limit);
      return { leadIds: page, ...(cursor.shard + limit < listed.length ? { cursor: { shard: cursor.shard + limit } } : {}) };
    },
  };
  const records = new MemoryMoveAlls();
  const moveAll = new JourneyMoveAll({ journeys: { get: async (id: string) => heads.get(id) } as Pick<JourneyRecords, 'get'>, versions, enrolments, leadIds: listing, records, log: new MemoryLog() });
  const nextDay = async () => {
    now = new Date(now.getTime() + 86_400_000);
    for (const enrolment of enrolments.due(now)) await runner.timerDue(enrolment.leadId, enrolment.journeyId, enrolment.run, enrolment.seq);
  };
  const subjects = (leadId: string) => mailer.sent.filter((sent) => sent.to.includes(`${leadId}@example.com`)).map((sent) => sent.subject);
  const onVersion = (number: number) => [...enrolments.enrolments.values()].filter((enrolment) => enrolment.version === number).length;
  return { moveAll, publish, enrolments, records, pagesRead, nextDay, subjects, onVersion };
}

/** A deadline already passed: each call does one page, as a call over many leads stops at its deadline. */
const ONE_PAGE = 0;

describe('moving every enrolled lead of a journey at once', () => {
  it('checks every lead, then moves them all, call after call from a stored cursor, with no step run twice', async () => {
    const { moveAll, publish, pagesRead, nextDay, subjects, onVersion } = await setup();
    publish(2, v2);

    const first = await moveAll.run(journeyId, undefined, ONE_PAGE);
    expect(first).toMatchObject({ version: 2, phase: 'checking', enrolled: 200, counts: { leadsRead: 200 } });
    // Progress is readable between calls, and nobody moved during the check.
    expect(await moveAll.progress(journeyId)).toMatchObject({ phase: 'checking', counts: { leadsRead: 200 } });
    expect(onVersion(2)).toBe(0);

    const calls = [first];
    while (calls.at(-1)?.phase !== 'done') calls.push(await moveAll.run(journeyId, undefined, ONE_PAGE));
    expect(calls.map((call) => call.phase)).toEqual(['checking', 'moving', 'moving', 'done']);
    expect(calls.at(-1)).toMatchObject({ enrolled: LEADS, refusals: [], counts: { leadsRead: LEADS + 1, moved: LEADS, alreadyThere: 0, ended: 0, refused: 0, changedMeanwhile: 0 } });
    // Each call went on from the stored cursor: every page read once per phase.
    expect(pagesRead).toEqual([0, 200, 0, 200]);
    expect(onVersion(2)).toBe(LEADS);

    await nextDay();
    for (const id of [leadIds[0], leadIds[LEADS - 1]] as string[]) expect(subjects(id)).toEqual(['hello', 'tips v2', 'bye v2']);

    // Asked again, a finished move starts afresh: every run has ended meanwhile, nobody moves.
    const again = await moveAll.run(journeyId, 2, Date.now() + 10_000);
    expect(again).toMatchObject({ phase: 'done', counts: { moved: 0, ended: LEADS } });
  });

  it('refuses the whole move with 400 naming the step and how many leads wait there, even found on a later page: nobody moves', async () => {
    const { moveAll, publish, enrolments, onVersion } = await setup();
    // The first 200 leads have finished their run; only the last 50 still wait at `pause`.
    for (const id of leadIds.slice(0, 200)) {
      const key = `${id}#${journeyId}`;
      const enrolment = enrolments.enrolments.get(key);
      if (enrolment) enrolments.enrolments.set(key, { ...enrolment, status: 'completed' });
    }
    publish(2, v3);

    expect((await moveAll.run(journeyId, undefined, ONE_PAGE)).phase).toBe('checking');
    const refusal = await moveAll.run(journeyId, undefined, ONE_PAGE).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(InvalidInput);
    expect((refusal as InvalidInput).issues).toEqual([{ field: 'version', message: '50 lead(s) cannot move: step pause, where the lead is, does not exist in version 2' }]);
    expect(onVersion(2)).toBe(0);
    expect(await moveAll.progress(journeyId)).toMatchObject({ phase: 'refused', refusals: [{ stepId: 'pause', leads: 50 }] });
  });

  it('says so when no move was started', async () => {
    const { moveAll } = await setup();
    await expect(moveAll.progress(journeyId)).rejects.toBeInstanceOf(NotFound);
  });
});
