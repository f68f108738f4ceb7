import { randomUUID } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { compilePattern } from '../src/domain/pattern';
import { closeServer, jsonObjectBody, listenOn, SERIALIZATION_EXCEPTION } from './services';
import type { EventFunctionSpec, EventPattern } from '../manifest/types';
import type { StackQueues } from './in-process-sqs';
import { JOURNAL_ID_ATTRIBUTE, newJournalId, type JournaledMessage, type QueueJournal } from './queue-journal';

/** A rule of the bus: the manifest function's pattern and the queue it targets. */
export interface BusRule {
  readonly fn: EventFunctionSpec;
  readonly queueUrl: string;
}

interface PutEventsEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
  Time?: string | number;
  Resources?: string[];
}

/** The bus an entry reaches when it names none, and where AWS services such as SES publish. */
const DEFAULT_BUS = 'default';

/** The bus an entry names, by name or by ARN (`arn:aws:events:…:event-bus/leadflow`). */
const busNameOf = (entry: PutEventsEntry) => (entry.EventBusName ?? DEFAULT_BUS).replace(/^arn:[^:]+:events:[^:]*:[^:]*:event-bus\//, '');

const MAX_ENTRIES = 10;
const MAX_ENTRY_BYTES = 256 * 1024;

/** An entry's `Time` as a date: the SDK sends epoch seconds, another caller may send a date string. */
const entryTime = (time: string | number) => new Date(typeof time === 'number' ? time * 1000 : time);

/**
 * Why the bus refuses an entry, as EventBridge says it, or undefined. A caller other than the SDK may
 * send anything: each part is checked before it is read.
 */
function entryError(entry: PutEventsEntry): string | undefined {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return 'Entry is not a JSON object.';
  if (!entry.Source || typeof entry.Source !== 'string') return 'Parameter Source is not valid. Reason: Source is a required argument.';
  if (!entry.DetailType || typeof entry.DetailType !== 'string') return 'Parameter DetailType is not valid. Reason: DetailType is a required argument.';
  if (!entry.Detail || typeof entry.Detail !== 'string') return 'Parameter Detail is not valid. Reason: Detail is a required argument.';
  if (entry.Time !== undefined && ((typeof entry.Time !== 'string' && typeof entry.Time !== 'number') || Number.isNaN(entryTime(entry.Time).getTime()))) return 'Parameter Time is not valid.';
  if (entry.EventBusName !== undefined && typeof entry.EventBusName !== 'string') return 'Parameter EventBusName is not valid.';
  if (entry.Resources !== undefined && !(Array.isArray(entry.Resources) && entry.Resources.every((resource) => typeof resource === 'string'))) return 'Parameter Resources is not valid.';
  try {
    const detail: unknown = JSON.parse(entry.Detail);
    if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) return 'Detail is malformed: it must be a JSON object.';
  } catch {
    return 'Detail is malformed.';
  }
  if (Buffer.byteLength(JSON.stringify(entry)) > MAX_ENTRY_BYTES) return 'Entry size exceeds 256 KB.';
  return undefined;
}

const journalAttributes = (message: JournaledMessage) => ({ [JOURNAL_ID_ATTRIBUTE]: { DataType: 'String', StringValue: message.id } });

/** Sends a journaled message to its queue, carrying its journal id so its consumer can record it finished. */
export const sendJournaled = (queues: StackQueues, queueUrl: string, message: JournaledMessage) =>
  queues.sendMessage({ QueueUrl: queueUrl, MessageBody: message.body, MessageAttributes: journalAttributes(message) });

/** SQS takes at most this many messages in one SendMessageBatch. */
const MAX_BATCH_MESSAGES = 10;

/**
 * Sends a call's journaled messages to their queues, one request per queue and ten messages: a form's
 * events reach score-lead, track-segments and run-journeys twice each, nine messages in six requests
 * where each was a request of its own. Any message SQS did not take fails the call, as a failed send did.
 */
async function sendJournaledBatches(queues: StackQueues, routed: readonly { readonly queueUrl: string; readonly message: JournaledMessage }[]): Promise<void> {
  const byQueue = new Map<string, JournaledMessage[]>();
  for (const { queueUrl, message } of routed) byQueue.set(queueUrl, [...(byQueue.get(queueUrl) ?? []), message]);
  const sends: Promise<void>[] = [];
  for (const [queueUrl, messages] of byQueue) {
    for (let start = 0; start < messages.length; start += MAX_BATCH_MESSAGES) {
      const chunk = messages.slice(start, start + MAX_BATCH_MESSAGES);
      if (chunk.length === 1 && chunk[0]) {
        sends.push(sendJournaled(queues, queueUrl, chunk[0]).then(() => undefined));
        continue;
      }
      sends.push(
        queues
          .sendMessageBatch({ QueueUrl: queueUrl, Entries: chunk.map((message, index) => ({ Id: String(index), MessageBody: message.body, MessageAttributes: journalAttributes(message) })) })
          .then(({ Failed = [] }) => {
            if (Failed.length) throw new Error(`${Failed.length} message(s) not sent to ${queueUrl}: ${Failed.map((failure) => failure.Message ?? failure.Code).join('; ')}`);
          }),
      );
    }
  }
  await Promise.all(sends);
}

