import { CONFIGURED_LIFESPAN } from '../../src/domain/care/lifetime-value';
import { beforeEach, describe, expect, it } from 'vitest';
import { Audience } from '../../src/app/audience';
import { ScoreNotCurrent, SegmentTracking, type Membership, type SegmentMemberships, type TrackedSegment } from '../../src/app/segment-tracking';
import type { Lead } from '../../src/domain/lead';
import { matchesWhere, type SegmentRule } from '../../src/domain/segments/segment';
import { MemoryLeads, MemoryLog, MemoryPublisher } from './in-memory';

/** Memberships with the table's conditional write: a change at a version another tracker moved is refused. */
class MemoryMemberships implements SegmentMemberships {
  readonly records = new Map<string, Membership>();
  /** Each lead's next check, as the due-time index holds it, with every write counted. */
  readonly checks = new Map<string, string>();
  checkWrites = 0;
  async of(leadId: string) {
    await new Promise((resolve) => setImmediate(resolve));
    const nextCheckAt = this.checks.get(leadId);
    return { segments: new Map([...this.records].filter(([key]) => key.startsWith(`${leadId}#`)).map(([key, membership]) => [key.slice(leadId.length + 1), membership])), ...(nextCheckAt ? { nextCheckAt } : {}) };
  }
  async scheduleCheck(leadId: string, at: string | undefined) {
    this.checkWrites += 1;
    if (at) this.checks.set(leadId, at);
    else this.checks.delete(leadId);
  }
  async change(leadId: string, segmentId: string, next: Required<Pick<Membership, 'member' | 'pending'>>, expectedVersion: number) {
    await new Promise((resolve) => setImmediate(resolve));
    if ((this.records.get(`${leadId}#${segmentId}`)?.version ?? 0) !== expectedVersion) return false;
    this.records.set(`${leadId}#${segmentId}`, { ...next, version: expectedVersion + 1 });
    return true;
  }
  async published(leadId: string, segmentId: string, version: number) {
    const record = this.records.get(`${leadId}#${segmentId}`);
    if (record?.version === version) this.records.set(`${leadId}#${segmentId}`, { member: record.member, version });
  }
}

const lead = (extra: Partial<Lead> = {}): Lead => ({ id: 'lead-1', email: 'a@example.com', subscriptions: {}, industry: 'SaaS', version: 1, createdAt: '2027-01-01T00:00:00Z', firstTouch: { at: '2027-01-01T00:00:00Z' }, lastTouch: { at: '2027-01-01T00:00:00Z' }, ...extra }) as Lead;
const saas: TrackedSegment = { id: 'seg-saas', version: 3, where: { lead: { industry: ['SaaS'] } } };
const retail: TrackedSegment = { id: 'seg-retail', version: 1, where: { lead: { industry: ['Retail'] } } };

let leads: MemoryLeads;
let memberships: MemoryMemberships;
let publisher: MemoryPublisher;
let scoreCurrent: boolean;
let tracking: SegmentTracking;

beforeEach(() => {
  leads = new MemoryLeads();
  leads.put(lead());
  memberships = new MemoryMemberships();
  publisher = new MemoryPublisher();
  scoreCurrent = true;
  tracking = new SegmentTracking({
    leads,
    segments: { tracked: async () => [saas, retail] },
    audience: { decide: async (rules: readonly SegmentRule[], current: Lead) => ({ members: rules.map((rule) => matchesWhere(rule, { lead: { industry: current.industry } })) }) },
    memberships,
    publisher,
    scores: { isCurrent: async () => scoreCurrent },
    log: new MemoryLog(),
    scoreWaitMs: 2_000,
  });
});

const published = () => publisher.events.map((event) => `${event.detailType} ${(event.detail as { segmentId: string }).segmentId}`);

