import { DetailType, type DetailByType, type OneTimeSchedule } from '../domain/events';
import { FOLLOW_UP_KINDS, followUpFireTimes, followUpScheduleName } from '../domain/handoff/follow-up';
import type { AssignmentKey, FollowUpTiming } from '../domain/handoff/routing';
import { followUpRound, type LeadOwner } from '../domain/lead';

/**
 * A late reminder is still useful within the hour; after that the next step (or the rep's answer)
 * has overtaken it, so the bus is retried for an hour and the event then goes to the schedule DLQ.
 */
const FOLLOW_UP_RETRY_POLICY = { MaximumRetryAttempts: 20, MaximumEventAgeInSeconds: 3600 };

/** One-time schedules that put an event on the bus: made or moved by name, deleted by name. */
export interface OneTimeSchedules {
  put<T extends keyof DetailByType>(schedule: OneTimeSchedule<T>): Promise<void>;
  /** Deleting one already fired or never made is fine. */
  delete(name: string): Promise<void>;
}

/** The two timers of an assigned MQL's follow-up (reminder, reassignment) in EventBridge Scheduler. */
export class FollowUpTimers {
  constructor(private readonly schedules: OneTimeSchedules) {}

  /**
   * Starts the owner's two timers from its assignment, in its follow-up round; starting them again
   * (a redelivery) moves them to the same times.
   */
  async start(key: AssignmentKey, owner: LeadOwner, timing: FollowUpTiming, correlationId: string): Promise<void> {
    const fireAt = followUpFireTimes(owner.assignedAt, timing);
    const round = followUpRound(owner);
    for (const kind of FOLLOW_UP_KINDS) {
      await this.schedules.put({
        name: followUpScheduleName(kind, key.leadId, key.qualification, round),
        description: `${kind === 'remind' ? 'Reminds' : 'Reassigns'} MQL ${key.leadId} #${key.qualification}`,
        at: fireAt[kind],
        timeZone: 'UTC',
        detailType: DetailType.FollowUpDue,
        detail: { version: 1, correlationId, ...key, repId: owner.repId, round, kind },
        retryPolicy: FOLLOW_UP_RETRY_POLICY,
      });
    }
  }

  /** Deletes both timers of a qualification's round; ones already fired or never made are fine. */
  async cancel(leadId: string, qualification: number, round: number): Promise<void> {
    for (const kind of FOLLOW_UP_KINDS) await this.schedules.delete(followUpScheduleName(kind, leadId, qualification, round));
  }
}