/**
 * The project's own EventBridge bus for local mode: answers PutEvents in the AWS JSON 1.1 protocol
 * the SDK speaks, builds the event envelope EventBridge delivers, and sends it to the queue of every
 * manifest rule whose pattern matches, using the same matcher the product uses everywhere.
 * The `default` bus is there too, with the rules that forward events from it to this bus (SES
 * publishes there), as in AWS; an entry for any other bus fails as it would there.
 * Patterns are compiled at start-up, so an operator the matcher does not implement stops the runtime.
 * Every message of a call is in the journal (fsynced) before it reaches a queue and before the call
 * is answered: a caller that got its answer has its events on disk, as they would be in AWS.
 */
export async function startEventBus(options: {
  port: number;
  busName: string;
  rules: readonly BusRule[];
  /** Patterns of the rules on the default bus whose target is this bus. */
  forwardedFromDefaultBus: readonly EventPattern[];
  queues: StackQueues;
  journal: QueueJournal;
  region: string;
  log: (line: string) => void;
}): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const compiled = options.rules.map((rule) => {
    try {
      return { ...rule, matches: compilePattern(rule.fn.trigger.pattern) };
    } catch (error) {
      throw new Error(`The event pattern of function ${rule.fn.name} is not supported locally: ${(error as Error).message}`);
    }
  });

  const forwarded = options.forwardedFromDefaultBus.map((pattern) => compilePattern(pattern));

  async function putEvents(entries: PutEventsEntry[]) {
    const results = [];
    const routed: { queueUrl: string; message: JournaledMessage }[] = [];
    for (const entry of entries) {
      const error = entryError(entry);
      if (error) {
        results.push({ ErrorCode: 'MalformedDetail', ErrorMessage: error });
        continue;
      }
      const busName = busNameOf(entry);
      if (busName !== options.busName && busName !== DEFAULT_BUS) {
        results.push({ ErrorCode: 'NotFoundException', ErrorMessage: `Event bus ${busName} does not exist.` });
        continue;
      }
      const envelope = {
        version: '0',
        id: randomUUID(),
        'detail-type': entry.DetailType,
        source: entry.Source,
        account: '000000000000',
        time: (entry.Time ? entryTime(entry.Time) : new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        region: options.region,
        resources: entry.Resources ?? [],
        detail: JSON.parse(entry.Detail ?? '{}') as unknown,
      };
      const onThisBus = busName === options.busName || forwarded.some((matches) => matches(envelope));
      const targets = onThisBus ? compiled.filter((rule) => rule.matches(envelope)) : [];
      for (const rule of targets) routed.push({ queueUrl: rule.queueUrl, message: { id: newJournalId(), queue: rule.fn.name, body: JSON.stringify(envelope) } });
      results.push({ EventId: envelope.id });
    }
    await options.journal.recordEnqueued(routed.map(({ message }) => message));
    await sendJournaledBatches(options.queues, routed);
    return { FailedEntryCount: results.filter((result) => 'ErrorCode' in result).length, Entries: results };
  }

  const reply = (response: ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
    response.end(JSON.stringify(body));
  };

  const server: Server = createServer(async (request, response) => {
    try {
      const target = request.headers['x-amz-target'];
      const body = await jsonObjectBody(request);
      if (target !== 'AWSEvents.PutEvents') {
        reply(response, 400, { __type: 'UnknownOperationException', message: `${String(target)} is not supported by the local bus` });
        return;
      }
      if (!body) {
        reply(response, 400, SERIALIZATION_EXCEPTION);
        return;
      }
      const entries = (body.Entries ?? []) as PutEventsEntry[];
      if (!Array.isArray(entries) || entries.length === 0 || entries.length > MAX_ENTRIES) {
        reply(response, 400, { __type: 'ValidationException', message: `Entries must hold 1 to ${MAX_ENTRIES} entries` });
        return;
      }
      reply(response, 200, await putEvents(entries));
    } catch (error) {
      options.log(`event bus: ${(error as Error).message}`);
      reply(response, 500, { __type: 'InternalException', message: 'local bus failure' });
    }
  });
  await listenOn(server, options.port, 'this-machine-pages');
  return {
    endpoint: `http://127.0.0.1:${options.port}`,
    stop: () => closeServer(server),
  };
}
