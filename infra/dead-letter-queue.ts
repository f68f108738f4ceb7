import { Duration, Validations } from 'aws-cdk-lib';
import { ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { LeadflowAlarms } from './alarms';

/**
 * A DLQ in `scope` as `id`, with a depth alarm in the alarms' nested stack as `<id>Depth`. cdk-nag sees a queue's
 * redrive target as a DLQ by itself; the DLQ of a rule target or a schedule is named only by them, so
 * it is acknowledged as one.
 */
export function deadLetterQueue(scope: Construct, id: string, queueName: string, alarms: LeadflowAlarms, of: 'queue' | 'rule target' | 'schedule'): Queue {
  const dlq = new Queue(scope, id, { queueName, encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) });
  if (of !== 'queue') {
    Validations.of(dlq).acknowledge({ id: 'AwsSolutions::AwsSolutions-SQS3', reason: `This queue is itself the dead-letter queue of a ${of}.` });
  }
  alarms.add(`${id}Depth`, {
    alarmDescription: `Messages waiting in ${id}: something failed repeatedly; inspect and redrive`,
    // By the queue's name, not a reference to it: a reference would be one more parameter of the alarms' stack.
    metric: dlq.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), dimensionsMap: { QueueName: queueName } }),
    threshold: 0,
    evaluationPeriods: 1,
    comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
  return dlq;
}
