import { beforeEach, describe, expect, it } from 'vitest';
import { FollowUpTimers, followUpRequested } from '../../src/app/follow-up-timers';
import type { FollowUpRequestedDetail } from '../../src/domain/events';
import type { Lead, LeadOwner } from '../../src/domain/lead';
import { mqlLead, routingConfig } from './fixtures';
import { MemoryLeads, MemoryLog } from './in-memory';
import { MemorySchedules } from './in-memory-care';

const key = { leadId: 'lead-1', rulesetVersion: 'starter-1', qualification: 2 };
const owner: LeadOwner = { repId: 'budi', teamId: 'apac', assignedAt: '2026-11-22T10:00:00.400Z', unansweredBy: ['ana'] };
const requested = followUpRequested(key, owner, { remindAfterMinutes: 60, reassignAfterMinutes: 240.5 }, 'c-1').detail as FollowUpRequestedDetail;

let schedules: MemorySchedules;
let leads: MemoryLeads;
let timers: FollowUpTimers;

beforeEach(() => {
  schedules = new MemorySchedules();
  leads = new MemoryLeads();
  timers = new FollowUpTimers({ schedules, leads, log: new MemoryLog() });
});

describe('a follow-up request', () => {
  it("names the owner's round and carries the routing's timing", () => {
    expect(followUpRequested(key, owner, routingConfig.followUp ?? { remindAfterMinutes: 1, reassignAfterMinutes: 2 }, 'c-1')).toEqual({
      detailType: 'handoff.follow-up-requested',
      detail: { version: 1, correlationId: 'c-1', ...key, repId: 'budi', assignedAt: owner.assignedAt, round: 1, remindAfterMinutes: 60, reassignAfterMinutes: 240 },
    });
  });

  it('starts one reminder and one reassignment timer, to the second after the assignment, however often it is delivered', async () => {
    leads.put({ ...mqlLead, owner });
    await timers.start(requested);
    await timers.start(requested);

    expect([...schedules.schedules.values()]).toEqual([
      expect.objectContaining({
        name: 'followup-remind-lead-1-2-1',
        at: '2026-11-22T11:00:01',
        timeZone: 'UTC',
        detailType: 'handoff.follow-up-due',
        detail: { version: 1, correlationId: 'c-1', ...key, repId: 'budi', round: 1, kind: 'remind' },
      }),
      expect.objectContaining({
        name: 'followup-reassign-lead-1-2-1',
        at: '2026-11-22T14:00:31',
        detail: { version: 1, correlationId: 'c-1', ...key, repId: 'budi', round: 1, kind: 'reassign' },
      }),
    ]);
  });

  it('starts nothing for a lead erased since it was assigned: no timer holds its id', async () => {
    await timers.start(requested);

    expect(schedules.schedules.size).toBe(0);
  });
});

describe('a lead that was answered', () => {
  it('has the timers of its current round cancelled, and only those', async () => {
    leads.put({ ...mqlLead, owner });
    await timers.start({ ...requested, round: 0, repId: 'ana' });
    await timers.start(requested);
    leads.put({ ...mqlLead, stage: 'sql', score: { qualifications: 2 } as Lead['score'], owner });
    await timers.answered({ version: 1, correlationId: 'c-1', leadId: 'lead-1', from: 'mql', to: 'sql', at: owner.assignedAt, cause: 'accepted', actor: 'budi' });

    expect([...schedules.schedules.keys()]).toEqual(['followup-remind-lead-1-2-0', 'followup-reassign-lead-1-2-0']);
  });

  it('keeps the timers of a lead that stays in or enters mql', async () => {
    leads.put({ ...mqlLead, owner });
    await timers.start(requested);
    leads.put({ ...mqlLead, score: { qualifications: 2 } as Lead['score'], owner });
    await timers.answered({ version: 1, correlationId: 'c-1', leadId: 'lead-1', from: 'lead', to: 'mql', at: owner.assignedAt, cause: 'qualified', actor: 'scoring' });

    expect(schedules.schedules.size).toBe(2);
  });
});
