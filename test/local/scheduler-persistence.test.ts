import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateScheduleCommand, DeleteScheduleCommand, GetScheduleCommand, ResourceNotFoundException, SchedulerClient } from '@aws-sdk/client-scheduler';
import { afterAll, describe, expect, it } from 'vitest';
import { startScheduler, type ScheduledEntry } from '../../local/scheduler';
import { freePort } from '../../local/services';
import { scheduleInput, waitFor } from './scheduler-requests';

const folder = mkdtempSync(join(tmpdir(), 'leadflow-schedules-'));
const schedulesFile = join(folder, 'schedules.json');
const running: { stop(): Promise<void> }[] = [];
const clients: SchedulerClient[] = [];
afterAll(async () => {
  clients.forEach((client) => client.destroy());
  await Promise.all(running.map((scheduler) => scheduler.stop()));
  rmSync(folder, { recursive: true, force: true });
});

async function start(delivered: ScheduledEntry[]) {
  const scheduler = await startScheduler({ port: await freePort(), region: 'us-east-1', schedulesFile, deliver: async (entry) => void delivered.push(entry), log: () => {} });
  running.push(scheduler);
  const client = new SchedulerClient({ endpoint: scheduler.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
  clients.push(client);
  return { scheduler, client };
}

/** A UTC wall-clock time `seconds` from now, as `at()` takes it. */
const utcIn = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString().slice(0, 19);


describe('local EventBridge Scheduler across a restart', () => {
  it('keeps its schedules in the data folder: one due while it was down fires at start, a later one waits, a deleted one stays gone', async () => {
    const before: ScheduledEntry[] = [];
    const first = await start(before);
    const dueAt = Date.now() + 2_000;
    await first.client.send(new CreateScheduleCommand(scheduleInput('due-while-down', utcIn(2))));
    await first.client.send(new CreateScheduleCommand(scheduleInput('next-hour', utcIn(3600))));
    await first.client.send(new CreateScheduleCommand(scheduleInput('deleted', utcIn(3600))));
    await first.client.send(new DeleteScheduleCommand({ Name: 'deleted', GroupName: 'leadflow' }));
    await first.scheduler.stop();
    expect(before).toEqual([]);

    // The stack stays down until the first schedule is due.
    expect(await waitFor(() => Date.now() > dueAt + 250)).toBe(true);
    const after: ScheduledEntry[] = [];
    const second = await start(after);
    expect(await waitFor(() => after.length > 0)).toBe(true);
    expect(after.map((entry) => JSON.parse(entry.Detail) as { name: string })).toEqual([{ name: 'due-while-down' }]);
    expect(await second.client.send(new GetScheduleCommand({ Name: 'next-hour', GroupName: 'leadflow' }))).toMatchObject({ Name: 'next-hour' });
    await expect(second.client.send(new GetScheduleCommand({ Name: 'deleted', GroupName: 'leadflow' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(second.client.send(new GetScheduleCommand({ Name: 'due-while-down', GroupName: 'leadflow' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});
