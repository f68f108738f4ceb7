import { isEventFunction, isScheduleFunction, type Manifest } from './types';

/** SQS allows 80 characters in a queue name. */
const MAX_QUEUE_NAME = 80;

/**
 * A dead-letter queue of a deployment and what it belongs to. Only a consumer's DLQ has a queue to
 * move its messages back to (`queueName`); the others hold what EventBridge or Scheduler could not
 * deliver, and have no queue of ours upstream.
 */
export interface DeadLetterQueue {
  /** What `leadflow dlq` calls it: the consumer's function name, or the stack-level DLQ's own name. */
  readonly name: string;
  readonly dlqName: string;
  /** The consumer's own queue, where a redrive puts the messages back. */
  readonly queueName?: string;
  /** What lands in it, for operators. */
  readonly holds: string;
}

/**
 * The names the stack gives its queues and the CLI finds them by: `<prefix><function>` and
 * `<prefix><function>-dlq`, with the stack name and a hyphen as the prefix in AWS and none locally.
 */
export function consumerQueueNames(functionName: string, prefix = ''): { readonly queueName: string; readonly dlqName: string } {
  return { queueName: checked(`${prefix}${functionName}`), dlqName: checked(`${prefix}${functionName}-dlq`) };
}

/** The DLQ of the rule that forwards SES events from the default bus to the leadflow bus. */
export const sesForwardingDlqName = (prefix: string) => checked(`${prefix}ses-forwarding-dlq`);
/** The DLQ of the one-time schedules (campaign sends, MQL follow-ups) that put events on the bus. */
export const schedulesDlqName = (prefix: string) => checked(`${prefix}schedules-dlq`);
/** The DLQ of a scheduled function's recurring schedule. */
export const scheduleFunctionDlqName = (functionName: string, prefix: string) => checked(`${prefix}${functionName}-schedule-dlq`);

function checked(name: string): string {
  if (name.length > MAX_QUEUE_NAME || !/^[A-Za-z0-9_-]+$/.test(name)) {
    throw new Error(`Queue name ${name} is not a valid SQS name (letters, digits, - and _, at most ${MAX_QUEUE_NAME} characters): shorten the stack or function name`);
  }
  return name;
}

/**
 * Every DLQ of a deployment: one per consumer of the manifest, and in AWS (`stackPrefix` given) the
 * SES forwarding rule's, the schedules' and each scheduled function's. Local mode has only the first.
 */
export function deadLetterQueues(manifest: Manifest, stackPrefix?: string): DeadLetterQueue[] {
  const prefix = stackPrefix ?? '';
  const consumers = manifest.functions.filter(isEventFunction).map((spec) => ({
    name: spec.name,
    ...consumerQueueNames(spec.name, prefix),
    holds: `events ${spec.name} failed ${spec.trigger.maxReceiveCount} times, and events EventBridge could not put in its queue`,
  }));
  if (stackPrefix === undefined) return consumers;
  return [
    ...consumers,
    { name: 'ses-forwarding', dlqName: sesForwardingDlqName(prefix), holds: 'SES events the default bus could not forward to the leadflow bus' },
    { name: 'schedules', dlqName: schedulesDlqName(prefix), holds: 'campaign.send-due and handoff.follow-up-due events Scheduler could not put on the bus' },
    ...manifest.functions.filter(isScheduleFunction).map((spec) => ({
      name: `${spec.name}-schedule`,
      dlqName: scheduleFunctionDlqName(spec.name, prefix),
      holds: `invocations of ${spec.name} its schedule could not make`,
    })),
  ];
}
