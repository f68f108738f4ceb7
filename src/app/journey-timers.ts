import { inParallel } from './in-parallel';
import type { EventPublisher, Log } from './ports';
import { DetailType, type DomainEvent } from '../domain/events';

/** A waiting enrolment whose timer is due, as the due-time index holds it. */
export interface DueTimer {
  readonly leadId: string;
  readonly journeyId: string;
  readonly run: number;
  readonly seq: number;
  readonly wakeAt: string;
  readonly dueKey: string;
}

/** The due-time index: waiting enrolments by when their timer falls due, in shards. */
export interface DueTimers {
  readonly shards: number;
  due(shard: number, now: string, limit: number): Promise<DueTimer[]>;
  /** Moves an entry to `until` so later sweeps leave it to the runner; false when the enrolment moved meanwhile. */
  lease(due: DueTimer, until: string): Promise<boolean>;
}

/** A due timer's event is sent again when the runner has not moved its enrolment on within this time. */
export const TIMER_LEASE_MS = 5 * 60_000;
const PAGE = 500;
/** PutEvents takes 10 entries per call. */
const EVENTS_PER_CALL = 10;

/**
 * The sweep of the due-time index, run every minute (every second locally): each due timer is leased
 * and its `journey.step-due` event put on the bus, where the runner's queue spreads the work. A timer
 * whose event is lost or whose runner fails comes due again when its lease ends; the runner ignores a
 * timer its enrolment has passed, so a repeat does nothing.
 */
export class JourneyTimers {
  constructor(
    private readonly timers: DueTimers,
    private readonly publisher: EventPublisher,
    private readonly log: Log,
  ) {}

  /** Sends every timer due at `now`, until `deadline` (epoch ms); returns how many went out. */
  async sweep(now: Date, deadline: number): Promise<number> {
    const nowIso = now.toISOString();
    const leaseUntil = new Date(now.getTime() + TIMER_LEASE_MS).toISOString();
    let sent = 0;
    const shards = Array.from({ length: this.timers.shards }, (_unused, shard) => async () => {
      while (Date.now() < deadline) {
        const due = await this.timers.due(shard, nowIso, PAGE);
        if (!due.length) return;
        const leased: DueTimer[] = [];
        const leaseFailures = await inParallel(
          due.map((timer) => async () => {
            if (await this.timers.lease(timer, leaseUntil)) leased.push(timer);
          }),
          25,
        );
        if (leaseFailures.length) throw leaseFailures[0];
        for (let start = 0; start < leased.length; start += EVENTS_PER_CALL) {
          const events: DomainEvent[] = leased.slice(start, start + EVENTS_PER_CALL).map(({ leadId, journeyId, run, seq, wakeAt }) => ({
            detailType: DetailType.JourneyStepDue,
            detail: { version: 1, correlationId: `${journeyId}:${leadId}:${run}:${seq}`, leadId, journeyId, run, seq, wakeAt },
          }));
          await this.publisher.publish(events);
          sent += events.length;
        }
        if (due.length < PAGE) return;
      }
    });
    const failures = await inParallel(shards, 4);
    if (sent) this.log.info('Journey timers sent', { sent });
    if (failures.length) throw failures[0];
    return sent;
  }
}
