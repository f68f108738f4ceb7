import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
  type Message,
} from '@aws-sdk/client-sqs';
import { manifest } from '../manifest/manifest';
import { deadLetterQueues, type DeadLetterQueue } from '../manifest/queues';
import { isLocalApi, regionOf } from './api-auth';
import { CliError } from './errors';
import { followProgress, type ProgressTiming } from './progress';

/** What the dlq commands need from the CLI's I/O. */
export interface DlqIo extends ProgressTiming {
  readonly out: (line: string) => void;
  readonly env: NodeJS.ProcessEnv;
}

/** Which deployment's queues: the API URL says local or AWS (and its region). */
export interface DlqOptions {
  readonly apiUrl: string;
  /** `--stack`: the CloudFormation stack in AWS. */
  readonly stack?: string;
}

/** The queues of one deployment: the local stack's or a stack's in AWS. */
interface Deployment {
  readonly sqs: SQSClient;
  readonly local: boolean;
  /** Where the queues were looked for, for messages. */
  readonly where: string;
  readonly dlqs: readonly DeadLetterQueue[];
}

/** The stack's id in infra/leadflow-app.ts. */
const DEFAULT_STACK = 'Leadflow';
const DEFAULT_LOCAL_SQS_PORT = 4566;
/** How long a looked-at message stays hidden if the CLI dies before giving it back. */
const PEEK_VISIBILITY_SECONDS = 30;
/** Messages looked at to find the oldest for `list`: one receive's worth. */
const OLDEST_SAMPLE = 10;
const DEFAULT_SHOW = 10;
const MAX_SHOW = 100;
const MOVE_TASK_CLOCK_SKEW_MS = 60_000;

/** The local stack's SQS (fauxqs), or SQS in the deployment's region with the user's AWS credentials. */
function deploymentOf(options: DlqOptions, env: NodeJS.ProcessEnv): Deployment {
  if (isLocalApi(options.apiUrl)) {
    const endpoint = env.AWS_ENDPOINT_URL_SQS ?? `http://127.0.0.1:${env.LEADFLOW_SQS_PORT ?? DEFAULT_LOCAL_SQS_PORT}`;
    return {
      // fauxqs's queue URLs name a host that does not resolve: requests go to its endpoint instead.
      sqs: new SQSClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, useQueueUrlAsEndpoint: false, maxAttempts: 1 }),
      local: true,
      where: `the local stack's SQS at ${endpoint}`,
      dlqs: deadLetterQueues(manifest),
    };
  }
  const region = regionOf(options.apiUrl, env);
  if (!region) throw new CliError(`Cannot tell the AWS region of ${options.apiUrl}; set LEADFLOW_REGION`);
  const stack = options.stack ?? env.LEADFLOW_STACK ?? DEFAULT_STACK;
  return { sqs: new SQSClient({ region }), local: false, where: `stack ${stack} in ${region}`, dlqs: deadLetterQueues(manifest, `${stack}-`) };
}

const errorName = (error: unknown) => (error as { name?: unknown } | undefined)?.name;
const isMissingQueue = (error: unknown) => errorName(error) === 'QueueDoesNotExist' || errorName(error) === 'AWS.SimpleQueueService.NonExistentQueue';
const isUnreachable = (error: unknown) => ['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH'].includes(String((error as { code?: unknown } | undefined)?.code));

/** A queue's URL by name; a queue that is not there, or an SQS nobody answers on, in plain words. */
async function urlOf(deployment: Deployment, queueName: string): Promise<string> {
  try {
    const { QueueUrl } = await deployment.sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
    if (QueueUrl) return QueueUrl;
  } catch (error) {
    if (isUnreachable(error)) {
      throw new CliError(
        deployment.local
          ? `Cannot reach ${deployment.where}: is \`npm start\` running? (set AWS_ENDPOINT_URL_SQS or LEADFLOW_SQS_PORT if its SQS listens elsewhere)`
          : `Cannot reach SQS for ${deployment.where}: ${(error as Error).message}`,
      );
    }
    if (!isMissingQueue(error)) throw error;
  }
  throw new CliError(`Queue ${queueName} not found in ${deployment.where}${deployment.local ? '' : ' (set LEADFLOW_STACK or --stack to the stack name, LEADFLOW_REGION to its region)'}`);
}

