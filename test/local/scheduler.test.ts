import { ConflictException, CreateScheduleCommand, DeleteScheduleCommand, GetScheduleCommand, ResourceNotFoundException, SchedulerClient, UpdateScheduleCommand, ValidationException } from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScheduler, type ScheduledEntry } from '../../local/scheduler';
import { freePort } from '../../local/services';
import { scheduleInput, waitFor } from './scheduler-requests';

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


describe('local EventBridge Scheduler stand-in', () => {
  it('answers the SDK as EventBridge Scheduler does: ConflictException, ResourceNotFoundException, ValidationException', async () => {
    await client.send(new CreateScheduleCommand(scheduleInput('errors', localIn('Asia/Jakarta', 3600), 'Asia/Jakarta')));
    await expect(client.send(new CreateScheduleCommand(scheduleInput('errors', localIn('Asia/Jakarta', 3600), 'Asia/Jakarta')))).rejects.toBeInstanceOf(ConflictException);
    await expect(client.send(new DeleteScheduleCommand({ Name: 'missing', GroupName: 'leadflow' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(client.send(new UpdateScheduleCommand(scheduleInput('missing', localIn('UTC', 60), 'Asia/Jakarta')))).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(client.send(new CreateScheduleCommand({ ...scheduleInput('bad-zone', '2027-01-01T09:00:00', 'Asia/Jakarta'), ScheduleExpressionTimezone: 'Mars/Base' }))).rejects.toBeInstanceOf(ValidationException);
    await expect(client.send(new CreateScheduleCommand({ ...scheduleInput('cron', '', 'Asia/Jakarta'), ScheduleExpression: 'cron(0 9 * * ? *)' }))).rejects.toBeInstanceOf(ValidationException);
    const stored = await client.send(new GetScheduleCommand({ Name: 'errors', GroupName: 'leadflow' }));
    expect(stored).toMatchObject({ Name: 'errors', GroupName: 'leadflow', ScheduleExpressionTimezone: 'Asia/Jakarta', Target: { EventBridgeParameters: { DetailType: 'campaign.send-due' } } });
    expect(stored.CreationDate).toBeInstanceOf(Date);
    await client.send(new DeleteScheduleCommand({ Name: 'errors', GroupName: 'leadflow' }));
    await expect(client.send(new GetScheduleCommand({ Name: 'errors', GroupName: 'leadflow' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('answers a body that is not JSON with a 400 ValidationException, and keeps answering (it was a 500)', async () => {
    const response = await fetch(`${scheduler.endpoint}/schedules/not-json?groupName=leadflow`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"ScheduleExpression":' });
    expect(response.status).toBe(400);
    expect(response.headers.get('x-amzn-errortype')).toBe('ValidationException');
    await expect(client.send(new GetScheduleCommand({ Name: 'not-json', GroupName: 'leadflow' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('fires an at() schedule at its local time in its zone, once, and deletes it; a moved or deleted one does not fire early', async () => {
    await client.send(new CreateScheduleCommand(scheduleInput('soon', localIn('America/New_York', 1), 'America/New_York')));
    await client.send(new CreateScheduleCommand(scheduleInput('moved', localIn('Asia/Jakarta', 1), 'Asia/Jakarta')));
    await client.send(new UpdateScheduleCommand(scheduleInput('moved', localIn('Asia/Jakarta', 3600), 'Asia/Jakarta')));
    await client.send(new CreateScheduleCommand(scheduleInput('deleted', localIn('Asia/Jakarta', 1), 'Asia/Jakarta')));
    await client.send(new DeleteScheduleCommand({ Name: 'deleted', GroupName: 'leadflow' }));
    // Due a second or more after the others: once it has fired, the deleted one's time has passed and
    // the scheduler has ticked several times since the first firing.
    await client.send(new CreateScheduleCommand(scheduleInput('later', localIn('Asia/Jakarta', 2), 'Asia/Jakarta')));
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
    await client.send(new CreateScheduleCommand(scheduleInput('retried', localIn('UTC', 0), 'UTC')));
    expect(await waitFor(() => delivered.length === 1)).toBe(true);
    expect(failDeliveries).toBe(0);
  });
});
