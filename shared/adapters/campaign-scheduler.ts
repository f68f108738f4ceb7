import { CreateScheduleCommand, DeleteScheduleCommand, UpdateScheduleCommand, type CreateScheduleCommandInput, type SchedulerClient } from '@aws-sdk/client-scheduler';
import type { CampaignSchedule } from '../domain/campaigns/schedule';
import { DetailType, EVENT_SOURCE, type CampaignSendDueDetail } from '../domain/events';

/** Keeps one timed trigger per scheduled campaign that puts `campaign.send-due` on the bus at its time. */
export interface CampaignScheduler {
  /** Creates the campaign's schedule, or moves it to the new time when it exists. */
  schedule(campaignId: string, schedule: CampaignSchedule): Promise<void>;
  /** Deletes the campaign's schedule; one already gone is fine. */
  unschedule(campaignId: string): Promise<void>;
}

export interface CampaignSchedulerSettings {
  /** The stack's schedule group: the functions' grants cover its schedules only. */
  readonly groupName: string;
  /** The role EventBridge Scheduler assumes to put the event on the bus (and to reach the DLQ). */
  readonly roleArn: string;
  readonly busArn: string;
  /** Where an event the bus did not take after every retry is kept. */
  readonly deadLetterArn: string;
}

/**
 * A late campaign is still wanted but one a day late is not: the bus is retried for up to an hour,
 * then the event goes to the DLQ (whose alarm tells an operator) rather than sending unannounced.
 */
const RETRY_POLICY = { MaximumRetryAttempts: 20, MaximumEventAgeInSeconds: 3600 };

export const scheduleName = (campaignId: string) => `campaign-${campaignId}`;

/** Schedules in EventBridge Scheduler: one-time `at()` expressions in the marketer's zone, deleted after they fire. */
export class EventBridgeCampaignScheduler implements CampaignScheduler {
  constructor(
    private readonly client: SchedulerClient,
    private readonly settings: CampaignSchedulerSettings,
  ) {}

  async schedule(campaignId: string, schedule: CampaignSchedule): Promise<void> {
    const detail: CampaignSendDueDetail = { version: 1, correlationId: campaignId, campaignId, scheduledFor: schedule.sendsAtUtc };
    const input: CreateScheduleCommandInput = {
      Name: scheduleName(campaignId),
      GroupName: this.settings.groupName,
      Description: `Sends campaign ${campaignId}`,
      ScheduleExpression: `at(${schedule.sendAt})`,
      ScheduleExpressionTimezone: schedule.timeZone,
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      State: 'ENABLED',
      Target: {
        Arn: this.settings.busArn,
        RoleArn: this.settings.roleArn,
        EventBridgeParameters: { DetailType: DetailType.CampaignSendDue, Source: EVENT_SOURCE },
        Input: JSON.stringify(detail),
        DeadLetterConfig: { Arn: this.settings.deadLetterArn },
        RetryPolicy: RETRY_POLICY,
      },
    };
    try {
      await this.client.send(new CreateScheduleCommand(input));
    } catch (error) {
      if (!(error instanceof Error && error.name === 'ConflictException')) throw error;
      await this.client.send(new UpdateScheduleCommand(input));
    }
  }

  async unschedule(campaignId: string): Promise<void> {
    try {
      await this.client.send(new DeleteScheduleCommand({ Name: scheduleName(campaignId), GroupName: this.settings.groupName }));
    } catch (error) {
      if (!(error instanceof Error && error.name === 'ResourceNotFoundException')) throw error;
    }
  }
}
