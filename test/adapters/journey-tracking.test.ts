import { beforeAll, describe, expect, it } from 'vitest';
import { DateEntryStore, dueShardOf, EmailStepRunStore, EnrolmentStore, JourneyStore, MoveAllStore } from '../../src/adapters/journey-store';
import { SegmentMembershipStore } from '../../src/adapters/segment-membership-store';
import { JourneyDefinition } from '../../src/domain/journeys/definition';
import { enter } from '../../src/domain/journeys/interpreter';
import { dynamoDbLocal, TABLE_NAME } from './dynamo-local';

let table: Awaited<ReturnType<typeof dynamoDbLocal>>;
beforeAll(async () => {
  table = await dynamoDbLocal();
});

describe("a journey email's opens and clicks on DynamoDB Local", () => {
  it('counts each metric once per step run, however often SES reports it', async () => {
    const enrolments = new EnrolmentStore(table.documents, TABLE_NAME);
    const journeys = new JourneyStore(table.documents, TABLE_NAME);
    const key = { leadId: 'lead-open', journeyId: 'journey-open', run: 1, seq: 0 };
    await enrolments.claimStep(key, 'hello', new Date().toISOString());
    await enrolments.finishStep(key, { status: 'done' });
    const other = { ...key, leadId: 'lead-other' };
    await enrolments.claimStep(other, 'hello', new Date().toISOString());

    const opens = await Promise.all(Array.from({ length: 4 }, () => enrolments.recordTracking(key, 'hello', 'opened')));
    expect(opens.filter((outcome) => outcome === 'counted')).toHaveLength(1);
    expect(await enrolments.recordTracking(key, 'hello', 'clicked')).toBe('counted');
    expect(await enrolments.recordTracking(key, 'hello', 'clicked')).toBe('already-counted');
    expect(await enrolments.recordTracking(other, 'hello', 'opened')).toBe('counted');
    // No claim for that step run (a forged or stale tag): nothing counted.
    expect(await enrolments.recordTracking({ ...key, seq: 5 }, 'hello', 'opened')).toBe('already-counted');
    expect(await enrolments.recordTracking(key, 'not-this-step', 'opened')).toBe('already-counted');

    const counters = await journeys.counters(key.journeyId);
    expect(counters['email:hello:opened']).toBe(2);
    expect(counters['email:hello:clicked']).toBe(1);
    expect(counters['email:not-this-step:opened']).toBeUndefined();
  });
});

describe('a journey email step handed to send-journey-email, on DynamoDB Local', () => {
  it('is taken for sending once however many deliveries race, ended once with its counter, and given back after a failed send', async () => {
    const enrolments = new EnrolmentStore(table.documents, TABLE_NAME);
    const steps = new EmailStepRunStore(table.documents, TABLE_NAME);
    const journeys = new JourneyStore(table.documents, TABLE_NAME);
    const key = { leadId: 'lead-send', journeyId: 'journey-send', run: 1, seq: 0 };
    const at = new Date().toISOString();
    await enrolments.claimStep(key, 'hello', at);
    // The sender may take it before its runner marks it handed: the runner's mark then leaves it alone.
    const takes = await Promise.all(Array.from({ length: 4 }, () => steps.take(key, 'hello', at)));
    expect(takes.filter((take) => take.outcome === 'taken')).toHaveLength(1);
    expect(takes.filter((take) => take.outcome === 'exists')).toEqual(Array(3).fill({ outcome: 'exists', record: expect.objectContaining({ status: 'sending', sendingAt: at }) }));
    await enrolments.handStep(key);
    expect(await steps.take(key, 'hello', at)).toMatchObject({ outcome: 'exists', record: { status: 'sending' } });

    await steps.release(key);
    expect(await steps.take(key, 'hello', at)).toEqual({ outcome: 'taken' });
    const sent = [{ metric: 'email' as const, stepId: 'hello', outcome: 'sent' as const }];
    expect(await Promise.all([steps.finish(key, { status: 'done' }, sent), steps.finish(key, { status: 'done' }, sent)])).toEqual(expect.arrayContaining([true, false]));
    expect(await steps.take(key, 'hello', at)).toMatchObject({ outcome: 'exists', record: { status: 'done' } });
    expect((await journeys.counters(key.journeyId))['email:hello:sent']).toBe(1);
    // The runner reads the ended claim to move on the enrolment waiting for its email.
    expect(await enrolments.stepRecord(key)).toEqual({ status: 'done', stepId: 'hello', claimedAt: at, sendingAt: at });
    expect(await enrolments.stepRecord({ ...key, seq: 9 })).toBeUndefined();
    // Opens and clicks still count on the step's claim.
    expect(await enrolments.recordTracking(key, 'hello', 'opened')).toBe('counted');

    // A claim the runner gave back (its publish failed) is not taken: its runner hands the step again.
    const given = { ...key, seq: 1 };
    await enrolments.claimStep(given, 'hello', at);
    await enrolments.releaseStep(given);
    expect(await steps.take(given, 'hello', at)).toEqual({ outcome: 'not-handed' });
    expect(await steps.take({ ...key, seq: 9 }, 'hello', at)).toEqual({ outcome: 'not-handed' });
  });
});

