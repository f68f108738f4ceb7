import { Aws, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { AwsCustomResource, AwsCustomResourcePolicy, PhysicalResourceId } from 'aws-cdk-lib/custom-resources';
import type { Construct, IDependable } from 'constructs';
import { constructIdOf } from './construct-ids';
import { consumedDetailTypes } from '../manifest/event-flow';
import type { DeployEvent, EventFunctionSpec } from '../manifest/types';
import { EVENT_SOURCE } from '../src/domain/events';

/** A consumer the deploy event goes to: its manifest entry, its queue, and what must exist before a message is sent to it. */
export interface DeployEventTarget {
  readonly spec: EventFunctionSpec;
  readonly queue: IQueue;
  /** The function, its event source mapping and rule: the message waits for nobody once they exist. */
  readonly wiring: readonly IDependable[];
}

/**
 * The deploy events: after the functions, queues and rules are in place, each event is sent to the
 * queue of every function of the manifest whose rule consumes it (none: not sent), in the envelope EventBridge gives the
 * queue, by a CloudFormation custom resource (one SQS SendMessage on create, and on each update,
 * which a changed fingerprint makes). The queue, not the bus: SendMessage succeeds or fails the
 * deploy, where PutEvents can answer 200 with the entry refused; and the grant is one queue's.
 */
export function addDeployEvents(scope: Construct, events: readonly DeployEvent[], targets: readonly DeployEventTarget[]): void {
  const stack = Stack.of(scope);
  if (events.length === 0) return;
  // The provider function's logs, kept as long as the functions' own.
  const logGroup = new LogGroup(scope, 'DeployEventLogs', { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
  for (const deploy of events) {
    const consumers = targets.filter((target) => consumedDetailTypes(target.spec).includes(deploy.event.detailType));
    for (const { spec, queue, wiring } of consumers) {
      const envelope = {
        version: '0',
        id: `deploy-${deploy.name}-${deploy.fingerprint}`,
        'detail-type': deploy.event.detailType,
        source: EVENT_SOURCE,
        account: Aws.ACCOUNT_ID,
        region: Aws.REGION,
        resources: [],
        detail: deploy.event.detail,
      };
      const send = {
        service: 'SQS',
        action: 'sendMessage',
        parameters: { QueueUrl: queue.queueUrl, MessageBody: stack.toJsonString(envelope) },
        // A new fingerprint is a new physical id: CloudFormation calls onUpdate, and the old one's delete does nothing.
        physicalResourceId: PhysicalResourceId.of(`${deploy.name}-${spec.name}-${deploy.fingerprint}`),
      };
      const resource = new AwsCustomResource(scope, `${deploy.name}To${constructIdOf(spec.name)}`, {
        resourceType: 'Custom::LeadflowDeployEvent',
        onCreate: send,
        onUpdate: send,
        installLatestAwsSdk: false,
        timeout: Duration.minutes(2),
        logGroup,
        policy: AwsCustomResourcePolicy.fromStatements([new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] })]),
      });
      for (const dependency of wiring) resource.node.addDependency(dependency);
    }
  }
  // The provider function AwsCustomResource shares across the stack, made by the first one above.
  const provider = stack.node.tryFindChild(`AWS${AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`);
  if (!provider) return;
  Validations.of(provider.node.findChild('ServiceRole')).acknowledge({
    id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason: "The AWS-managed minimum for writing a function's logs; its calls are granted per deploy event, one queue each.",
  });
}