async function attributesOf(deployment: Deployment, queueUrl: string) {
  const { Attributes = {} } = await deployment.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'QueueArn'] }),
  );
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
    arn: Attributes.QueueArn ?? '',
  };
}

/**
 * Up to `limit` messages of a queue, looked at without being consumed: received with a short
 * visibility timeout and given back (visibility 0) before returning, whatever happened meanwhile.
 * Each look counts as a receive of the message; a DLQ has no redrive policy, so that costs nothing.
 */
async function peek<T>(deployment: Deployment, queueUrl: string, limit: number, read: (messages: readonly Message[]) => T): Promise<T> {
  const messages: Message[] = [];
  try {
    while (messages.length < limit) {
      const { Messages = [] } = await deployment.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: Math.min(10, limit - messages.length),
          VisibilityTimeout: PEEK_VISIBILITY_SECONDS,
          // A short wait on the first receive asks every SQS server, not a sample of them.
          WaitTimeSeconds: messages.length ? 0 : 1,
          MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
          MessageAttributeNames: ['All'],
        }),
      );
      if (!Messages.length) break;
      messages.push(...Messages);
    }
    return read(messages);
  } finally {
    for (let start = 0; start < messages.length; start += 10) {
      await deployment.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: messages.slice(start, start + 10).map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle ?? '', VisibilityTimeout: 0 })),
        }),
      );
    }
  }
}