describe('segment entry and exit', () => {
  it('publishes an entry when a lead enters a tracked segment, with the segment version, and nothing for one it is not in', async () => {
    expect(await tracking.track('lead-1', 'corr', new Date('2027-01-15T12:00:00Z'))).toBe(1);
    expect(publisher.events).toEqual([
      { detailType: 'lead.segment_entered', detail: { version: 1, correlationId: 'corr', leadId: 'lead-1', segmentId: 'seg-saas', segmentVersion: 3, at: '2027-01-15T12:00:00.000Z' } },
    ]);
    expect(memberships.records.get('lead-1#seg-saas')).toEqual({ member: true, version: 1 });
  });

  it('publishes each entry once however often the lead is looked at, and an exit when it leaves', async () => {
    await tracking.track('lead-1', 'a');
    await tracking.track('lead-1', 'b');
    leads.put(lead({ industry: 'Retail' }));
    await tracking.track('lead-1', 'c');

    expect(published()).toEqual(['lead.segment_entered seg-saas', 'lead.segment_left seg-saas', 'lead.segment_entered seg-retail']);
  });

  it('publishes one entry when trackers of two deliveries look at the lead at once', async () => {
    const changed = await Promise.all([tracking.track('lead-1', 'a'), tracking.track('lead-1', 'b'), tracking.track('lead-1', 'c')]);

    expect(changed.reduce((sum, count) => sum + count, 0)).toBe(1);
    expect(published()).toEqual(['lead.segment_entered seg-saas']);
  });

  it('publishes an entry whose publish failed on the next look, with the same detail, and no second entry', async () => {
    publisher.faults.fail('publish');
    await expect(tracking.track('lead-1', 'a', new Date('2027-01-15T12:00:00Z'))).rejects.toThrow();
    expect(memberships.records.get('lead-1#seg-saas')?.pending).toBeDefined();

    await tracking.track('lead-1', 'retry', new Date('2027-01-15T12:05:00Z'));
    expect(publisher.events).toEqual([{ detailType: 'lead.segment_entered', detail: expect.objectContaining({ correlationId: 'a', at: '2027-01-15T12:00:00.000Z' }) }]);
    expect(memberships.records.get('lead-1#seg-saas')).toEqual({ member: true, version: 1 });
  });

  it('waits for the scorer after new events before it looks', async () => {
    scoreCurrent = false;
    setTimeout(() => {
      scoreCurrent = true;
    }, 300);
    expect(await tracking.trackScored('lead-1', 'a')).toBe(1);
  });

  it('neither waits for the scorer nor reads the lead when no segment is tracked', async () => {
    let looks = 0;
    const untracked = new SegmentTracking({
      leads,
      segments: { tracked: async () => [] },
      audience: { decide: async () => ({ members: [] }) },
      memberships,
      publisher,
      scores: {
        isCurrent: async () => {
          looks += 1;
          return false;
        },
      },
      log: new MemoryLog(),
      scoreWaitMs: 2_000,
    });
    expect(await untracked.trackScored('lead-1', 'a')).toBe(0);
    expect(looks).toBe(0);
  });

  it('gives up waiting for the scorer at the deadline, changing nothing', async () => {
    scoreCurrent = false;
    await expect(tracking.trackScored('lead-1', 'a')).rejects.toBeInstanceOf(ScoreNotCurrent);
    expect(publisher.events).toEqual([]);
  });
});

describe('which tracked segments one lead is in', () => {
  const now = '2027-01-15T12:00:00.000Z';
  const daysAgo = (days: number) => new Date(Date.parse(now) - days * 86_400_000).toISOString();
  const history = [
    { id: 'v1', type: 'page_view', occurredAt: daysAgo(3), properties: {} },
    { id: 'v2', type: 'page_view', occurredAt: daysAgo(40), properties: {} },
    { id: 'w1', type: 'webinar_registration', occurredAt: daysAgo(100), properties: {} },
  ];

  it("reads the lead's history once, as far back as the rules need, and holds each condition to its own window", async () => {
    const reads: (string | undefined)[] = [];
    const audience = new Audience(
      { leadsPage: async () => ({ leads: [] }) },
      {
        eventsOf: async (_subject, options) => {
          reads.push(options.since);
          return history.filter((event) => !options.since || event.occurredAt >= options.since);
        },
      },
      { get: async () => undefined },
      { lifespan: async () => CONFIGURED_LIFESPAN },
    );
    const rules: SegmentRule[] = [
      { history: [{ event: { type: ['page_view'] }, withinDays: 7, atLeast: 2 }] },
      { history: [{ event: { type: ['page_view'] }, withinDays: 60, atLeast: 2 }] },
      { history: [{ event: { type: ['webinar_registration'] }, withinDays: 30 }] },
      { where: { lead: { industry: ['Retail'] } }, history: [{ event: { type: ['webinar_registration'] } }] },
      { where: { lead: { industry: ['SaaS'] } } },
    ];

    expect(await audience.includedIn(rules, lead(), now)).toEqual([false, true, false, false, true]);
    expect(reads).toEqual([daysAgo(60)]);
  });
});

