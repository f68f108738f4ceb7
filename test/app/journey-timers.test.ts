import { describe, expect, it } from 'vitest';
import { TimerDispatch } from '../../src/app/journey-timer-dispatch';
import { ShardDrain, TIMER_LEASE_MS, type DueEntry, type DueTimer, type DueTimers, type ShardSweeps } from '../../src/app/journey-timers';
import { MemoryLog, MemoryPublisher } from './in-memory';

const HOLD_MS = 120_000;

/** The due-time index in shards, with the table's conditional lease. */
class MemoryDueIndex implements DueTimers {
  readonly entries = new Map<string, DueTimer & { shard: number }>();
  constructor(readonly shards: number) {}
  add(shard: number, leadId: string, wakeAt: string) {
    this.entries.set(leadId, { shard, leadId, journeyId: 'j1', run: 1, seq: 1, wakeAt, dueKey: `${wakeAt}#${leadId}#j1` });
  }
  async due(shard: number, now: string, limit: number) {
    return [...this.entries.values()]
      .filter((entry) => entry.shard === shard && entry.dueKey <= `${now}#~`)
      .sort((a, b) => a.dueKey.localeCompare(b.dueKey))
      .slice(0, limit);
  }
  async first(shard: number) {
    return [...this.entries.values()].filter((entry) => entry.shard === shard).sort((a, b) => a.dueKey.localeCompare(b.dueKey))[0];
  }
  async done() {}
  async lease(due: DueTimer, until: string) {
    const entry = this.entries.get(due.leadId);
    if (!entry || entry.dueKey !== due.dueKey) return false;
    this.entries.set(due.leadId, { ...entry, dueKey: `${until}#${due.leadId}#j1` });
    return true;
  }
}

class MemorySweeps implements ShardSweeps {
  readonly leases = new Map<number, { holder: string; until: string }>();
  async take(shard: number, holder: string, until: string, now: string) {
    const lease = this.leases.get(shard);
    if (lease && lease.until >= now) return false;
    this.leases.set(shard, { holder, until });
    return true;
  }
  async extend(shard: number, holder: string, until: string) {
    const lease = this.leases.get(shard);
    if (lease?.holder !== holder) return false;
    this.leases.set(shard, { holder, until });
    return true;
  }
  async release(shard: number, holder: string) {
    if (this.leases.get(shard)?.holder === holder) this.leases.set(shard, { holder: '', until: new Date(0).toISOString() });
  }
}

function setup(shards = 4) {
  const index = new MemoryDueIndex(shards);
  const sweeps = new MemorySweeps();
  const publisher = new MemoryPublisher();
  const dispatch = new TimerDispatch(index, sweeps, publisher);
  const drain = new ShardDrain(index, sweeps, publisher, new MemoryLog());
  return { index, sweeps, publisher, dispatch, drain };
}

