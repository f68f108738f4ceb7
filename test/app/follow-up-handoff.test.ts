import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FollowUpHandoff, FollowUpInProgress, ReassignmentContended, type FollowUpKey } from '../../src/app/follow-up-handoff';
import type { FollowUpDueDetail } from '../../src/domain/events';
import type { Lead, LeadOwner } from '../../src/domain/lead';
import { mqlLead, routingConfig } from './fixtures';
import { MemoryFollowUpSteps, MemoryLeads, MemoryLog, MemoryMailer, MemoryPublisher, MemoryRouting } from './in-memory';

const STALE_AFTER_MS = 120_000;
const ANNOUNCING_FOR_MS = 60_000;
const assignedAt = '2026-11-22T10:00:00.000Z';
const owner: LeadOwner = { repId: 'ana', teamId: 'apac', assignedAt };
const assignedLead: Lead = { ...mqlLead, updatedAt: assignedAt, owner };
const due = (kind: 'remind' | 'reassign', repId = 'ana', round = 0): FollowUpDueDetail => ({ version: 1, correlationId: 'c-1', leadId: 'lead-1', rulesetVersion: 'starter-1', qualification: 2, repId, round, kind });
const keyOf = (round = 0): FollowUpKey => ({ leadId: 'lead-1', rulesetVersion: 'starter-1', qualification: 2, round });

let leads: MemoryLeads;
let routing: MemoryRouting;
let steps: MemoryFollowUpSteps;
let mailer: MemoryMailer;
let publisher: MemoryPublisher;
let log: MemoryLog;
let followUps: FollowUpHandoff;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.parse(assignedAt) + 4 * 3_600_000);
  // No wait between optimistic attempts: the races below are decided by the ports, not by time.
  vi.spyOn(Math, 'random').mockReturnValue(0);
  leads = new MemoryLeads();
  leads.put(assignedLead);
  routing = new MemoryRouting(routingConfig);
  routing.open.set('ana', 1);
  steps = new MemoryFollowUpSteps(leads, routing, STALE_AFTER_MS);
  mailer = new MemoryMailer();
  publisher = new MemoryPublisher();
  log = new MemoryLog();
  followUps = new FollowUpHandoff({ leads, routing, steps, mailer, publisher, log, announcingForMs: ANNOUNCING_FOR_MS });
});

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('a due reminder', () => {
  it('reminds the owner once, however often the timer is delivered', async () => {
    await followUps.due(due('remind'));
    await followUps.due(due('remind'));

    expect(mailer.recipients()).toEqual(['ana@example.com']);
    expect(mailer.sent[0]?.tags).toEqual({ kind: 'mql-reminder', ruleset: 'starter-1' });
    expect(await steps.get(keyOf(), 'remind')).toMatchObject({ status: 'done', outcome: 'reminded' });
    expect(log.messages('info')).toContain('Follow-up step already done; duplicate ignored');
  });

  it('is dropped when the lead was answered, changed owner or moved on a round', async () => {
    leads.put({ ...assignedLead, stage: 'sql' });
    await followUps.due(due('remind'));
    leads.put({ ...assignedLead, owner: { repId: 'budi', teamId: 'apac', assignedAt } });
    await followUps.due(due('remind'));
    leads.put({ ...assignedLead, owner: { ...owner, unansweredBy: ['citra'] } });
    await followUps.due(due('remind'));

    expect(mailer.sent).toEqual([]);
    expect(steps.steps.size).toBe(0);
  });

  it('gives its claim back when the email fails, so the retry sends it', async () => {
    mailer.faults.fail('send');
    await expect(followUps.due(due('remind'))).rejects.toThrow('send failed');
    expect(await steps.get(keyOf(), 'remind')).toBeUndefined();

    await followUps.due(due('remind'));
    expect(mailer.recipients()).toEqual(['ana@example.com']);
  });

  it('waits for a claim another delivery holds, and takes it over once stale', async () => {
    await steps.claim(keyOf(), 'remind', 'reminded', 'ana', new Date().toISOString());
    await expect(followUps.due(due('remind'))).rejects.toBeInstanceOf(FollowUpInProgress);
    expect(mailer.sent).toEqual([]);

    vi.setSystemTime(Date.now() + STALE_AFTER_MS + 1_000);
    await followUps.due(due('remind'));
    expect(mailer.recipients()).toEqual(['ana@example.com']);
  });
});