describe('memberships that change with time alone', () => {
  const t0 = new Date('2027-01-15T12:00:00.000Z');
  const pricingViewAt = '2027-01-13T12:00:00.000Z';
  const recentPricing: TrackedSegment = { id: 'seg-pricing', version: 1, history: [{ event: { type: ['pricing_view'] }, withinDays: 7 }] };

  function timed() {
    const events = [{ id: 'p1', type: 'pricing_view', occurredAt: pricingViewAt, properties: {} }];
    const audience = new Audience(
      { leadsPage: async () => ({ leads: [] }) },
      { eventsOf: async (_subject, options) => events.filter((event) => !options.since || event.occurredAt >= options.since) },
      { get: async () => undefined },
      { lifespan: async () => CONFIGURED_LIFESPAN },
    );
    return new SegmentTracking({ leads, segments: { tracked: async () => [recentPricing] }, audience, memberships, publisher, scores: { isCurrent: async () => true }, log: new MemoryLog() });
  }

  it('keeps the instant the pricing view leaves its 7-day window, and on that check (no new event) publishes the exit once', async () => {
    const tracker = timed();
    await tracker.track('lead-1', 'view', t0);
    expect(published()).toEqual(['lead.segment_entered seg-pricing']);
    const leavesAt = new Date(Date.parse(pricingViewAt) + 7 * 86_400_000 + 1).toISOString();
    expect(memberships.checks.get('lead-1')).toBe(leavesAt);
    expect(memberships.checkWrites).toBe(1);

    // Other looks at the lead before then (a form, a stage change) write no check: the instant has not moved.
    await tracker.track('lead-1', 'form', new Date('2027-01-17T08:00:00Z'));
    expect(memberships.checkWrites).toBe(1);

    // The sweep hands the due check back, late by its minute; delivered twice, it changes the membership once.
    const due = new Date(Date.parse(leavesAt) + 45_000);
    await tracker.checkDue('lead-1', 'check', due);
    await tracker.checkDue('lead-1', 'check-again', due);
    expect(published()).toEqual(['lead.segment_entered seg-pricing', 'lead.segment_left seg-pricing']);
    expect(publisher.events.at(-1)?.detail).toMatchObject({ at: due.toISOString() });
    // Nothing left that time alone could change: the check is out of the index.
    expect(memberships.checks.has('lead-1')).toBe(false);
  });

  it('leaves an earlier check standing when a new event pushes the flip on, and moves it on that check: one write per check, not per event', async () => {
    const events = [{ id: 'p1', type: 'pricing_view', occurredAt: pricingViewAt, properties: {} }];
    const audience = new Audience(
      { leadsPage: async () => ({ leads: [] }) },
      { eventsOf: async (_subject, options) => events.filter((event) => !options.since || event.occurredAt >= options.since) },
      { get: async () => undefined },
      { lifespan: async () => CONFIGURED_LIFESPAN },
    );
    const tracker = new SegmentTracking({ leads, segments: { tracked: async () => [recentPricing] }, audience, memberships, publisher, scores: { isCurrent: async () => true }, log: new MemoryLog() });
    await tracker.track('lead-1', 'view', t0);
    const firstLeavesAt = memberships.checks.get('lead-1');
    for (const day of ['16', '17', '18']) {
      events.push({ id: `p${day}`, type: 'pricing_view', occurredAt: `2027-01-${day}T12:00:00.000Z`, properties: {} });
      await tracker.track('lead-1', `view-${day}`, new Date(`2027-01-${day}T12:00:01.000Z`));
    }
    expect(memberships.checkWrites).toBe(1);
    expect(memberships.checks.get('lead-1')).toBe(firstLeavesAt);

    // The earlier check finds the lead still a member (its last view is recent) and stores the later instant.
    await tracker.checkDue('lead-1', 'check', new Date(Date.parse(String(firstLeavesAt)) + 30_000));
    expect(published()).toEqual(['lead.segment_entered seg-pricing']);
    expect(memberships.checkWrites).toBe(2);
    expect(memberships.checks.get('lead-1')).toBe(new Date(Date.parse('2027-01-18T12:00:00.000Z') + 7 * 86_400_000 + 1).toISOString());
  });

  it('takes the check out when no segment is tracked any more', async () => {
    memberships.checks.set('lead-1', t0.toISOString());
    const untracked = new SegmentTracking({ leads, segments: { tracked: async () => [] }, audience: { decide: async () => ({ members: [] }) }, memberships, publisher, scores: { isCurrent: async () => true }, log: new MemoryLog() });
    await untracked.checkDue('lead-1', 'check', t0);
    expect(memberships.checks.has('lead-1')).toBe(false);
  });
});
