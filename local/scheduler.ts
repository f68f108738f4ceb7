import { readFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import { z } from 'zod';
import { localTimeToUtc, ScheduleError } from '../src/domain/campaigns/schedule';
import { replaceAtomically } from './atomic-file';
import { closeServer, listenOn, parsedJson, readBody } from './services';
import { notJson, StateFileFault } from './state-files';

/** What the stand-in delivers when a schedule fires: one PutEvents entry for the target bus. */
export interface ScheduledEntry {
  readonly EventBusName: string;
  readonly Source: string;
  readonly DetailType: string;
  readonly Detail: string;
}

const ScheduleBody = z.object({
  GroupName: z.string().optional(),
  ScheduleExpression: z.string().optional(),
  ScheduleExpressionTimezone: z.string().optional(),
  FlexibleTimeWindow: z.object({ Mode: z.string().optional(), MaximumWindowInMinutes: z.number().optional() }).optional(),
  Target: z
    .object({
      Arn: z.string().optional(),
      RoleArn: z.string().optional(),
      Input: z.string().optional(),
      EventBridgeParameters: z.object({ DetailType: z.string().optional(), Source: z.string().optional() }).optional(),
      RetryPolicy: z.object({ MaximumRetryAttempts: z.number().optional(), MaximumEventAgeInSeconds: z.number().optional() }).optional(),
      DeadLetterConfig: z.object({ Arn: z.string().optional() }).optional(),
    })
    .optional(),
  ActionAfterCompletion: z.string().optional(),
  State: z.string().optional(),
  Description: z.string().optional(),
});
type ScheduleBody = z.infer<typeof ScheduleBody>;

/** A schedule as the schedules file keeps it: its definition, name, group and dates. */
const SavedSchedule = ScheduleBody.extend({ Name: z.string().min(1), GroupName: z.string().min(1), createdAt: z.number(), modifiedAt: z.number() });
type SavedSchedule = z.infer<typeof SavedSchedule>;

interface StoredSchedule extends ScheduleBody {
  readonly Name: string;
  readonly GroupName: string;
  readonly fireAtMs: number;
  readonly createdAt: number;
  readonly modifiedAt: number;
  /** Failed deliveries so far; the retry policy bounds them. */
  failures: number;
  firing: boolean;
}

class SchedulerError extends Error {
  constructor(
    readonly status: number,
    readonly type: 'ValidationException' | 'ConflictException' | 'ResourceNotFoundException',
    message: string,
  ) {
    super(message);
  }
}

const AT_EXPRESSION = /^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$/;
const BUS_ARN = /^arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:event-bus\/([A-Za-z0-9._\-/]+)$/;
const TICK_MS = 250;
const DEFAULT_RETRIES = 185;

/** The instant a schedule fires, or the ValidationException EventBridge Scheduler would answer. */
function fireTime(body: ScheduleBody): number {
  if (!body.ScheduleExpression) throw new SchedulerError(400, 'ValidationException', 'ScheduleExpression is required');
  const expression = AT_EXPRESSION.exec(body.ScheduleExpression);
  if (!expression?.[1]) throw new SchedulerError(400, 'ValidationException', `Invalid Schedule Expression ${body.ScheduleExpression}: only at(yyyy-mm-ddThh:mm:ss) runs locally`);
  if (!body.FlexibleTimeWindow?.Mode) throw new SchedulerError(400, 'ValidationException', 'FlexibleTimeWindow is required');
  const target = body.Target;
  if (!target?.Arn || !target.RoleArn) throw new SchedulerError(400, 'ValidationException', 'Target.Arn and Target.RoleArn are required');
  if (!BUS_ARN.test(target.Arn) || !target.EventBridgeParameters?.DetailType || !target.EventBridgeParameters.Source) {
    throw new SchedulerError(400, 'ValidationException', 'Only event bus targets with EventBridgeParameters (DetailType, Source) run locally');
  }
  try {
    return localTimeToUtc(expression[1], body.ScheduleExpressionTimezone ?? 'UTC').getTime();
  } catch (error) {
    if (error instanceof ScheduleError) throw new SchedulerError(400, 'ValidationException', `Invalid ${error.field === 'timeZone' ? 'ScheduleExpressionTimezone' : 'ScheduleExpression'}: ${error.message}`);
    throw error;
  }
}

/**
 * An EventBridge Scheduler stand-in for local mode: CreateSchedule, UpdateSchedule, GetSchedule and
 * DeleteSchedule over the REST-JSON protocol the SDK speaks (`/schedules/{Name}`; the group in the
 * body, or in `?groupName=` for GET and DELETE), with errors the SDK raises as ConflictException,
 * ResourceNotFoundException and ValidationException. One-time `at()` schedules in their zone fire at
 * their time by handing their event to `deliver` (the local bus), retried per the schedule's retry
 * policy, and are deleted after firing when ActionAfterCompletion is DELETE. With a `schedulesFile`,
 * every change is written there (atomically) before it is answered, and the schedules in it are
 * loaded at start: one that came due while the stack was down fires at once. Without one, schedules
 * live in memory.
 */
export async function startScheduler(options: {
  port: number;
  region: string;
  deliver: (entry: ScheduledEntry) => Promise<void>;
  schedulesFile?: string;
  log: (line: string) => void;
}): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const schedules = new Map<string, StoredSchedule>();
  const keyOf = (group: string, name: string) => `${group}/${name}`;
  const { schedulesFile } = options;
  for (const saved of schedulesFile ? loadSchedules(schedulesFile) : []) {
    schedules.set(keyOf(saved.GroupName, saved.Name), { ...saved, failures: 0, firing: false });
  }

  // Writes are chained, so each one writes the schedules as they are when it runs and the last wins.
  let saving: Promise<void> = Promise.resolve();
  const save = (): Promise<void> => {
    if (!schedulesFile) return Promise.resolve();
    saving = saving
      .catch(() => {})
      .then(() => {
        const saved: SavedSchedule[] = [...schedules.values()].map(({ fireAtMs: _fireAt, failures: _failures, firing: _firing, ...schedule }) => schedule);
        return replaceAtomically(schedulesFile, JSON.stringify(saved));
      });
    return saving;
  };
  const saveInBackground = () => save().catch((error: unknown) => options.log(`scheduler: could not save the schedules: ${(error as Error).message}`));
  const arnOf = (schedule: { GroupName: string; Name: string }) => `arn:aws:scheduler:${options.region}:000000000000:schedule/${schedule.GroupName}/${schedule.Name}`;

  function find(group: string, name: string): StoredSchedule {
    const schedule = schedules.get(keyOf(group, name));
    if (!schedule) throw new SchedulerError(404, 'ResourceNotFoundException', `Schedule ${name} does not exist.`);
    return schedule;
  }

  function store(name: string, body: ScheduleBody, existing: StoredSchedule | undefined): StoredSchedule {
    const fireAtMs = fireTime(body);
    const group = body.GroupName ?? 'default';
    const now = Date.now();
    const schedule: StoredSchedule = { ...body, Name: name, GroupName: group, fireAtMs, createdAt: existing?.createdAt ?? now, modifiedAt: now, failures: 0, firing: false };
    schedules.set(keyOf(group, name), schedule);
    return schedule;
  }

  async function fire(schedule: StoredSchedule) {
    const target = schedule.Target ?? {};
    const busName = BUS_ARN.exec(target.Arn ?? '')?.[1] ?? '';
    schedule.firing = true;
    try {
      await options.deliver({ EventBusName: busName, Source: target.EventBridgeParameters?.Source ?? '', DetailType: target.EventBridgeParameters?.DetailType ?? '', Detail: target.Input ?? '{}' });
      if (schedules.get(keyOf(schedule.GroupName, schedule.Name)) === schedule) {
        if (schedule.ActionAfterCompletion === 'DELETE') schedules.delete(keyOf(schedule.GroupName, schedule.Name));
        else schedule.State = 'DISABLED';
        // A crash before this is saved fires the schedule again at the next start; its consumers are idempotent.
        await saveInBackground();
      }
    } catch (error) {
      schedule.failures += 1;
      const retries = target.RetryPolicy?.MaximumRetryAttempts ?? DEFAULT_RETRIES;
      const maxAgeMs = (target.RetryPolicy?.MaximumEventAgeInSeconds ?? 86_400) * 1000;
      if (schedule.failures > retries || Date.now() - schedule.fireAtMs > maxAgeMs) {
        options.log(`scheduler: ${schedule.Name} not delivered after ${schedule.failures} attempt(s), dropped (its DLQ in AWS): ${(error as Error).message}`);
        schedule.State = 'DISABLED';
        await saveInBackground();
      }
    } finally {
      schedule.firing = false;
    }
  }

  const ticker = setInterval(() => {
    const now = Date.now();
    for (const schedule of schedules.values()) {
      if (schedule.State !== 'DISABLED' && !schedule.firing && schedule.fireAtMs <= now) void fire(schedule);
    }
  }, TICK_MS);
  ticker.unref();

  const reply = (response: ServerResponse, status: number, body: unknown, errorType?: string) => {
    response.writeHead(status, { 'content-type': 'application/json', ...(errorType ? { 'x-amzn-errortype': errorType } : {}) });
    response.end(JSON.stringify(body));
  };

  const server = createServer(async (request, response) => {
    try {
      const url = new URL(request.url ?? '/', 'http://localhost');
      const match = /^\/schedules\/([^/]+)$/.exec(url.pathname);
      if (!match?.[1]) throw new SchedulerError(404, 'ResourceNotFoundException', `${request.method} ${url.pathname} is not implemented locally`);
      const name = decodeURIComponent(match[1]);
      const queryGroup = url.searchParams.get('groupName') ?? 'default';
      const sent = parsedJson((await readBody(request)) || '{}');
      if (sent === undefined) throw new SchedulerError(400, 'ValidationException', 'The request body is not JSON');
      const parsed = ScheduleBody.safeParse(sent);
      if (!parsed.success) throw new SchedulerError(400, 'ValidationException', parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '));
      const body = parsed.data;
      switch (request.method) {
        case 'POST': {
          const group = body.GroupName ?? 'default';
          if (schedules.has(keyOf(group, name))) throw new SchedulerError(409, 'ConflictException', `Schedule ${name} already exists.`);
          const created = store(name, body, undefined);
          await save();
          return reply(response, 200, { ScheduleArn: arnOf(created) });
        }
        case 'PUT': {
          const existing = find(body.GroupName ?? 'default', name);
          const updated = store(name, body, existing);
          await save();
          return reply(response, 200, { ScheduleArn: arnOf(updated) });
        }
        case 'GET': {
          const { fireAtMs: _fireAt, createdAt, modifiedAt, failures: _failures, firing: _firing, ...schedule } = find(queryGroup, name);
          return reply(response, 200, { ...schedule, Arn: arnOf(schedule), State: schedule.State ?? 'ENABLED', CreationDate: createdAt / 1000, LastModificationDate: modifiedAt / 1000 });
        }
        case 'DELETE': {
          find(queryGroup, name);
          schedules.delete(keyOf(queryGroup, name));
          await save();
          return reply(response, 200, {});
        }
        default:
          throw new SchedulerError(404, 'ResourceNotFoundException', `${request.method} is not implemented locally`);
      }
    } catch (error) {
      if (error instanceof SchedulerError) return reply(response, error.status, { Message: error.message }, error.type);
      options.log(`scheduler: ${(error as Error).message}`);
      return reply(response, 500, { Message: 'local scheduler failure' }, 'InternalServerException');
    }
  });
  await listenOn(server, options.port, 'this-machine-pages');
  return {
    endpoint: `http://127.0.0.1:${options.port}`,
    stop: async () => {
      clearInterval(ticker);
      await closeServer(server);
      await saving.catch(() => {});
    },
  };
}

/** What to do about a schedules file leadflow cannot read: it is the only copy of what it holds. */
const SCHEDULES_FILE_REMEDY = "It holds the campaigns' schedules and the timers of follow-ups, surveys, churn checks and erasure sweeps: mend it, or move it away to start without them.";

/**
 * The schedules saved by the last run with the instant each fires; none when there is no file yet.
 * leadflow writes the file whole; one changed by hand so that it cannot be read is a StateFileFault naming it.
 */
function loadSchedules(file: string): (SavedSchedule & { readonly fireAtMs: number })[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new StateFileFault(`${file} ${notJson(text, error)}. ${SCHEDULES_FILE_REMEDY}`);
  }
  const saved = z.array(SavedSchedule).safeParse(json);
  if (!saved.success) throw new StateFileFault(`${file} has an entry leadflow did not write (at ${z.core.toDotPath(saved.error.issues[0]?.path ?? [])}). ${SCHEDULES_FILE_REMEDY}`);
  return saved.data.map((schedule, index) => {
    try {
      return { ...schedule, fireAtMs: fireTime(schedule) };
    } catch (error) {
      if (!(error instanceof SchedulerError)) throw error;
      throw new StateFileFault(`${file} has a schedule it cannot fire (entry ${index}: ${error.message}). ${SCHEDULES_FILE_REMEDY}`);
    }
  });
}