describe('the due-time sweep, fanned out by shard', () => {
  it('requests one drain per shard with timers due, and none while a drain holds the shard', async () => {
    const { index, publisher, dispatch } = setup();
    const now = new Date('2026-11-30T12:00:00Z');
    index.add(0, 'a', '2026-11-30T11:59:00.000Z');
    index.add(2, 'b', '2026-11-30T11:59:30.000Z');
    index.add(3, 'later', '2026-11-30T12:05:00.000Z');

    expect(await dispatch.dispatch(now, HOLD_MS)).toEqual({ shards: [0, 2] });
    expect(publisher.of('journey.timers-due').map(({ shard }) => shard).sort()).toEqual([0, 2]);
    // The next minute's dispatch (every second locally) starts no second drain of a held shard; its
    // timers are still due, so it does not say that nothing is.
    expect(await dispatch.dispatch(new Date(now.getTime() + 1000), HOLD_MS)).toEqual({ shards: [] });
    // A drain that died leaves its lease to run out; then the shard is requested again.
    expect((await dispatch.dispatch(new Date(now.getTime() + HOLD_MS + 1000), HOLD_MS)).shards).toEqual([0, 2]);
  });

  it("drains its shard's due timers once each, and a repeated request for the shard drains nothing", async () => {
    const { index, publisher, dispatch, drain } = setup();
    const now = new Date('2026-11-30T12:00:00Z');
    for (let n = 0; n < 1200; n += 1) index.add(1, `lead-${String(n).padStart(4, '0')}`, '2026-11-30T11:59:00.000Z');
    index.add(1, 'tomorrow', '2026-12-01T12:00:00.000Z');
    await dispatch.dispatch(now, HOLD_MS);
    const [request] = publisher.of('journey.timers-due');
    if (!request) throw new Error('no drain requested');

    const [first, repeat] = await Promise.all([drain.drain(request.shard, request.holder, now, Date.now() + 10_000, HOLD_MS), drain.drain(request.shard, request.holder, now, Date.now() + 10_000, HOLD_MS)]);
    const sent = publisher.of('journey.step-due');
    expect(new Set(sent.map(({ leadId }) => leadId)).size).toBe(1200);
    expect(sent).toHaveLength(1200);
    expect([first, repeat].map((outcome) => (outcome === 'not-holder' ? 0 : outcome.sent)).reduce((a, b) => a + b)).toBe(1200);
    expect(sent.some(({ leadId }) => leadId === 'tomorrow')).toBe(false);
    // Drained: the lease is free, and the next dispatch finds nothing due.
    expect(await drain.drain(request.shard, request.holder, now, Date.now() + 10_000, HOLD_MS)).toBe('not-holder');
    // The drained timers are leased for TIMER_LEASE_MS, which is when the index next holds something due.
    expect(await dispatch.dispatch(new Date(now.getTime() + 1000), HOLD_MS)).toEqual({ shards: [], nothingDueBefore: new Date(now.getTime() + TIMER_LEASE_MS).toISOString() });
  });

  it('says, when nothing is due, when the earliest entry of any shard falls due, or that the index is empty', async () => {
    const { index, dispatch, publisher } = setup();
    const now = new Date('2026-11-30T12:00:00Z');
    expect(await dispatch.dispatch(now, HOLD_MS)).toEqual({ shards: [], nothingDueBefore: null });
    index.add(1, 'in-an-hour', '2026-11-30T13:00:00.000Z');
    index.add(3, 'in-ten-seconds', '2026-11-30T12:00:10.000Z');
    index.add(3, 'tomorrow', '2026-12-01T12:00:00.000Z');
    expect(await dispatch.dispatch(now, HOLD_MS)).toEqual({ shards: [], nothingDueBefore: '2026-11-30T12:00:10.000Z' });
    // An entry due at the very instant is due, as a drain reads the index.
    expect(await dispatch.dispatch(new Date('2026-11-30T12:00:10.000Z'), HOLD_MS)).toEqual({ shards: [3] });
    expect(publisher.of('journey.timers-due')).toHaveLength(1);
  });

  it('hands a backlog left at its deadline to a drain of its own at once', async () => {
    const { index, publisher, dispatch, drain } = setup();
    const now = new Date('2026-11-30T12:00:00Z');
    for (let n = 0; n < 10; n += 1) index.add(3, `lead-${n}`, '2026-11-30T11:59:00.000Z');
    await dispatch.dispatch(now, HOLD_MS);
    const [request] = publisher.of('journey.timers-due');
    if (!request) throw new Error('no drain requested');

    expect(await drain.drain(request.shard, request.holder, now, Date.now() - 1, HOLD_MS)).toEqual({ sent: 0, more: true });
    const handedOn = publisher.of('journey.timers-due').at(-1);
    expect(handedOn).toMatchObject({ shard: 3 });
    expect(handedOn?.holder).not.toBe(request.holder);
    if (!handedOn) throw new Error('no drain handed on');
    expect(await drain.drain(handedOn.shard, handedOn.holder, now, Date.now() + 10_000, HOLD_MS)).toEqual({ sent: 10, more: false });
  });

  it('after a failed publish frees the shard, and the timer leased then goes out again when its lease ends', async () => {
    const { index, publisher, dispatch, drain } = setup();
    const now = new Date('2026-11-30T12:00:00Z');
    index.add(0, 'a', '2026-11-30T11:59:00.000Z');
    await dispatch.dispatch(now, HOLD_MS);
    const [request] = publisher.of('journey.timers-due');
    if (!request) throw new Error('no drain requested');
    publisher.faults.fail('publish');
    await expect(drain.drain(request.shard, request.holder, now, Date.now() + 10_000, HOLD_MS)).rejects.toThrow();
    // The timer is leased, so not due for now; the shard's lease is free, so no drain is stuck behind it.
    expect((await dispatch.dispatch(new Date(now.getTime() + 1000), HOLD_MS)).shards).toEqual([]);
    expect((await dispatch.dispatch(new Date(now.getTime() + 5 * 60_000 + 1000), HOLD_MS)).shards).toEqual([0]);
  });

  it('hands a due segment check to track-segments, and a due date entry to the runner, taking the date entry out of the index', async () => {
    const entries: DueEntry[] = [
      { kind: 'segment-check', leadId: 'a', dueAt: '2026-11-30T11:59:00.000Z', dueKey: '2026-11-30T11:59:00.000Z#a#segments' },
      { kind: 'date-entry', leadId: 'b', journeyId: 'renewal', dateEntryAt: '2026-11-30T11:58:00.000Z', dueKey: '2026-11-30T11:58:00.000Z#b#renewal#date' },
    ];
    const doneWith: string[] = [];
    const index: Pick<DueTimers, 'due' | 'lease' | 'done'> = {
      due: async (_shard, now) => entries.filter((entry) => entry.dueKey <= `${now}#~`),
      lease: async (due, until) => {
        const at = entries.indexOf(due);
        entries[at] = { ...due, dueKey: `${until}${due.dueKey.slice(due.dueKey.indexOf('#'))}` };
        return true;
      },
      done: async (due) => void doneWith.push(due.leadId),
    };
    const sweeps = new MemorySweeps();
    const publisher = new MemoryPublisher();
    const now = new Date('2026-11-30T12:00:00Z');
    await sweeps.take(0, 'holder', '2026-11-30T12:02:00.000Z', now.toISOString());
    expect(await new ShardDrain(index, sweeps, publisher, new MemoryLog()).drain(0, 'holder', now, Date.now() + 10_000, HOLD_MS)).toEqual({ sent: 2, more: false });
    expect(publisher.of('lead.segment-check-due')).toEqual([{ version: 1, correlationId: 'segment-check:a:2026-11-30T11:59:00.000Z', leadId: 'a', dueAt: '2026-11-30T11:59:00.000Z' }]);
    expect(publisher.of('journey.enrolment-requested')).toEqual([{ version: 1, correlationId: 'renewal:b:2026-11-30T11:58:00.000Z', journeyId: 'renewal', leadId: 'b', dateEntryAt: '2026-11-30T11:58:00.000Z' }]);
    expect(doneWith).toEqual(['b']);
  });
});