/** `45 s`, `12 min`, `3 h 5 min`, `2 d 4 h`. */
export function formatAge(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** `[##########--------------------]      3 / 9 moved` */
function moveProgressBar(moved: number, total: number, width = 30): string {
  const filled = total ? Math.min(width, Math.round((moved / total) * width)) : width;
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(moved).padStart(6)} / ${total} moved`;
}

/**
 * Fields that hold personal data in leadflow's and SES's events; their values are never printed.
 * `to` and `from` are left to the address check: in a stage change they name stages.
 */
const PERSONAL_FIELDS = new Set([
  'email', 'emailaddress', 'cc', 'bcc', 'replyto', 'destination', 'commonheaders', 'headers', 'subject',
  'name', 'firstname', 'lastname', 'phone', 'company', 'address', 'ipaddress', 'useragent', 'link', 'url', 'actor',
]);
const EMAIL_LIKE = /[^\s@"'<>]+@[^\s@"'<>]+/;
const IPV4_LIKE = /\b\d{1,3}(\.\d{1,3}){3}\b/;
const REDACTED = '[redacted]';

/**
 * An event's detail with personal data replaced by `[redacted]`: the values of fields that hold it
 * (addresses, names, headers, IP addresses, user agents, links) and any string that looks like an
 * email or IP address. leadflow's own events carry ids, not addresses, so they print whole; SES
 * events and a test send's recipients do not.
 */
export function redactPersonalData(value: unknown, field = ''): unknown {
  if (PERSONAL_FIELDS.has(field.toLowerCase())) return REDACTED;
  if (typeof value === 'string') return EMAIL_LIKE.test(value) || IPV4_LIKE.test(value) ? REDACTED : value;
  if (Array.isArray(value)) return value.map((item) => redactPersonalData(item, field));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactPersonalData(item, key)]));
  }
  return value;
}

/** One DLQ message for a terminal: what event it is, when, how often it was received, why it failed, and its detail without personal data. */
function describeMessage(message: Message): string[] {
  // As SQS reports it: the consumer's attempts and every look since, this one included.
  const received = `receive count ${message.Attributes?.ApproximateReceiveCount ?? '?'}`;
  const errorCode = message.MessageAttributes?.ERROR_CODE?.StringValue;
  const errorMessage = message.MessageAttributes?.ERROR_MESSAGE?.StringValue;
  const failure = errorCode || errorMessage ? [`  error: ${[errorCode, errorMessage].filter(Boolean).join(': ')}`] : [];
  let event: unknown;
  try {
    event = JSON.parse(message.Body ?? '');
  } catch {
    event = undefined;
  }
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    return [`(not a bus event: ${Buffer.byteLength(message.Body ?? '')} bytes, not shown)  ${received}  message ${message.MessageId ?? '?'}`, ...failure];
  }
  const fields = event as Record<string, unknown>;
  const text = (field: string) => (typeof fields[field] === 'string' ? (fields[field] as string) : '?');
  return [
    `${text('detail-type')}  ${text('time')}  ${received}  event ${text('id')}`,
    ...failure,
    `  detail: ${JSON.stringify(redactPersonalData(fields.detail ?? null))}`,
  ];
}

function dlqNamed(deployment: Deployment, name: string | undefined, command: string): DeadLetterQueue {
  if (!name) throw new CliError(`dlq ${command} needs a function name (one of: ${deployment.dlqs.map((dlq) => dlq.name).join(', ')})`);
  const dlq = deployment.dlqs.find((candidate) => candidate.name === name);
  if (!dlq) throw new CliError(`No DLQ named ${name} in ${deployment.where}; one of: ${deployment.dlqs.map((candidate) => candidate.name).join(', ')}`);
  return dlq;
}

async function list(deployment: Deployment, io: DlqIo): Promise<void> {
  io.out(`${'DLQ'.padEnd(24)}${'messages'.padStart(9)}${'oldest'.padStart(14)}`);
  let waiting = 0;
  let holding = 0;
  for (const dlq of deployment.dlqs) {
    const url = await urlOf(deployment, dlq.dlqName);
    const { visible, inFlight } = await attributesOf(deployment, url);
    const messages = visible + inFlight;
    const oldest = visible
      ? await peek(deployment, url, OLDEST_SAMPLE, (sample) => Math.min(...sample.map((message) => Number(message.Attributes?.SentTimestamp ?? Date.now()))))
      : undefined;
    const age = oldest === undefined || !Number.isFinite(oldest) ? '-' : formatAge(Date.now() - oldest);
    io.out(`${dlq.name.padEnd(24)}${String(messages).padStart(9)}${age.padStart(14)}${dlq.queueName ? '' : `  (${dlq.holds})`}`);
    waiting += messages;
    if (messages) holding += 1;
  }
  io.out(
    waiting
      ? `${waiting} message(s) in ${holding} DLQ(s). Look: leadflow dlq show <name>; replay once the cause is fixed: leadflow dlq redrive <name|all>`
      : 'Every DLQ is empty.',
  );
}

async function show(deployment: Deployment, name: string | undefined, max: string | undefined, io: DlqIo): Promise<void> {
  const dlq = dlqNamed(deployment, name, 'show');
  const limit = max === undefined ? DEFAULT_SHOW : Number(max);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SHOW) throw new CliError(`--max must be a whole number from 1 to ${MAX_SHOW}, not ${max ?? ''}`);
  const url = await urlOf(deployment, dlq.dlqName);
  const lines = await peek(deployment, url, limit, (messages) => messages.flatMap(describeMessage));
  io.out(lines.length ? lines.join('\n') : `${dlq.name}: its DLQ is empty`);
}

/** Local mode: fauxqs has no message move tasks, so the CLI moves the messages itself, 10 at a time. */
async function moveByHand(deployment: Deployment, dlq: DeadLetterQueue, dlqUrl: string, queueUrl: string, expected: number, io: DlqIo): Promise<number> {
  let moved = 0;
  for (;;) {
    const { Messages = [] } = await deployment.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: 10, VisibilityTimeout: PEEK_VISIBILITY_SECONDS, MessageAttributeNames: ['All'] }),
    );
    if (!Messages.length) return moved;
    const sent = await deployment.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Messages.map((message, index) => ({ Id: String(index), MessageBody: message.Body ?? '', ...(message.MessageAttributes ? { MessageAttributes: message.MessageAttributes } : {}) })),
      }),
    );
    // Deleted only once sent: a crash in between leaves a copy in both queues, which the consumer's idempotency absorbs.
    const sentIds = new Set((sent.Successful ?? []).map((entry) => entry.Id));
    const delivered = Messages.filter((_, index) => sentIds.has(String(index)));
    if (delivered.length) {
      await deployment.sqs.send(
        new DeleteMessageBatchCommand({ QueueUrl: dlqUrl, Entries: delivered.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle ?? '' })) }),
      );
    }
    moved += delivered.length;
    io.out(moveProgressBar(moved, Math.max(expected, moved)));
    const refused = sent.Failed ?? [];
    if (refused.length) {
      throw new CliError(`${dlq.name}: ${refused.length} message(s) could not be put back (${refused[0]?.Message ?? refused[0]?.Code ?? 'no reason given'}); they stay in the DLQ: run the redrive again`);
    }
  }
}

/** In AWS: an SQS message move task from the DLQ to the consumer's queue, followed until it ends. */
async function moveWithTask(deployment: Deployment, dlq: DeadLetterQueue, sourceArn: string, destinationArn: string, expected: number, io: DlqIo): Promise<number> {
  const startedAt = Date.now();
  try {
    await deployment.sqs.send(new StartMessageMoveTaskCommand({ SourceArn: sourceArn, DestinationArn: destinationArn }));
  } catch (error) {
    throw new CliError(`${dlq.name}: SQS did not start the redrive: ${(error as Error).message}`);
  }
  return followProgress(
    io,
    async () => {
      const { Results: [latest] = [] } = await deployment.sqs.send(new ListMessageMoveTasksCommand({ SourceArn: sourceArn, MaxResults: 1 }));
      // Until SQS lists the new task, the latest may be an earlier one (a minute allows for clock skew).
      const task = latest?.StartedTimestamp !== undefined && latest.StartedTimestamp < startedAt - MOVE_TASK_CLOCK_SKEW_MS ? undefined : latest;
      const moved = task?.ApproximateNumberOfMessagesMoved ?? 0;
      io.out(moveProgressBar(moved, Math.max(task?.ApproximateNumberOfMessagesToMove ?? expected, moved)));
      if (task?.Status === 'COMPLETED') return { finished: true, result: moved };
      if (task?.Status === 'FAILED' || task?.Status === 'CANCELLED') {
        throw new CliError(`${dlq.name}: the redrive ${task.Status === 'FAILED' ? `failed: ${task.FailureReason ?? 'no reason given'}` : 'was cancelled'} after moving ${moved} message(s)`);
      }
      return { finished: false, progress: moved };
    },
    (seconds) => `${dlq.name}: the redrive moved nothing for ${seconds} s; it continues in SQS (the console shows it)`,
  );
}

async function redrive(deployment: Deployment, name: string | undefined, io: DlqIo): Promise<void> {
  const chosen = name === 'all' ? deployment.dlqs.filter((dlq) => dlq.queueName) : [dlqNamed(deployment, name, 'redrive')];
  for (const dlq of chosen) {
    if (!dlq.queueName) {
      throw new CliError(`${dlq.name}: its DLQ holds ${dlq.holds}; there is no queue to move them back to. Look at them with \`leadflow dlq show ${dlq.name}\` (the README's "Dead-letter queues" says what to do)`);
    }
    const [dlqUrl, queueUrl] = await Promise.all([urlOf(deployment, dlq.dlqName), urlOf(deployment, dlq.queueName)]);
    const [source, destination] = await Promise.all([attributesOf(deployment, dlqUrl), attributesOf(deployment, queueUrl)]);
    if (!source.visible) {
      io.out(`${dlq.name}: nothing to redrive${source.inFlight ? ` (${source.inFlight} message(s) being looked at or moved; try again in ${PEEK_VISIBILITY_SECONDS} s)` : ''}`);
      continue;
    }
    io.out(`${dlq.name}: moving ${source.visible} message(s) back to its queue`);
    const moved = deployment.local
      ? await moveByHand(deployment, dlq, dlqUrl, queueUrl, source.visible, io)
      : await moveWithTask(deployment, dlq, source.arn, destination.arn, source.visible, io);
    io.out(`${dlq.name}: ${moved} message(s) back in its queue`);
  }
}

/** Runs `use` on the queues of the deployment `options` name, closing its SQS client after. */
async function onDeployment(options: DlqOptions, io: DlqIo, use: (deployment: Deployment) => Promise<void>): Promise<void> {
  const deployment = deploymentOf(options, io.env);
  try {
    await use(deployment);
  } finally {
    deployment.sqs.destroy();
  }
}

/** `leadflow dlq list`. */
export const listDlqs = (options: DlqOptions, io: DlqIo) => onDeployment(options, io, (deployment) => list(deployment, io));

/** `leadflow dlq show <function> [--max n]`. */
export const showDlq = (name: string | undefined, max: string | undefined, options: DlqOptions, io: DlqIo) =>
  onDeployment(options, io, (deployment) => show(deployment, name, max, io));

/** `leadflow dlq redrive <function|all>`. */
export const redriveDlq = (name: string | undefined, options: DlqOptions, io: DlqIo) => onDeployment(options, io, (deployment) => redrive(deployment, name, io));
