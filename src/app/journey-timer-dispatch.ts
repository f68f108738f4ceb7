import { inParallel } from './in-parallel';
import type { DueEntry, DueTimers, ShardSweeps } from './journey-timers';
import type { EventPublisher } from './ports';
import { DetailType, type DomainEvent } from '../domain/events';

/** PutEvents takes 10 entries per call. */
const EVENTS_PER_CALL = 10;

/** What a dispatch requested, and until when the index needs no other. */
export interface Dispatched {
  /** The shards whose drain was requested, in order. */
  readonly shards: number[];
  /**
   * Given only when no shard holds an entry due at the dispatch's `now`: the instant the earliest entry
   * falls due, or null when the index is empty. Until then a dispatch finds nothing, unless an entry is
   * written meanwhile (the local stack's sweep rests on this: local/schedules.ts).
   */
  readonly nothingDueBefore?: string | null;
}

/** The instant an index entry falls due: its key begins with it. */
const dueAtOf = (entry: DueEntry) => entry.dueKey.slice(0, entry.dueKey.indexOf('#'));

/**
 * The sweep of the due-time index, fanned out by shard. Every minute (every second locally) it looks
 * at each shard (one read of its earliest entry) and, for each with timers due that nobody drains yet,
 * takes the shard's sweep lease and puts one `journey.timers-due` on the bus: each shard is drained by
 * an invocation of its own (`ShardDrain`), instead of four shards at a time in one invocation.
 */
export class TimerDispatch {
  constructor(
    private readonly timers: Pick<DueTimers, 'shards' | 'first'>,
    private readonly sweeps: Pick<ShardSweeps, 'take'>,
    private readonly publisher: EventPublisher,
  ) {}

  /**
   * Requests a drain of every shard with timers due at `now` that nobody drains yet, each lease held
   * for `holdMs` (longer than a drain may run); says when nothing is due yet, until when.
   */
  async dispatch(now: Date, holdMs: number): Promise<Dispatched> {
    const nowIso = now.toISOString();
    const until = new Date(now.getTime() + holdMs).toISOString();
    const requested: number[] = [];
    let someDue = false;
    let earliestAhead: string | undefined;
    const failures = await inParallel(
      Array.from({ length: this.timers.shards }, (_unused, shard) => async () => {
        const first = await this.timers.first(shard);
        if (!first) return;
        // As the index is read for a drain: every entry at `now`, whatever follows the instant in its key.
        if (first.dueKey > `${nowIso}#~`) {
          const dueAt = dueAtOf(first);
          if (earliestAhead === undefined || dueAt < earliestAhead) earliestAhead = dueAt;
          return;
        }
        someDue = true;
        const holder = `${nowIso}#${shard}`;
        if (await this.sweeps.take(shard, holder, until, nowIso)) requested.push(shard);
      }),
      this.timers.shards,
    );
    const events: DomainEvent[] = requested.map((shard) => ({ detailType: DetailType.JourneyTimersDue, detail: { version: 1, correlationId: `${nowIso}#${shard}`, shard, holder: `${nowIso}#${shard}` } }));
    for (let start = 0; start < events.length; start += EVENTS_PER_CALL) await this.publisher.publish(events.slice(start, start + EVENTS_PER_CALL));
    if (failures.length) throw failures[0];
    return { shards: requested.sort((a, b) => a - b), ...(someDue ? {} : { nothingDueBefore: earliestAhead ?? null }) };
  }
}
