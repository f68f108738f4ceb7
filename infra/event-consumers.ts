import { Duration } from 'aws-cdk-lib';
import { ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Rule, type IEventBus } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { consumerQueueNames } from '../manifest/queues';
import type { EventFunctionSpec, EventPattern } from '../manifest/types';
import type { LeadflowAlarms } from './alarms';
import { constructIdOf } from './construct-ids';
import type { DeployEventTarget } from './deploy-events';
import { deadLetterQueue } from './dead-letter-queue';

/** Lambda's guidance: a queue's visibility timeout at least six times its consumer's timeout. */
const VISIBILITY_TIMEOUT_FACTOR = 6;

export interface EventConsumersProps {
  readonly bus: IEventBus;
  readonly alarms: LeadflowAlarms;
  /** Queues are named after the stack and the function, so `leadflow dlq` finds them by name. */
  readonly queuePrefix: string;
}

/**
 * The path from the bus to each event function: a rule with the manifest's pattern, the function's own
 * queue and DLQ, and an alarm (in the alarms' nested stack) when a message waits too long.
 */
export class EventConsumers {
  private readonly scope: Construct;
  private readonly props: EventConsumersProps;

  constructor(scope: Construct, props: EventConsumersProps) {
    this.scope = scope;
    this.props = props;
  }

  /** Each consumer's queue and what carries its messages (function, event source mapping, rule), for the deploy events. */
  readonly targets: DeployEventTarget[] = [];

  add(spec: EventFunctionSpec, fn: IFunction): void {
    const { scope, props } = this;
    const id = constructIdOf(spec.name);
    const names = consumerQueueNames(spec.name, props.queuePrefix);
    const dlq = deadLetterQueue(scope, `${id}Dlq`, names.dlqName, props.alarms, 'queue');
    const queue = new Queue(scope, `${id}Queue`, {
      queueName: names.queueName,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(spec.timeoutSeconds * VISIBILITY_TIMEOUT_FACTOR),
      deadLetterQueue: { queue: dlq, maxReceiveCount: spec.trigger.maxReceiveCount },
    });
    const alarmMinutes = spec.trigger.oldestMessageAlarmMinutes;
    props.alarms.add(`${id}QueueAge`, {
      alarmDescription: `${spec.name} has left a message waiting over ${alarmMinutes} minutes: it is failing, throttled or outpaced. Look at its Errors and Throttles alarms, its logs and its DLQ; raise its concurrency if it is only slow.`,
      // By the queue's name, not a reference to it: a reference would be one more parameter of the alarms' stack.
      metric: queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: 'Maximum', dimensionsMap: { QueueName: names.queueName } }),
      threshold: alarmMinutes * 60,
      evaluationPeriods: 5,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    const rule = new Rule(scope, `${id}Rule`, {
      eventBus: props.bus,
      description: `Routes to ${spec.name}`,
      eventPattern: eventPatternFor(spec.trigger.pattern),
      targets: [new SqsQueue(queue, { deadLetterQueue: dlq, retryAttempts: 185, maxEventAge: Duration.hours(24) })],
    });
    fn.addEventSource(
      new SqsEventSource(queue, {
        batchSize: spec.trigger.batchSize,
        maxBatchingWindow: Duration.seconds(spec.trigger.maxBatchingWindowSeconds),
        reportBatchItemFailures: true,
      }),
    );
    this.targets.push({ spec, queue, wiring: [fn, rule] });
  }
}

/** The manifest's pattern in the shape aws-events expects (`detail-type` becomes `detailType`). */
function eventPatternFor(pattern: EventPattern) {
  const { source, 'detail-type': detailType, detail, ...rest } = pattern;
  if (Object.keys(rest).length) throw new Error(`Unsupported top-level pattern fields: ${Object.keys(rest).join(', ')}`);
  return {
    ...(source ? { source: source as string[] } : {}),
    ...(detailType ? { detailType: detailType as string[] } : {}),
    ...(detail ? { detail: detail as Record<string, unknown> } : {}),
  };
}