describe('the published journeys on DynamoDB Local', () => {
  it('are served from memory for a few seconds, and read afresh when asked', async () => {
    const journeys = new JourneyStore(table.documents, TABLE_NAME);
    const definition = JourneyDefinition.parse({ name: 'published late', entry: { kind: 'manual' }, steps: [{ id: 'later', type: 'wait', duration: { days: 1 } }] });
    const journeyId = 'journey-published-late';
    const isLive = (list: readonly { journeyId: string }[]) => list.some((live) => live.journeyId === journeyId);
    await journeys.create({ id: journeyId, name: definition.name, status: 'draft', draft: definition, createdAt: '2026-11-30T12:00:00.000Z', updatedAt: '2026-11-30T12:00:00.000Z' });
    expect(isLive(await journeys.live())).toBe(false);
    expect(await journeys.publish(journeyId, 1, undefined, definition, '2026-11-30T12:00:01.000Z')).toBe(true);
    expect(isLive(await journeys.live())).toBe(false);
    expect(isLive(await journeys.live({ fresh: true }))).toBe(true);
    expect(isLive(await journeys.live())).toBe(true);
  });
});

describe("a journey step's claim on DynamoDB Local", () => {
  it('is taken over from a runner that stopped only while still claimed as it was read, by one runner', async () => {
    const enrolments = new EnrolmentStore(table.documents, TABLE_NAME);
    const key = { leadId: 'lead-retake', journeyId: 'journey-retake', run: 1, seq: 0 };
    await enrolments.claimStep(key, 'hello', '2026-11-30T12:00:00.000Z');
    const retakes = await Promise.all([1, 2, 3].map(() => enrolments.retakeStep(key, '2026-11-30T12:00:00.000Z', '2026-11-30T12:03:00.000Z')));
    expect(retakes.filter(Boolean)).toHaveLength(1);
    expect(await enrolments.stepRecord(key)).toMatchObject({ status: 'claimed', claimedAt: '2026-11-30T12:03:00.000Z' });
    await enrolments.handStep(key);
    expect(await enrolments.retakeStep(key, '2026-11-30T12:03:00.000Z', '2026-11-30T12:06:00.000Z')).toBe(false);
    expect(await enrolments.stepRecord(key)).toMatchObject({ status: 'handed' });
  });
});

