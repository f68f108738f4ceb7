import { createHash } from 'node:crypto';
import { DetailType, utcScheduleTime, type DetailByType, type OneTimeSchedule } from '../domain/events';

/** A deferred send (or settling) is still wanted an hour late; after the bus refused it that long the event goes to the schedules' DLQ. */
const DEFERRAL_RETRY_POLICY = { MaximumRetryAttempts: 20, MaximumEventAgeInSeconds: 3600 };

/** Creates a one-time schedule unless one of that name exists (`createOneTimeSchedule` in scheduler.ts). */
export type CreateOneTimeSchedule = <T extends keyof DetailByType>(schedule: OneTimeSchedule<T>) => Promise<'created' | 'exists'>;

/**
 * Recipients of a campaign put back on the bus later by a one-time schedule, as planned recipients:
 * those deferred to the end of their quiet hours (sent then), and those whose sends a sender claimed
 * and may have died holding (settled once it has surely ended). One schedule per campaign, instant,
 * purpose and batch, named by its purpose and a hash of the other three, so a retried batch finds the
 * schedule it made and makes no second one. Created only, never moved: the one that exists fires with the same
 * recipients at the same instant (no UpdateSchedule call, whose code the sender would otherwise carry).
 */
export class ScheduledRecipientDeferrals {
  /**
   * `soonestMs`: how far ahead a schedule is made at the soonest (`scheduleSoonestSeconds`), since
   * Scheduler takes `at()` times in the future: one already due (a batch retried late) fires then.
   */
  constructor(
    private readonly create: CreateOneTimeSchedule,
    private readonly soonestMs: number,
  ) {}

  defer(campaignId: string, leadIds: readonly string[], until: string): Promise<void> {
    return this.schedule('quiet', campaignId, leadIds, until);
  }

  settleLater(campaignId: string, leadIds: readonly string[], at: string): Promise<void> {
    return this.schedule('settle', campaignId, leadIds, at);
  }

  private async schedule(purpose: 'quiet' | 'settle', campaignId: string, leadIds: readonly string[], at: string): Promise<void> {
    const sorted = [...leadIds].sort();
    const digest = createHash('sha256').update(JSON.stringify([campaignId, at, sorted])).digest('hex').slice(0, 40);
    const fireAt = new Date(Math.max(Date.parse(at), Date.now() + this.soonestMs));
    await this.create({
      name: `campaign-${purpose}-${digest}`,
      description:
        purpose === 'quiet' ? `Sends campaign ${campaignId} to ${sorted.length} recipients after their quiet hours` : `Settles the sends of campaign ${campaignId} to ${sorted.length} recipients a sender left claimed`,
      at: utcScheduleTime(fireAt),
      timeZone: 'UTC',
      detailType: DetailType.CampaignRecipientsPlanned,
      detail: { version: 1, correlationId: campaignId, campaignId, leadIds: sorted, ...(purpose === 'settle' ? { settleClaims: true as const } : {}) },
      retryPolicy: DEFERRAL_RETRY_POLICY,
    });
  }
}
