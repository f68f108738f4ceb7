import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateScheduleCommand, DeleteScheduleCommand, GetScheduleCommand, ResourceNotFoundException, SchedulerClient } from '@aws-sdk/client-scheduler';
import { afterAll, describe, expect, it } from 'vitest';
import { startScheduler, type ScheduledEntry } from '../../local/scheduler';
import { freePort } from '../../local/services';
import { StateFileFault } from '../../local/state-files';
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
    // Stopped here, not at the end of the file: its last save (the fired schedule removed) must not
    // land in the file the next cases start from (CI run 121 saw two schedulers replace it at once).
    await second.scheduler.stop();
  });

  it.each([
    ['is not JSON', (saved: string) => saved.slice(0, -2), /^\S+schedules\.json is not valid JSON( \(line 1, column \d+\))?\. /],
    ['has an entry of another shape', (saved: string) => JSON.stringify([{ ...(JSON.parse(saved) as object[])[0], Target: 'the bus' }]), /^\S+schedules\.json has an entry leadflow did not write \(at \[0\]\.Target\)\. /],
    ['has a schedule that cannot fire', (saved: string) => JSON.stringify([{ ...(JSON.parse(saved) as object[])[0], ScheduleExpressionTimezone: 'Mars/Olympus' }]), /^\S+schedules\.json has a schedule it cannot fire \(entry 0: Invalid ScheduleExpressionTimezone: .+\)\. /],
  ])('refuses to start, naming the file, when its file %s, and leaves the file as it was', async (_, edit, message) => {
    await (await start([])).client.send(new CreateScheduleCommand(scheduleInput('kept', utcIn(3600))));
    await running.at(-1)?.stop();
    const edited = edit(readFileSync(schedulesFile, 'utf8'));
    writeFileSync(schedulesFile, edited);
    const refused = await start([]).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(StateFileFault);
    expect((refused as Error).message).toMatch(message);
    expect((refused as Error).message).toMatch(/It holds the campaigns' schedules and the timers of follow-ups, surveys, churn checks and erasure sweeps: mend it, or move it away to start without them\.$/);
    expect(readFileSync(schedulesFile, 'utf8')).toBe(edited);
    rmSync(schedulesFile);
  });
});
