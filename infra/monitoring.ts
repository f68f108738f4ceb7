import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { ComparisonOperator, Metric, TreatMissingData, type IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { LATENCY_ALARMS, METRICS_NAMESPACE } from '../manifest/metrics';
import { LeadflowAlarms } from './alarms';

/** The topic every alarm notifies, the nested stack the alarms live in, and the alarms on the brief's pipeline SLAs. */
export class Monitoring {
  readonly alarmAction: IAlarmAction;
  readonly alarms: LeadflowAlarms;

  constructor(scope: Construct) {
    // CloudWatch cannot publish to a topic under the AWS-managed SNS key, so the topic has its own key
    // whose policy lets CloudWatch alarms use it (the statement AWS documents for alarm topics).
    const alarmKey = new Key(scope, 'AlarmsKey', {
      description: 'Encrypts the leadflow alarm topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    alarmKey.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsPublishToTheAlarmTopic',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    const alarmTopic = new Topic(scope, 'Alarms', { displayName: 'leadflow alarms', enforceSSL: true, masterKey: alarmKey });
    this.alarmAction = new SnsAction(alarmTopic);
    this.alarms = new LeadflowAlarms(scope, this.alarmAction);

    // The brief's pipeline SLAs: submit to score, and submit to MQL alert, as the functions report them.
    for (const [metricName, { service, p99Ms }] of Object.entries(LATENCY_ALARMS)) {
      this.alarms.add(`${metricName}P99`, {
        alarmDescription: `${metricName} p99 above ${p99Ms / 1000} s for 15 minutes: leads wait too long; look at the ${service} queue and its errors`,
        metric: new Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service }, period: Duration.minutes(5), statistic: 'p99' }),
        threshold: p99Ms,
        evaluationPeriods: 3,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    }
  }
}
