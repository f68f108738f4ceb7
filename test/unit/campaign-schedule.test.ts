import { describe, expect, it } from 'vitest';
import { localTimeToUtc, resolveSchedule, ScheduleError, SCHEDULE_HORIZON_DAYS } from '../../src/domain/campaigns/schedule';

const now = new Date('2026-11-24T12:00:00Z');
const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    if (error instanceof ScheduleError) return { field: error.field, message: error.message };
    throw error;
  }
  throw new Error('not refused');
};

describe('localTimeToUtc', () => {
  it('converts a wall-clock time in zones east and west of UTC, with and without daylight saving', () => {
    expect(localTimeToUtc('2026-12-01T09:00', 'Asia/Jakarta').toISOString()).toBe('2026-12-01T02:00:00.000Z');
    expect(localTimeToUtc('2026-12-01T09:00:30', 'America/New_York').toISOString()).toBe('2026-12-01T14:00:30.000Z');
    expect(localTimeToUtc('2027-07-01T09:00', 'America/New_York').toISOString()).toBe('2027-07-01T13:00:00.000Z');
    expect(localTimeToUtc('2027-01-15T09:00', 'Asia/Kolkata').toISOString()).toBe('2027-01-15T03:30:00.000Z');
    expect(localTimeToUtc('2027-01-15T09:00', 'UTC').toISOString()).toBe('2027-01-15T09:00:00.000Z');
    expect(localTimeToUtc('2027-01-01T00:00', 'Pacific/Auckland').toISOString()).toBe('2026-12-31T11:00:00.000Z');
  });

  it('refuses a local time the clocks skip (spring forward in New York, 2027-03-14 02:30), saying so', () => {
    const problem = refusal(() => localTimeToUtc('2027-03-14T02:30', 'America/New_York'));
    expect(problem).toMatchObject({ field: 'sendAt' });
    expect(problem.message).toMatch(/does not exist in America\/New_York.*daylight saving/);
    // The minutes either side of the gap exist.
    expect(localTimeToUtc('2027-03-14T01:59', 'America/New_York').toISOString()).toBe('2027-03-14T06:59:00.000Z');
    expect(localTimeToUtc('2027-03-14T03:00', 'America/New_York').toISOString()).toBe('2027-03-14T07:00:00.000Z');
    expect(refusal(() => localTimeToUtc('2027-03-28T02:15', 'Europe/Berlin')).field).toBe('sendAt');
  });

  it('takes the first of the two occurrences of a time the clocks pass twice (fall back)', () => {
    // 01:30 happens at 05:30Z (EDT, -4) and again at 06:30Z (EST, -5) on 2027-11-07.
    expect(localTimeToUtc('2027-11-07T01:30', 'America/New_York').toISOString()).toBe('2027-11-07T05:30:00.000Z');
    // 02:30 in Berlin on 2027-10-31: 00:30Z (CEST) before 01:30Z (CET).
    expect(localTimeToUtc('2027-10-31T02:30', 'Europe/Berlin').toISOString()).toBe('2027-10-31T00:30:00.000Z');
  });

  it('refuses an unknown or malformed zone, naming timeZone', () => {
    for (const zone of ['Mars/Olympus_Mons', 'EST5EDT-ish', '+07:00', '', 'Asia/Jakarta; drop']) {
      expect(refusal(() => localTimeToUtc('2026-12-01T09:00', zone)).field, zone).toBe('timeZone');
    }
  });

  it('refuses malformed or impossible local times, naming sendAt', () => {
    for (const sendAt of ['2026-12-01 09:00', '2026-12-01T09:00Z', '2026-12-01T09:00+07:00', '2026-02-30T09:00', '2026-12-01T24:00', '2026-12-01T09:60', 'tomorrow']) {
      expect(refusal(() => localTimeToUtc(sendAt, 'Asia/Jakarta')).field, sendAt).toBe('sendAt');
    }
  });
});

describe('resolveSchedule', () => {
  it('keeps the local time with seconds, the zone and the UTC instant', () => {
    expect(resolveSchedule({ sendAt: '2026-12-01T09:00', timeZone: 'Asia/Jakarta' }, now)).toEqual({
      sendAt: '2026-12-01T09:00:00',
      timeZone: 'Asia/Jakarta',
      sendsAtUtc: '2026-12-01T02:00:00.000Z',
    });
  });

  it('refuses a time already past in its zone, though not past in UTC wall-clock terms', () => {
    // 19:30 in Jakarta is 12:30Z; "now" 12:00Z makes 18:59 Jakarta (11:59Z) the past.
    expect(resolveSchedule({ sendAt: '2026-11-24T19:30', timeZone: 'Asia/Jakarta' }, now).sendsAtUtc).toBe('2026-11-24T12:30:00.000Z');
    const problem = refusal(() => resolveSchedule({ sendAt: '2026-11-24T18:59', timeZone: 'Asia/Jakarta' }, now));
    expect(problem).toMatchObject({ field: 'sendAt' });
    expect(problem.message).toMatch(/already passed/);
  });

  it(`refuses a time more than ${SCHEDULE_HORIZON_DAYS} days ahead, and accepts one just inside`, () => {
    expect(resolveSchedule({ sendAt: '2027-11-24T11:59', timeZone: 'UTC' }, now).sendsAtUtc).toBe('2027-11-24T11:59:00.000Z');
    const problem = refusal(() => resolveSchedule({ sendAt: '2027-11-24T12:01', timeZone: 'UTC' }, now));
    expect(problem).toMatchObject({ field: 'sendAt' });
    expect(problem.message).toMatch(/more than 365 days ahead/);
  });

  it('names the zone first when both fields are wrong', () => {
    expect(refusal(() => resolveSchedule({ sendAt: 'soon', timeZone: 'Nowhere/Land' }, now)).field).toBe('timeZone');
  });
});
