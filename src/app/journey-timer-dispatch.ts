import { inParallel } from './in-parallel';
import type { DueTimers, ShardSweeps } from './journey-timers';
import type { EventPublisher } from './ports';
import { DetailType, type DomainEvent } from '../domain/events';

/** PutEvents takes 10 entries per call. */
const EVENTS_PER_CALL = 10;

/**
 * The sweep of the due-time index, fanned out by shard. Every minute (every second locally) it looks
 * at each shard (one read of one entry) and, for each with timers due that nobody drains yet, takes
 * the shard's sweep lease and puts one `journey.timers-due` on the bus: each shard is drained by an
 * invocation of its own (`ShardDrain`), instead of four shards at a time in one invocation.
 */
export class TimerDispatch {
  constructor(
    private readonly timers: Pick<DueTimers, 'shards' | 'due'>,
    private readonly sweeps: Pick<ShardSweeps, 'take'>,
    private readonly publisher: EventPublisher,
  ) {}

  /**
   * Requests a drain of every shard with timers due at `now` that nobody drains yet, each lease held
   * for `holdMs` (longer than a drain may run); returns the shards requested.
   */
  async dispatch(now: Date, holdMs: number): Promise<number[]> {
    const nowIso = now.toISOString();
    const until = new Date(now.getTime() + holdMs).toISOString();
    const requested: number[] = [];
    const failures = await inParallel(
      Array.from({ length: this.timers.shards }, (_unused, shard) => async () => {
        if (!(await this.timers.due(shard, nowIso, 1)).length) return;
        const holder = `${nowIso}#${shard}`;
        if (await this.sweeps.take(shard, holder, until, nowIso)) requested.push(shard);
      }),
      this.timers.shards,
    );
    const events: DomainEvent[] = requested.map((shard) => ({ detailType: DetailType.JourneyTimersDue, detail: { version: 1, correlationId: `${nowIso}#${shard}`, shard, holder: `${nowIso}#${shard}` } }));
    for (let start = 0; start < events.length; start += EVENTS_PER_CALL) await this.publisher.publish(events.slice(start, start + EVENTS_PER_CALL));
    if (failures.length) throw failures[0];
    return requested.sort((a, b) => a - b);
  }
}
