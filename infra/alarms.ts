import { NestedStack } from 'aws-cdk-lib';
import { Alarm, type AlarmProps, type IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';

/**
 * The main stack's alarms, in a nested stack of their own (`CloudWatchAlarms`), each notifying the
 * alarm topic: a CloudFormation stack holds at most 500 resources, and an alarm for every function,
 * consumer queue and DLQ would take more than a fifth of them. Every resource of the main stack an
 * alarm refers to becomes a parameter of the nested stack, which may have at most 200: a function (its
 * name is CloudFormation's), an API and the topic do; queues, named by us, are named in their alarms'
 * metrics rather than referred to, which leaves one parameter a function.
 */
export class LeadflowAlarms {
  readonly stack: NestedStack;

  constructor(
    scope: Construct,
    private readonly action: IAlarmAction,
  ) {
    this.stack = new NestedStack(scope, 'CloudWatchAlarms', {
      description: "leadflow alarms: each function's errors and throttles, each consumer queue's oldest message, each DLQ's depth, the APIs' 5xx, SES reputation and pipeline latency",
    });
  }

  /** An alarm in the nested stack, as `id`, that notifies the alarm topic. */
  add(id: string, props: AlarmProps): Alarm {
    const alarm = new Alarm(this.stack, id, props);
    alarm.addAlarmAction(this.action);
    return alarm;
  }
}
