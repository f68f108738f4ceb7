import { ConflictException, CreateScheduleCommand, DeleteScheduleCommand, GetScheduleCommand, ResourceNotFoundException, SchedulerClient, UpdateScheduleCommand, ValidationException, type CreateScheduleCommandInput } from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScheduler, type ScheduledEntry } from '../../infra/local/scheduler';
import { freePort } from '../../infra/local/services';

let scheduler: Awaited<ReturnType<typeof startScheduler>>;
let client: SchedulerClient;
const delivered: ScheduledEntry[] = [];
let failDeliveries = 0;

beforeAll(async () => {
  scheduler = await startScheduler({
    port: await freePort(),
    region: 'us-east-1',
    deliver: async (entry) => {
      if (failDeliveries > 0) {
        failDeliveries -= 1;
        throw new Error('bus down');
      }
      delivered.push(entry);
    },
    log: () => {},
  });
  client = new SchedulerClient({ endpoint: scheduler.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
});
afterAll(async () => {
  client?.destroy();
  await scheduler?.stop();
});

/** A wall-clock time `seconds` from now in the zone, as `at()` takes it. */
function localIn(timeZone: string, seconds: number): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
      .formatToParts(new Date(Date.now() + seconds * 1000))
      .map((part) => [part.type, part.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
}

const input = (name: string, at: string, timeZone = 'Asia/Jakarta'): CreateScheduleCommandInput => ({
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
const waitFor = async (check: () => boolean, ms = 5_000) => {
  const until = Date.now() + ms;
  while (!check() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
  return check();
};

describe('local EventBridge Scheduler stand-in', () => {
  it('answers the SDK as EventBridge Scheduler does: ConflictException, ResourceNotFoundException, ValidationException', async () => {
    await client.send(new CreateScheduleCommand(input('errors', localIn('Asia/Jakarta', 3600))));
    await expect(client.send(new CreateScheduleCommand(input('errors', localIn('Asia/Jakarta', 3600))))).rejects.toBeInstanceOf(ConflictException);
    await expect(client.send(new DeleteScheduleCommand({ Name: 'missing', GroupName: 'leadflow' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(client.send(new UpdateScheduleCommand(input('missing', localIn('UTC', 60))))).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(client.send(new CreateScheduleCommand({ ...input('bad-zone', '2027-01-01T09:00:00'), ScheduleExpressionTimezone: 'Mars/Base' }))).rejects.toBeInstanceOf(ValidationException);
    await expect(client.send(new CreateScheduleCommand({ ...input('cron', ''), ScheduleExpression: 'cron(0 9 * * ? *)' }))).rejects.toBeInstanceOf(ValidationException);
    const stored = await client.send(new GetScheduleCommand({ Name: 'errors', GroupName: 'leadflow' }));
    expect(stored).toMatchObject({ Name: 'errors', GroupName: 'leadflow', ScheduleExpressionTimezone: 'Asia/Jakarta', Target: { EventBridgeParameters: { DetailType: 'campaign.send-due' } } });
    expect(stored.CreationDate).toBeInstanceOf(Date);
    await client.send(new DeleteScheduleCommand({ Name: 'errors', GroupName: 'leadflow' }));
    await expect(client.send(new GetScheduleCommand({ Name: 'errors', GroupName: 'leadflow' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('fires an at() schedule at its local time in its zone, once, and deletes it; a moved or deleted one does not fire early', async () => {
    await client.send(new CreateScheduleCommand(input('soon', localIn('America/New_York', 1), 'America/New_York')));
    await client.send(new CreateScheduleCommand(input('moved', localIn('Asia/Jakarta', 1))));
    await client.send(new UpdateScheduleCommand(input('moved', localIn('Asia/Jakarta', 3600))));
    await client.send(new CreateScheduleCommand(input('deleted', localIn('Asia/Jakarta', 1))));
    await client.send(new DeleteScheduleCommand({ Name: 'deleted', GroupName: 'leadflow' }));
    // Due a second or more after the others: once it has fired, the deleted one's time has passed and
    // the scheduler has ticked several times since the first firing.
    await client.send(new CreateScheduleCommand(input('later', localIn('Asia/Jakarta', 2))));
    const laterFired = () => delivered.some((entry) => entry.Detail === JSON.stringify({ name: 'later' }));
    expect(await waitFor(laterFired, 15_000)).toBe(true);
    expect(delivered.filter((entry) => entry.Detail !== JSON.stringify({ name: 'later' }))).toEqual([
      { EventBusName: 'leadflow', Source: 'leadflow', DetailType: 'campaign.send-due', Detail: JSON.stringify({ name: 'soon' }) },
    ]);
    await expect(client.send(new GetScheduleCommand({ Name: 'soon', GroupName: 'leadflow' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    await client.send(new DeleteScheduleCommand({ Name: 'moved', GroupName: 'leadflow' }));
  });

  it('retries a delivery the bus refused', async () => {
    delivered.length = 0;
    failDeliveries = 2;
    await client.send(new CreateScheduleCommand(input('retried', localIn('UTC', 0), 'UTC')));
    expect(await waitFor(() => delivered.length === 1)).toBe(true);
    expect(failDeliveries).toBe(0);
  });
});
