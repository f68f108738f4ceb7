import { Duration, Stack } from 'aws-cdk-lib';
import { ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { EventBus, Rule, type IEventBus } from 'aws-cdk-lib/aws-events';
import { EventBus as EventBusTarget } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { ConfigurationSet, ConfigurationSetEventDestination, EmailSendingEvent, EventDestination } from 'aws-cdk-lib/aws-ses';
import type { Construct } from 'constructs';
import { sesForwardingRule } from '../manifest/default-bus';
import { sesForwardingDlqName } from '../manifest/queues';
import type { LeadflowAlarms } from './alarms';
import { deadLetterQueue } from './dead-letter-queue';

export interface MailProps {
  /** Where SES's sending events (delivery, open, bounce…) end up. */
  readonly bus: IEventBus;
  readonly alarms: LeadflowAlarms;
  readonly queuePrefix: string;
}

/**
 * SES: the configuration set every email is sent with, its events forwarded to the leadflow bus, and
 * alarms on the account's reputation.
 */
export class Mail {
  readonly configurationSetName: string;

  constructor(scope: Construct, props: MailProps) {
    const configurationSet = new ConfigurationSet(scope, 'ConfigurationSet', {});
    this.configurationSetName = configurationSet.configurationSetName;
    // SES delivers configuration-set events to the account's default bus only; a rule forwards them to ours.
    new ConfigurationSetEventDestination(scope, 'SesEventsToDefaultBus', {
      configurationSet,
      destination: EventDestination.eventBus(EventBus.fromEventBusName(scope, 'DefaultBus', 'default')),
      events: [
        EmailSendingEvent.SEND, EmailSendingEvent.DELIVERY, EmailSendingEvent.OPEN, EmailSendingEvent.CLICK,
        EmailSendingEvent.BOUNCE, EmailSendingEvent.COMPLAINT, EmailSendingEvent.REJECT,
      ],
    });
    // SES puts an account under review at a 5% bounce or 0.1% complaint rate (and may pause sending at
    // 10% / 0.5%): operators hear of it well before either.
    for (const [id, metricName, threshold] of [
      ['SesBounceRate', 'Reputation.BounceRate', 0.04],
      ['SesComplaintRate', 'Reputation.ComplaintRate', 0.0008],
    ] as const) {
      props.alarms.add(id, {
        alarmDescription: `${metricName} of the SES account is at ${threshold * 100}%: below SES's review level, act now`,
        metric: new Metric({ namespace: 'AWS/SES', metricName, period: Duration.hours(1), statistic: 'Maximum' }),
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    }
    const forwardDlq = deadLetterQueue(scope, 'SesForwardDlq', sesForwardingDlqName(props.queuePrefix), props.alarms, 'rule target');
    const sesForwarding = sesForwardingRule(configurationSet.configurationSetName);
    new Rule(scope, 'ForwardSesEvents', {
      description: sesForwarding.description,
      eventPattern: sesForwarding.pattern,
      targets: [new EventBusTarget(props.bus, { deadLetterQueue: forwardDlq })],
    });
  }

  /** SendEmail from the sender address or its domain, through this configuration set only. */
  grantSend(fn: IFunction, senderAddress: string): void {
    const stack = Stack.of(fn);
    const domain = senderAddress.slice(senderAddress.indexOf('@') + 1);
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: [
          stack.formatArn({ service: 'ses', resource: 'identity', resourceName: senderAddress }),
          stack.formatArn({ service: 'ses', resource: 'identity', resourceName: domain }),
          stack.formatArn({ service: 'ses', resource: 'configuration-set', resourceName: this.configurationSetName }),
        ],
      }),
    );
  }
}
