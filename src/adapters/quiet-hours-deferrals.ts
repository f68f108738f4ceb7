import { createHash } from 'node:crypto';
import { DetailType, utcScheduleTime, type DetailByType, type OneTimeSchedule } from '../domain/events';

/** A deferred send is still wanted an hour late; after the bus refused it that long the event goes to the schedules' DLQ. */
const DEFERRAL_RETRY_POLICY = { MaximumRetryAttempts: 20, MaximumEventAgeInSeconds: 3600 };
/** Scheduler takes `at()` times in the future: one already due (a batch retried late) fires a minute from now. */
const SOONEST_MS = 60_000;

/** Creates a one-time schedule unless one of that name exists (`createOneTimeSchedule` in scheduler.ts). */
export type CreateOneTimeSchedule = <T extends keyof DetailByType>(schedule: OneTimeSchedule<T>) => Promise<'created' | 'exists'>;

/**
 * Recipients of a campaign deferred to the end of their quiet hours: one one-time schedule per
 * campaign, instant and batch, which puts them on the bus again as planned recipients. Its name is a
 * hash of all three, so a retried batch finds the schedule it made and makes no second one. Created
 * only, never moved: the one that exists fires with the same recipients at the same end (no
 * UpdateSchedule call, whose code the sender would otherwise carry).
 */
export class ScheduledQuietHoursDeferrals {
  constructor(private readonly create: CreateOneTimeSchedule) {}

  async defer(campaignId: string, leadIds: readonly string[], until: string): Promise<void> {
    const sorted = [...leadIds].sort();
    const digest = createHash('sha256').update(JSON.stringify([campaignId, until, sorted])).digest('hex').slice(0, 40);
    const fireAt = new Date(Math.max(Date.parse(until), Date.now() + SOONEST_MS));
    await this.create({
      name: `campaign-quiet-${digest}`,
      description: `Sends campaign ${campaignId} to ${sorted.length} recipients after their quiet hours`,
      at: utcScheduleTime(fireAt),
      timeZone: 'UTC',
      detailType: DetailType.CampaignRecipientsPlanned,
      detail: { version: 1, correlationId: campaignId, campaignId, leadIds: sorted },
      retryPolicy: DEFERRAL_RETRY_POLICY,
    });
  }
}
