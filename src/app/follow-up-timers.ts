import type { LeadReader, Log } from './ports';
import { DetailType, type DetailByType, type DomainEvent, type FollowUpRequestedDetail, type LeadStageChangedDetail, type OneTimeSchedule } from '../domain/events';
import { FOLLOW_UP_KINDS, followUpFireTimes, followUpScheduleName, pendingFollowUpTimers } from '../domain/handoff/follow-up';
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

/**
 * `handoff.follow-up-requested` for an owner who has to answer the lead under the routing's timing, in
 * the owner's follow-up round. Published by whoever gave the lead to that owner, before the owner's
 * alert: a retry of the hand-over publishes it again, which only moves the timers to the same times.
 */
export function followUpRequested(key: AssignmentKey, owner: LeadOwner, timing: FollowUpTiming, correlationId: string): DomainEvent {
  return {
    detailType: DetailType.FollowUpRequested,
    detail: { version: 1, correlationId, ...key, repId: owner.repId, assignedAt: owner.assignedAt, round: followUpRound(owner), ...timing },
  };
}

export interface FollowUpTimersDependencies {
  readonly schedules: OneTimeSchedules;
  readonly leads: LeadReader;
  readonly log: Log;
}

/** The two timers of an assigned MQL's follow-up (reminder, reassignment) in EventBridge Scheduler. */
export class FollowUpTimers {
  constructor(private readonly dependencies: FollowUpTimersDependencies) {}

  /**
   * Starts the owner's two timers from its assignment, in its follow-up round, unless the lead is
   * gone. Each is put by a name made of the lead, qualification, round and kind: a repeated request
   * moves it to the same time, so each timer exists, and fires, once.
   */
  async start(request: FollowUpRequestedDetail): Promise<void> {
    const { leadId, rulesetVersion, qualification, repId, round, correlationId } = request;
    // A request taken after the lead's erasure starts nothing: its timers would hold the erased id for hours.
    if (!(await this.dependencies.leads.getLead(leadId))) {
      this.dependencies.log.info('Follow-up not started: the lead is gone', { correlationId });
      return;
    }
    const fireAt = followUpFireTimes(request.assignedAt, request);
    for (const kind of FOLLOW_UP_KINDS) {
      await this.dependencies.schedules.put({
        name: followUpScheduleName(kind, leadId, qualification, round),
        description: `${kind === 'remind' ? 'Reminds' : 'Reassigns'} MQL ${leadId} #${qualification}`,
        at: fireAt[kind],
        timeZone: 'UTC',
        detailType: DetailType.FollowUpDue,
        detail: { version: 1, correlationId, leadId, rulesetVersion, qualification, repId, round, kind },
        retryPolicy: FOLLOW_UP_RETRY_POLICY,
      });
    }
  }

  /** A lead answered (moved out of `mql`): its pending timers go. Best effort: a late timer finds the lead answered. */
  async answered(detail: LeadStageChangedDetail): Promise<void> {
    if (detail.from !== 'mql' || detail.to === 'mql') return;
    const { leads, schedules, log } = this.dependencies;
    const lead = await leads.getLead(detail.leadId);
    const names = lead ? pendingFollowUpTimers(lead) : [];
    if (names.length === 0) return;
    for (const name of names) await schedules.delete(name);
    log.info('Follow-up timers cancelled', { leadId: detail.leadId, timers: names, to: detail.to });
  }
}
