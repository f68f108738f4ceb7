import { CreateScheduleCommand, DeleteScheduleCommand, UpdateScheduleCommand, type CreateScheduleCommandInput, type SchedulerClient } from '@aws-sdk/client-scheduler';
import { readConfig, setting } from '../config';
import type { CampaignSchedule } from '../domain/campaigns/schedule';
import { schedulerClient } from './clients';
import { DetailType, EVENT_SOURCE, type CampaignSendDueDetail, type DetailByType, type OneTimeSchedule } from '../domain/events';

export interface SchedulerSettings {
  /** The stack's schedule group: the functions' grants cover its schedules only. */
  readonly groupName: string;
  /** The role EventBridge Scheduler assumes to put the event on the bus (and to reach the DLQ). */
  readonly roleArn: string;
  readonly busArn: string;
  /** Where an event the bus did not take after every retry is kept. */
  readonly deadLetterArn: string;
}

/**
 * The stack's one-time schedules, configured from the environment a function gets with
 * `scheduler:manage` (read once, at cold start, failing fast when a variable is missing).
 */
export function oneTimeSchedules(env: NodeJS.ProcessEnv = process.env): OneTimeSchedules {
  return new OneTimeSchedules(schedulerClient(), schedulerSettings(env));
}

/** The stack's schedule group, role, bus and DLQ, from the environment a function gets with `scheduler:manage`. */
export function schedulerSettings(env: NodeJS.ProcessEnv = process.env): SchedulerSettings {
  const config = readConfig({ SCHEDULE_GROUP_NAME: setting, SCHEDULER_ROLE_ARN: setting, EVENT_BUS_ARN: setting, SCHEDULE_DLQ_ARN: setting }, env);
  return { groupName: config.SCHEDULE_GROUP_NAME, roleArn: config.SCHEDULER_ROLE_ARN, busArn: config.EVENT_BUS_ARN, deadLetterArn: config.SCHEDULE_DLQ_ARN };
}

/** The CreateSchedule / UpdateSchedule input of a one-time schedule that puts its event on the stack's bus. */
function scheduleInput<T extends keyof DetailByType>(settings: SchedulerSettings, schedule: OneTimeSchedule<T>): CreateScheduleCommandInput {
  return {
    Name: schedule.name,
    GroupName: settings.groupName,
    Description: schedule.description,
    ScheduleExpression: `at(${schedule.at})`,
    ScheduleExpressionTimezone: schedule.timeZone,
    FlexibleTimeWindow: { Mode: 'OFF' },
    ActionAfterCompletion: 'DELETE',
    State: 'ENABLED',
    Target: {
      Arn: settings.busArn,
      RoleArn: settings.roleArn,
      EventBridgeParameters: { DetailType: schedule.detailType, Source: EVENT_SOURCE },
      Input: JSON.stringify(schedule.detail),
      DeadLetterConfig: { Arn: settings.deadLetterArn },
      RetryPolicy: { ...schedule.retryPolicy },
    },
  };
}

const isConflict = (error: unknown) => error instanceof Error && error.name === 'ConflictException';

/**
 * Creates a one-time schedule, or moves it to the new time and event when one of that name exists.
 * On its own (not only through `OneTimeSchedules`) so a function that never deletes schedules ships
 * without the delete call's code.
 */
export async function putOneTimeSchedule<T extends keyof DetailByType>(client: SchedulerClient, settings: SchedulerSettings, schedule: OneTimeSchedule<T>): Promise<void> {
  const input = scheduleInput(settings, schedule);
  try {
    await client.send(new CreateScheduleCommand(input));
  } catch (error) {
    if (!isConflict(error)) throw error;
    await client.send(new UpdateScheduleCommand(input));
  }
}

/**
 * Creates a one-time schedule only where none of that name exists: CreateSchedule fails with
 * ConflictException on an existing name, so an existing timer is never moved (the conditional put of
 * the timer backfill).
 */
export async function createOneTimeSchedule<T extends keyof DetailByType>(client: SchedulerClient, settings: SchedulerSettings, schedule: OneTimeSchedule<T>): Promise<'created' | 'exists'> {
  try {
    await client.send(new CreateScheduleCommand(scheduleInput(settings, schedule)));
    return 'created';
  } catch (error) {
    if (isConflict(error)) return 'exists';
    throw error;
  }
}

/**
 * One-time `at()` schedules in the stack's group of EventBridge Scheduler that put an event on the
 * bus and are deleted after they fire. Campaigns and the MQL follow-up both keep their timers here.
 */
export class OneTimeSchedules {
  constructor(
    private readonly client: SchedulerClient,
    private readonly settings: SchedulerSettings,
  ) {}

  /** Creates the schedule, or moves it to the new time and event when one of that name exists. */
  async put<T extends keyof DetailByType>(schedule: OneTimeSchedule<T>): Promise<void> {
    await putOneTimeSchedule(this.client, this.settings, schedule);
  }

  /** Deletes the schedule; one already gone (fired, or never made) is fine. */
  async delete(name: string): Promise<void> {
    try {
      await this.client.send(new DeleteScheduleCommand({ Name: name, GroupName: this.settings.groupName }));
    } catch (error) {
      if (!(error instanceof Error && error.name === 'ResourceNotFoundException')) throw error;
    }
  }
}

/** Keeps one timed trigger per scheduled campaign that puts `campaign.send-due` on the bus at its time. */
export interface CampaignScheduler {
  /** Creates the campaign's schedule, or moves it to the new time when it exists. */
  schedule(campaignId: string, schedule: CampaignSchedule): Promise<void>;
  /** Deletes the campaign's schedule; one already gone is fine. */
  unschedule(campaignId: string): Promise<void>;
}

/**
 * A late campaign is still wanted but one a day late is not: the bus is retried for up to an hour,
 * then the event goes to the DLQ (whose alarm tells an operator) rather than sending unannounced.
 */
const CAMPAIGN_RETRY_POLICY = { MaximumRetryAttempts: 20, MaximumEventAgeInSeconds: 3600 };

export const scheduleName = (campaignId: string) => `campaign-${campaignId}`;

/** Campaign schedules: one-time `at()` expressions in the marketer's zone. */
export class EventBridgeCampaignScheduler implements CampaignScheduler {
  constructor(private readonly schedules: OneTimeSchedules) {}

  async schedule(campaignId: string, schedule: CampaignSchedule): Promise<void> {
    const detail: CampaignSendDueDetail = { version: 1, correlationId: campaignId, campaignId, scheduledFor: schedule.sendsAtUtc };
    await this.schedules.put({
      name: scheduleName(campaignId),
      description: `Sends campaign ${campaignId}`,
      at: schedule.sendAt,
      timeZone: schedule.timeZone,
      detailType: DetailType.CampaignSendDue,
      detail,
      retryPolicy: CAMPAIGN_RETRY_POLICY,
    });
  }

  async unschedule(campaignId: string): Promise<void> {
    await this.schedules.delete(scheduleName(campaignId));
  }
}
