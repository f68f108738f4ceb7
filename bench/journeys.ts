import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { putItems } from './put-items';
import { percentile } from './batches';
import type { LocalStack } from '../local/stack';
import { PipelineMetric } from '../manifest/metrics';
import { DUE_SHARDS } from '../src/adapters/journey-store';
import * as keys from '../src/adapters/keys';
import { DetailType, EVENT_SOURCE } from '../src/domain/events';

/**
 * Journeys on the local stack: enrolments per second (manual enrolments put on the bus, each entered
 * and run to its first wait), and, in a second journey once the first one's waits have ended, the
 * lateness of `waits` timers that all fall due within one minute (waiting enrolments written straight
 * into DynamoDB Local, as 100,000 form submissions would take hours; the sweep, the bus and
 * run-journeys then do exactly what they do in AWS). Lateness is what run-journeys reports as
 * JourneyTimerLateness: from a wait's due time to its runner taking it. Each timer is counted once it
 * is taken, so `timersMeasured` above `waits` is a timer taken twice.
 */
export async function journeyFigures(stack: LocalStack, options: { enrolments: number; waits: number }) {
  const run = randomUUID().slice(0, 8);
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: stack.endpoints.dynamodb }));
  const bus = new EventBridgeClient({ endpoint: stack.endpoints.eventbridge });
  const table = stack.settings.tableName;
  const admin = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${stack.apiUrl}${path}`, { method, headers: { authorization: `Bearer ${stack.devToken}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
    const answer = (await response.json()) as Record<string, unknown>;
    if (response.status >= 300) throw new Error(`${method} ${path} answered ${response.status}: ${JSON.stringify(answer)}`);
    return answer;
  };
  const write = (items: Record<string, unknown>[]) => putItems(documents, table, items, 8);
  const at = new Date().toISOString();
  const lead = (index: number) => {
    const id = randomUUID();
    return { ...keys.lead(id), ...keys.leadListing(id), entity: 'lead', id, email: `journey-${index}-${run}@example.com`, createdAt: at, updatedAt: at, firstTouch: { at }, lastTouch: { at }, subscriptions: {}, version: 1 };
  };
  // One wait and done: the figures are the engine's, with no email in the way.
  const publishedJourney = async (name: string) => {
    const journey = await admin('POST', '/v1/admin/journeys', { name: `${name} ${run}`, entry: { kind: 'manual' }, steps: [{ id: 'pause', type: 'wait', duration: { seconds: 30 } }] });
    await admin('POST', `/v1/admin/journeys/${String(journey.id)}/publish`);
    return String(journey.id);
  };
  const until = async (journeyId: string, done: (current: { entered: number; completed: number }) => boolean, deadlineMs: number) => {
    const deadline = Date.now() + deadlineMs;
    while (Date.now() < deadline) {
      if (done((await admin('GET', `/v1/admin/journeys/${journeyId}/report`)) as { entered: number; completed: number })) return true;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    return false;
  };
  const enrolmentJourneyId = await publishedJourney('Bench enrolments');

  // Enrolments per second: requests on the bus, 10 per PutEvents call, as the API would put them.
  const enrolled = Array.from({ length: options.enrolments }, (_, index) => lead(index));
  await write(enrolled);
  const enrolStarted = performance.now();
  for (let index = 0; index < enrolled.length; index += 10 * 8) {
    await Promise.all(
      Array.from({ length: 8 }, (_, n) => enrolled.slice(index + n * 10, index + n * 10 + 10))
        .filter((chunk) => chunk.length)
        .map((chunk) =>
          bus.send(
            new PutEventsCommand({
              Entries: chunk.map((item) => ({ Source: EVENT_SOURCE, DetailType: DetailType.JourneyEnrolmentRequested, EventBusName: stack.settings.busName, Detail: JSON.stringify({ version: 1, correlationId: `bench-${run}`, journeyId: enrolmentJourneyId, leadId: item.id }) })),
            }),
          ),
        ),
    );
  }
  const allEntered = await until(enrolmentJourneyId, (current) => current.entered >= options.enrolments, 30 * 60_000);
  const enrolSeconds = (performance.now() - enrolStarted) / 1000;
  // Their own waits end before the timers below are measured: the runner's lateness metric does not
  // say which journey a timer was of, and their completions are not the waits'. Should they not end,
  // their timers would be measured with the waits, so the section stops instead of reporting them.
  if (!(await until(enrolmentJourneyId, (current) => current.completed >= options.enrolments, 30 * 60_000))) {
    throw new Error(`the ${options.enrolments} enrolled leads' own waits did not all end within 30 minutes: the waits' timers could not be told from theirs`);
  }

  // Waits falling due within one minute, in a journey of their own: each lead waits at its wait step,
  // due at a second of the minute that starts once they are all written.
  const journeyId = await publishedJourney('Bench waits');
  const lateness: number[] = [];
  const stopListening = stack.measurements.onMetrics((functionName, metrics) => {
    if (functionName !== 'run-journeys') return;
    for (const metric of metrics) if (metric.name === PipelineMetric.JourneyTimerLateness) lateness.push(...metric.values);
  });
  const waiting = Array.from({ length: options.waits }, (_, index) => lead(options.enrolments + index));
  await write(waiting);
  const loadStarted = performance.now();
  // Written ahead of their minute; the load takes a while on a small machine, so the minute starts after it.
  const minuteStarts = Date.now() + 60_000 + options.waits * 2;
  const enrolments = waiting.map((item, index) => {
    const wakeAt = new Date(minuteStarts + Math.floor((index / options.waits) * 60_000)).toISOString();
    return {
      ...keys.enrolment(item.id, journeyId),
      gsi1pk: keys.dueShard(index % DUE_SHARDS),
      gsi1sk: `${wakeAt}#${item.id}#${journeyId}`,
      entity: 'enrolment',
      journeyId,
      version: 1,
      leadId: item.id,
      run: 1,
      enteredAt: at,
      status: 'waiting',
      stepId: 'pause',
      seq: 1,
      wakeAt,
      rev: 1,
    };
  });
  // Written straight into the table, past the functions: the local sweep, resting while nothing is
  // due, finds them at its next run, each second while the report below is read through the API.
  await write(enrolments);
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  const wokeAll = await until(journeyId, (current) => current.completed >= options.waits, 60 * 60_000);
  stopListening();
  const drainSeconds = (Date.now() - minuteStarts - 60_000) / 1000;
  bus.destroy();
  documents.destroy();
  const sorted = [...lateness].sort((a, b) => a - b);
  return {
    enrolments: options.enrolments,
    enrolmentsPerSecond: allEntered ? Math.round(options.enrolments / enrolSeconds) : `not all entered in ${Math.round(enrolSeconds)} s`,
    waitsDueInOneMinute: options.waits,
    waitsLoadedSeconds: Math.round(loadSeconds),
    waitsAllWoke: wokeAll,
    timersMeasured: lateness.length,
    latenessP50Ms: Math.round(percentile(sorted, 50)),
    latenessP99Ms: Math.round(percentile(sorted, 99)),
    latenessMaxMs: Math.round(sorted[sorted.length - 1] ?? Number.NaN),
    lastWokeSecondsAfterMinute: Math.round(drainSeconds),
    load: loadavg()[0]?.toFixed(1),
  };
}
