import { Duration, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData, type IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/**
 * A DLQ with a depth alarm, in `scope` as `id` (the alarm as `<id>Depth`). cdk-nag sees a queue's
 * redrive target as a DLQ by itself; the DLQ of a rule target or a schedule is named only by them, so
 * it is acknowledged as one.
 */
export function deadLetterQueue(scope: Construct, id: string, queueName: string, alarmAction: IAlarmAction, of: 'queue' | 'rule target' | 'schedule'): Queue {
  const dlq = new Queue(scope, id, { queueName, encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) });
  if (of !== 'queue') {
    Validations.of(dlq).acknowledge({ id: 'AwsSolutions::AwsSolutions-SQS3', reason: `This queue is itself the dead-letter queue of a ${of}.` });
  }
  new Alarm(scope, `${id}Depth`, {
    alarmDescription: `Messages waiting in ${id}: something failed repeatedly; inspect and redrive`,
    metric: dlq.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
    threshold: 0,
    evaluationPeriods: 1,
    comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  }).addAlarmAction(alarmAction);
  return dlq;
}