describe("the journeys' due-time index on DynamoDB Local: segment checks and date entries beside the waits", () => {
  const now = '2026-11-30T12:00:00.000Z';
  const later = '2026-11-30T12:05:00.000Z';

  it("keeps a lead's next segment check beside its memberships, in the index until it is taken out, the later look winning", async () => {
    const enrolments = new EnrolmentStore(table.documents, TABLE_NAME);
    const memberships = new SegmentMembershipStore(table.documents, TABLE_NAME);
    const leadId = 'lead-check';
    const shard = dueShardOf(leadId);
    await memberships.change(leadId, 'seg-1', { member: true, pending: { detailType: 'lead.segment_entered', detail: { version: 1, correlationId: 'c', leadId, segmentId: 'seg-1', segmentVersion: 1, at: now } } }, 0);
    await memberships.scheduleCheck(leadId, '2026-11-30T11:59:00.000Z', now);
    // A look decided earlier than the stored one does not overwrite it.
    await memberships.scheduleCheck(leadId, '2026-12-30T00:00:00.000Z', '2026-11-30T11:00:00.000Z');

    const read = await memberships.of(leadId);
    expect([...read.segments.keys()]).toEqual(['seg-1']);
    expect(read.nextCheckAt).toBe('2026-11-30T11:59:00.000Z');
    const [due] = (await enrolments.due(shard, now, 10)).filter((entry) => entry.leadId === leadId);
    expect(due).toMatchObject({ kind: 'segment-check', leadId, dueAt: '2026-11-30T11:59:00.000Z' });
    expect(await enrolments.lease(due as NonNullable<typeof due>, later)).toBe(true);
    expect((await enrolments.due(shard, now, 10)).filter((entry) => entry.leadId === leadId)).toEqual([]);

    await memberships.scheduleCheck(leadId, undefined, later);
    expect((await memberships.of(leadId)).nextCheckAt).toBeUndefined();
    expect((await enrolments.due(shard, '2027-01-01T00:00:00.000Z', 100)).filter((entry) => entry.leadId === leadId)).toEqual([]);
  });

  it('puts a date entry once per instant, and takes it out once requested or when its date moves away', async () => {
    const enrolments = new EnrolmentStore(table.documents, TABLE_NAME);
    const dates = new DateEntryStore(table.documents, TABLE_NAME);
    const leadId = 'lead-date';
    const shard = dueShardOf(leadId);
    const dueOf = async (at: string) => (await enrolments.due(shard, at, 100)).filter((entry) => entry.leadId === leadId);

    expect(await dates.put(leadId, 'renewal', '2026-11-30T11:30:00.000Z')).toBe(true);
    expect(await dates.put(leadId, 'renewal', '2026-11-30T11:30:00.000Z')).toBe(false);
    const [due] = await dueOf(now);
    expect(due).toMatchObject({ kind: 'date-entry', leadId, journeyId: 'renewal', dateEntryAt: '2026-11-30T11:30:00.000Z' });
    const entry = due as Extract<NonNullable<typeof due>, { kind: 'date-entry' }>;
    expect(await enrolments.lease(entry, later)).toBe(true);
    await enrolments.done(entry, later);
    expect(await dueOf('2027-01-01T00:00:00.000Z')).toEqual([]);
    expect((await dates.of(leadId)).get('renewal')).toEqual({ dateEntryAt: '2026-11-30T11:30:00.000Z', indexed: false });
    // Requested already at that instant: the next round's put changes nothing.
    expect(await dates.put(leadId, 'renewal', '2026-11-30T11:30:00.000Z')).toBe(false);

    expect(await dates.put(leadId, 'renewal', '2027-11-30T11:30:00.000Z')).toBe(true);
    expect(await dueOf('2028-01-01T00:00:00.000Z')).toHaveLength(1);
    await dates.remove(leadId, 'renewal');
    expect(await dueOf('2028-01-01T00:00:00.000Z')).toEqual([]);
  });

  it("reads a shard's earliest entry, due or not, and nothing from a shard that holds none", async () => {
    const enrolments = new EnrolmentStore(table.documents, TABLE_NAME);
    const memberships = new SegmentMembershipStore(table.documents, TABLE_NAME);
    const dates = new DateEntryStore(table.documents, TABLE_NAME);
    // Two leads of a shard the other cases here leave alone.
    const taken = new Set(['lead-check', 'lead-date'].map(dueShardOf));
    const candidates = Array.from({ length: 200 }, (_, n) => `lead-first-${n}`).filter((leadId) => !taken.has(dueShardOf(leadId)));
    const [dated, checked] = candidates.filter((leadId) => dueShardOf(leadId) === dueShardOf(candidates[0] ?? ''));
    if (!dated || !checked) throw new Error('no two leads of one free shard');
    const shard = dueShardOf(dated);
    expect(await enrolments.first(shard)).toBeUndefined();

    await dates.put(dated, 'renewal', '2027-03-01T09:00:00.000Z');
    await memberships.scheduleCheck(checked, '2027-02-01T09:00:00.000Z', now);
    expect(await enrolments.first(shard)).toMatchObject({ kind: 'segment-check', leadId: checked, dueAt: '2027-02-01T09:00:00.000Z' });
    await memberships.scheduleCheck(checked, undefined, later);
    expect(await enrolments.first(shard)).toMatchObject({ kind: 'date-entry', leadId: dated, dateEntryAt: '2027-03-01T09:00:00.000Z' });
  });

  it("keeps an active enrolment in the index at its runner's check, and takes it out once the enrolment has ended", async () => {
    const enrolments = new EnrolmentStore(table.documents, TABLE_NAME);
    const leadId = 'lead-active';
    const dueOf = async (at: string) => (await enrolments.due(dueShardOf(leadId), at, 100)).filter((entry) => entry.leadId === leadId);
    const definition = JourneyDefinition.parse({ name: 'checked', entry: { kind: 'manual' }, steps: [{ id: 'tag', type: 'update_lead', attributes: { tier: 'gold' } }] });
    const { enrolment, counts } = enter(definition, 'journey-active', 1, leadId, 1, new Date(now));
    expect(await enrolments.enter(enrolment, counts)).toBe(true);
    expect(await dueOf(now)).toEqual([]);
    expect(await dueOf(later)).toEqual([expect.objectContaining({ leadId, journeyId: 'journey-active', run: 1, seq: 0, wakeAt: later })]);
    expect(await enrolments.save({ ...enrolment, status: 'completed', seq: 1, endedAt: now }, 1, [])).toBe(true);
    expect(await dueOf('2027-01-01T00:00:00.000Z')).toEqual([]);
  });

  it('saves the move of every lead only at the revision read', async () => {
    const moves = new MoveAllStore(table.documents, TABLE_NAME);
    const move = { journeyId: 'journey-move', version: 2, phase: 'checking' as const, cursor: { shard: 3 }, enrolled: 5, refusals: [], counts: { leadsRead: 200, moved: 0, alreadyThere: 0, ended: 0, refused: 0, changedMeanwhile: 0 }, startedAt: now, updatedAt: now };
    expect(await moves.save(move, 0)).toBe(true);
    expect(await moves.save(move, 0)).toBe(false);
    expect(await moves.read('journey-move')).toEqual({ ...move, rev: 1 });
    expect(await moves.save({ ...move, phase: 'moving' }, 1)).toBe(true);
    expect(await moves.save({ ...move, phase: 'done' }, 1)).toBe(false);
  });
});
