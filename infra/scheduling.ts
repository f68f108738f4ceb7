import { type CfnElement, Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Schedule, ScheduleExpression, ScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { scheduleFunctionDlqName, schedulesDlqName } from '../manifest/queues';
import type { ScheduleFunctionSpec } from '../manifest/types';
import type { LeadflowAlarms } from './alarms';
import { constructIdOf } from './construct-ids';
import { deadLetterQueue } from './dead-letter-queue';

export interface SchedulingProps {
  /** Where the one-time schedules put their events. */
  readonly bus: IEventBus;
  readonly alarms: LeadflowAlarms;
  readonly queuePrefix: string;
}

/**
 * EventBridge Scheduler: the group of one-time schedules the functions create (scheduled campaigns,
 * MQL follow-ups), the role those schedules put their events on the bus as, and the recurring
 * schedules of scheduled functions.
 */
export class Scheduling {
  readonly scheduleGroup: ScheduleGroup;
  readonly schedulerRole: Role;
  readonly scheduleDlq: Queue;
  private readonly scope: Construct;
  private readonly props: SchedulingProps;

  constructor(scope: Construct, props: SchedulingProps) {
    this.scope = scope;
    this.props = props;
    // One-time schedules in this group put campaign.send-due and handoff.follow-up-due on the bus as
    // this role, which may do only that (and reach the schedules' DLQ). Functions may pass only this role.
    this.scheduleGroup = new ScheduleGroup(scope, 'CampaignSchedules', {});
    this.scheduleDlq = deadLetterQueue(scope, 'CampaignScheduleDlq', schedulesDlqName(props.queuePrefix), props.alarms, 'schedule');
    this.schedulerRole = new Role(scope, 'CampaignSchedulerRole', {
      description: 'Assumed by EventBridge Scheduler to put scheduled campaigns and MQL follow-ups on the leadflow bus',
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } } }),
    });
    props.bus.grantPutEventsTo(this.schedulerRole);
    this.scheduleDlq.grantSendMessages(this.schedulerRole);
  }

  /** Create, update, read and delete schedules in the group, and pass them the scheduler role only. */
  grantManageSchedules(fn: IFunction): void {
    const stack = Stack.of(this.scope);
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule', 'scheduler:GetSchedule'],
        resources: [stack.formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `${this.scheduleGroup.scheduleGroupName}/*` })],
      }),
    );
    Validations.of(fn).acknowledge({
      // A stack deployed to a known region and account (the edge option) has them spelled out in the ARN.
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:${Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region}:${Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account}:schedule/${this.scheduleGroup.scheduleGroupName}/*]`,
      reason: "One schedule per campaign, named by the campaign id at run time: the grant covers this stack's campaign schedule group only.",
    });
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.schedulerRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
  }

  /** Invokes a scheduled function on its manifest expression, with a DLQ for invocations that keep failing. */
  invokeOnSchedule(spec: ScheduleFunctionSpec, fn: IFunction): void {
    const id = constructIdOf(spec.name);
    const dlq = deadLetterQueue(this.scope, `${id}ScheduleDlq`, scheduleFunctionDlqName(spec.name, this.props.queuePrefix), this.props.alarms, 'schedule');
    // A role of its own, which may invoke only this function (and reach its DLQ).
    const role = new Role(this.scope, `${id}ScheduleRole`, {
      description: `Assumed by EventBridge Scheduler to invoke ${spec.name} on its schedule`,
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this.scope).account } } }),
    });
    new Schedule(this.scope, `${id}Schedule`, {
      schedule: ScheduleExpression.expression(spec.trigger.expression),
      target: new LambdaInvoke(fn, { role, deadLetterQueue: dlq, retryAttempts: 3, maxEventAge: Duration.hours(1) }),
    });
    const functionLogicalId = Stack.of(fn).getLogicalId(fn.node.defaultChild as CfnElement);
    Validations.of(role).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${functionLogicalId}.Arn>:*]`,
      reason: "Lambda's invoke grant covers the function's versions and aliases (`<arn>:*`): this one function only.",
    });
  }
}
