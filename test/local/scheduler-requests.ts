import type { CreateScheduleCommandInput } from '@aws-sdk/client-scheduler';

/** A one-time schedule as control-campaigns and the follow-up timers create it, at `at` in `timeZone`. */
export const scheduleInput = (name: string, at: string, timeZone = 'UTC'): CreateScheduleCommandInput => ({
  Name: name,
  GroupName: 'leadflow',
  ScheduleExpression: `at(${at})`,
  ScheduleExpressionTimezone: timeZone,
  FlexibleTimeWindow: { Mode: 'OFF' },
  ActionAfterCompletion: 'DELETE',
  Target: {
    Arn: 'arn:aws:events:us-east-1:000000000000:event-bus/leadflow',
    RoleArn: 'arn:aws:iam::000000000000:role/scheduler',
    EventBridgeParameters: { DetailType: 'campaign.send-due', Source: 'leadflow' },
    Input: JSON.stringify({ name }),
    RetryPolicy: { MaximumRetryAttempts: 5, MaximumEventAgeInSeconds: 60 },
  },
});

/** Polls `check` every 50 ms until it holds or the deadline passes; its last answer. */
export async function waitFor(check: () => boolean, deadlineMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + deadlineMs;
  while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  return check();
}
