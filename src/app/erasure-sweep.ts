import { DetailType, utcScheduleTime, type OneTimeSchedule } from '../domain/events';

/** A late sweep is still wanted: the bus is tried for a day, then the event waits in the schedules' DLQ, whose alarm tells an operator. */
const SWEEP_RETRY_POLICY = { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 };

/**
 * The timer of an erasure's sweep (lead.erasure-sweep-due at `at`), named by the erasure, not the lead.
 * Until it fires, its input holds the lead's id, as the bus archive's events do.
 */
export function erasureSweep(leadId: string, erasureId: string, at: Date): OneTimeSchedule<typeof DetailType.LeadErasureSweepDue> {
  return {
    name: `erasure-${erasureId}`,
    description: 'Deletes what work under way wrote for an erased lead',
    at: utcScheduleTime(at),
    timeZone: 'UTC',
    detailType: DetailType.LeadErasureSweepDue,
    detail: { version: 1, correlationId: erasureId, leadId, erasureId },
    retryPolicy: SWEEP_RETRY_POLICY,
  };
}
