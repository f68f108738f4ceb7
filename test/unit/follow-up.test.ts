import { describe, expect, it } from 'vitest';
import { followUpFireTimes, followUpScheduleName, nextRepFor, waitedFor } from '../../src/domain/handoff/follow-up';
import { RoutingConfig, type RoutingTeam } from '../../src/domain/handoff/routing';
// The messages a caller reads, as the HTTP layer installs them (zod mini has no default locale).
import '../../src/api/messages';

const rep = (id: string, capacity = 2) => ({ id, name: `Rep ${id}`, email: `${id}@example.com`, capacity });
const team: RoutingTeam = { id: 'apac', name: 'APAC', inbox: 'apac@example.com', reps: [rep('ana'), rep('budi'), rep('citra')] };
const config = { teams: [team], rules: [], defaultTeam: 'apac' };

const issuesOf = (followUp: unknown) => {
  const result = RoutingConfig.safeParse({ ...config, followUp });
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
};

describe('follow-up timing in the routing configuration', () => {
  it('is optional, and takes minutes with fractions down to 3 seconds', () => {
    expect(RoutingConfig.safeParse(config).success).toBe(true);
    expect(issuesOf({ remindAfterMinutes: 0.05, reassignAfterMinutes: 0.1 })).toEqual([]);
    expect(issuesOf({ remindAfterMinutes: 240, reassignAfterMinutes: 30 * 24 * 60 })).toEqual([]);
  });

  it('refuses times out of range, not numbers, a reassignment not later than the reminder, or unknown fields, naming the field', () => {
    expect(issuesOf({ remindAfterMinutes: 0.01, reassignAfterMinutes: 10 })).toEqual([expect.stringMatching(/^followUp\.remindAfterMinutes: must be at least 0\.05/)]);
    expect(issuesOf({ remindAfterMinutes: 10, reassignAfterMinutes: 30 * 24 * 60 + 1 })).toEqual([expect.stringMatching(/^followUp\.reassignAfterMinutes: must be at most/)]);
    expect(issuesOf({ remindAfterMinutes: '10', reassignAfterMinutes: 20 })).toEqual([expect.stringMatching(/^followUp\.remindAfterMinutes: must be a number of minutes/)]);
    expect(issuesOf({ remindAfterMinutes: 30, reassignAfterMinutes: 30 })).toEqual(['followUp.reassignAfterMinutes: must be later than remindAfterMinutes']);
    expect(issuesOf({ remindAfterMinutes: 30 })).toEqual([expect.stringMatching(/^followUp\.reassignAfterMinutes: /)]);
    expect(issuesOf({ remindAfterMinutes: 1, reassignAfterMinutes: 2, escalate: true })[0]).toMatch(/^followUp: .*escalate/);
  });
});

describe('follow-up timers', () => {
  it('fire at the assignment plus the minutes, rounded up to the second, in UTC', () => {
    expect(followUpFireTimes('2026-11-22T10:00:00.400Z', { remindAfterMinutes: 60, reassignAfterMinutes: 0.05 * 100 })).toEqual({ remind: '2026-11-22T11:00:01', reassign: '2026-11-22T10:05:01' });
    expect(followUpFireTimes('2026-11-22T23:59:59.000Z', { remindAfterMinutes: 0.05, reassignAfterMinutes: 1440 })).toEqual({ remind: '2026-11-23T00:00:02', reassign: '2026-11-23T23:59:59' });
  });

  it('are named by kind, lead, qualification and round within EventBridge Scheduler limits', () => {
    const name = followUpScheduleName('reassign', '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0', 12, 3);
    expect(name).toBe('followup-reassign-0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0-12-3');
    expect(name).toMatch(/^[0-9A-Za-z_.-]{1,64}$/);
    // A thousand qualifications and a hundred reassignments still fit.
    expect(followUpScheduleName('reassign', '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0', 999, 99).length).toBeLessThanOrEqual(64);
  });
});

describe('the next rep on reassignment', () => {
  it('takes the round-robin turn but never the same rep, and skips reps at capacity', () => {
    expect(nextRepFor(team, 0, {}, ['ana'])?.id).toBe('budi');
    expect(nextRepFor(team, 1, {}, ['ana'])?.id).toBe('budi');
    expect(nextRepFor(team, 1, { budi: 2 }, ['ana'])?.id).toBe('citra');
    expect(nextRepFor(team, 1, { budi: 2, citra: 2 }, ['ana'])).toBeUndefined();
  });

  it('never goes back to a rep who already let the lead wait', () => {
    expect(nextRepFor(team, 0, {}, ['ana', 'budi'])?.id).toBe('citra');
    expect(nextRepFor(team, 0, {}, ['ana', 'budi', 'citra'])).toBeUndefined();
  });
});

describe('how long a lead waited', () => {
  it('reads as a rep would say it', () => {
    expect(waitedFor('2026-11-22T10:00:00Z', '2026-11-22T10:00:45Z')).toBe('45 seconds');
    expect(waitedFor('2026-11-22T10:00:00Z', '2026-11-22T10:01:00Z')).toBe('1 minute');
    expect(waitedFor('2026-11-22T10:00:00Z', '2026-11-22T13:05:00Z')).toBe('3 hours 5 minutes');
    expect(waitedFor('2026-11-20T06:00:00Z', '2026-11-22T10:00:00Z')).toBe('2 days 4 hours');
  });
});
