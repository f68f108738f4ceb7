import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnrolmentStore, JourneyStore } from '../../src/adapters/journey-store';
import { dynamoDbLocal, TABLE_NAME } from './dynamo-local';

let table: Awaited<ReturnType<typeof dynamoDbLocal>>;
beforeAll(async () => {
  table = await dynamoDbLocal();
});
afterAll(async () => table?.stop());

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