describe('a due reassignment', () => {
  it('moves the lead to the next rep with room, once: next-round timers requested, alert, lead.assigned', async () => {
    await followUps.due(due('reassign'));
    await followUps.due(due('reassign'));

    const newOwner = leads.leads.get('lead-1')?.owner;
    expect(newOwner).toMatchObject({ teamId: 'apac', unansweredBy: ['ana'] });
    expect(newOwner?.repId).not.toBe('ana');
    expect(mailer.recipients()).toEqual([`${newOwner?.repId}@example.com`]);
    expect(publisher.of('handoff.follow-up-requested')).toEqual([
      { version: 1, correlationId: 'c-1', leadId: 'lead-1', rulesetVersion: 'starter-1', qualification: 2, repId: newOwner?.repId, assignedAt: newOwner?.assignedAt, round: 1, remindAfterMinutes: 60, reassignAfterMinutes: 240 },
    ]);
    expect(publisher.of('lead.assigned')).toEqual([
      { version: 1, correlationId: 'c-1', leadId: 'lead-1', rulesetVersion: 'starter-1', qualification: 2, repId: newOwner?.repId, teamId: 'apac', assignedAt: newOwner?.assignedAt, reassignedFrom: 'ana' },
    ]);
    expect(routing.open.get('ana')).toBe(0);
    expect(routing.open.get(newOwner?.repId ?? '')).toBe(1);
    expect(await steps.get(keyOf(), 'reassign')).toMatchObject({ status: 'done', outcome: 'reassigned' });
  });

  it('never hands the lead back to a rep who already let it wait', async () => {
    leads.put({ ...assignedLead, owner: { repId: 'budi', teamId: 'apac', assignedAt, unansweredBy: ['ana'] } });
    await followUps.due(due('reassign', 'budi', 1));

    expect(leads.leads.get('lead-1')?.owner).toMatchObject({ repId: 'citra', unansweredBy: ['ana', 'budi'] });
  });

  it('tells the team inbox once when no other rep has room, and leaves the lead with its owner', async () => {
    routing.open.set('budi', 2);
    routing.open.set('citra', 2);
    await followUps.due(due('reassign'));
    await followUps.due(due('reassign'));

    expect(mailer.recipients()).toEqual(['apac@example.com']);
    expect(mailer.sent[0]?.tags?.kind).toBe('mql-unassigned');
    expect(leads.leads.get('lead-1')?.owner?.repId).toBe('ana');
    expect(publisher.events).toEqual([]);
  });

  it('finishes an announcement that failed without moving the lead again', async () => {
    publisher.faults.fail('publish');
    await expect(followUps.due(due('reassign'))).rejects.toThrow('publish failed');
    const moved = leads.leads.get('lead-1');
    expect(await steps.get(keyOf(), 'reassign')).toMatchObject({ status: 'interrupted' });

    await followUps.due(due('reassign'));
    expect(leads.leads.get('lead-1')).toEqual(moved);
    expect(publisher.of('lead.assigned')).toHaveLength(1);
    expect(await steps.get(keyOf(), 'reassign')).toMatchObject({ status: 'done' });
  });

  it('waits for a reassignment another delivery is announcing, and finishes it once that delivery is gone', async () => {
    await steps.tryReassign(keyOf(), assignedLead, owner, { repId: 'budi', teamId: 'apac', assignedAt: new Date().toISOString(), unansweredBy: ['ana'] }, 2);
    await expect(followUps.due(due('reassign'))).rejects.toBeInstanceOf(FollowUpInProgress);
    expect(publisher.events).toEqual([]);

    vi.setSystemTime(Date.now() + ANNOUNCING_FOR_MS + 1_000);
    await followUps.due(due('reassign'));
    expect(publisher.of('lead.assigned')).toMatchObject([{ repId: 'budi', reassignedFrom: 'ana' }]);
    expect(mailer.recipients()).toEqual(['budi@example.com']);
  });

  it('looks again after a lost race, with the team turn it already took', async () => {
    steps.lostRaces.push('conflict', 'rep-full');
    await followUps.due(due('reassign'));

    expect(routing.turns.get('apac')).toBe(1);
    expect(leads.leads.get('lead-1')?.owner?.repId).not.toBe('ana');
  });

  it('gives the record back for a later retry when every attempt loses a race', async () => {
    steps.lostRaces.push(...Array.from({ length: 6 }, () => 'conflict' as const));
    await expect(followUps.due(due('reassign'))).rejects.toBeInstanceOf(ReassignmentContended);
    expect(leads.leads.get('lead-1')?.owner?.repId).toBe('ana');
    expect(mailer.sent).toEqual([]);
  });
});
