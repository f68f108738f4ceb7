import { CfnOutput, Duration, RemovalPolicy, Stack, Token, Validations, type StackProps } from 'aws-cdk-lib';
import { CorsHttpMethod, HttpApi, HttpMethod, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { AttributeType, Billing, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { EventBus as EventBusTarget, SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Schedule, ScheduleExpression, ScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { ConfigurationSet, ConfigurationSetEventDestination, EmailSendingEvent, EventDestination } from 'aws-cdk-lib/aws-ses';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { sesForwardingRule } from '../manifest/default-bus';
import { environmentFor, type DeploymentSettings } from '../manifest/environment';
import { tableDesign } from '../manifest/table';
import { tableGrants } from '../manifest/table-grants';
import { LATENCY_ALARMS, METRICS_NAMESPACE } from '../manifest/metrics';
import { consumerQueueNames, scheduleFunctionDlqName, schedulesDlqName, sesForwardingDlqName } from '../manifest/queues';
import { isEventFunction, isHttpFunction, isScheduleFunction, type EventPattern, type FunctionSpec, type Manifest } from '../manifest/types';
import { LeadflowFunction } from './leadflow-function';
import { PublicEdge, type PublicEdgeProps } from './edge';

export interface LeadflowStackProps extends StackProps {
  readonly manifest: Manifest;
  readonly settings: Omit<
    DeploymentSettings,
    'tableName' | 'busName' | 'configurationSetName' | 'signingKeysSecret' | 'privacySaltSecret' | 'publicBaseUrl' | 'scheduleGroupName' | 'schedulerRoleArn' | 'busArn' | 'scheduleDlqArn'
  > & {
    /** A custom domain for links in email; the API's own URL when absent. */
    readonly publicBaseUrl?: string;
  };
  /** The edge option: CloudFront with this WebACL in front of the public routes. */
  readonly edge?: Omit<PublicEdgeProps, 'api'>;
}

/** Lambda's guidance: a queue's visibility timeout at least six times its consumer's timeout. */
const VISIBILITY_TIMEOUT_FACTOR = 6;

/**
 * leadflow in AWS, built entirely from the manifest: every function, its trigger, its queue and DLQ,
 * its alarms and exactly the grants its access list names.
 */
export class LeadflowStack extends Stack {
  constructor(scope: Construct, id: string, props: LeadflowStackProps) {
    super(scope, id, props);
    const { manifest } = props;
    // Queues are named after the stack and the function, so `leadflow dlq` finds them by name.
    const queuePrefix = `${this.stackName}-`;

    // CloudWatch cannot publish to a topic under the AWS-managed SNS key, so the topic has its own key
    // whose policy lets CloudWatch alarms use it (the statement AWS documents for alarm topics).
    const alarmKey = new Key(this, 'AlarmsKey', {
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
    const alarmTopic = new Topic(this, 'Alarms', { displayName: 'leadflow alarms', enforceSSL: true, masterKey: alarmKey });
    const alarmAction = new SnsAction(alarmTopic);

    const table = new TableV2(this, 'Table', {
      partitionKey: { name: tableDesign.partitionKey, type: AttributeType.STRING },
      sortKey: { name: tableDesign.sortKey, type: AttributeType.STRING },
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: tableDesign.timeToLiveAttribute,
      encryption: TableEncryptionV2.awsManagedKey(),
      removalPolicy: RemovalPolicy.RETAIN,
      globalSecondaryIndexes: tableDesign.indexes.map((index) => ({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
      })),
    });

    const bus = new EventBus(this, 'Bus', { eventBusName: `${manifest.service}-${this.stackName}`.slice(0, 256) });
    bus.archive('Archive', { eventPattern: { source: [manifest.service] }, retention: Duration.days(30), description: 'Replay of leadflow events' });

    const configurationSet = new ConfigurationSet(this, 'ConfigurationSet', {});
    // SES delivers configuration-set events to the account's default bus only; a rule forwards them to ours.
    new ConfigurationSetEventDestination(this, 'SesEventsToDefaultBus', {
      configurationSet,
      destination: EventDestination.eventBus(EventBus.fromEventBusName(this, 'DefaultBus', 'default')),
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
      new Alarm(this, id, {
        alarmDescription: `${metricName} of the SES account is at ${threshold * 100}%: below SES's review level, act now`,
        metric: new Metric({ namespace: 'AWS/SES', metricName, period: Duration.hours(1), statistic: 'Maximum' }),
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }).addAlarmAction(alarmAction);
    }
    // The brief's pipeline SLAs: submit to score, and submit to MQL alert, as the functions report them.
    for (const [metricName, { service, p99Ms }] of Object.entries(LATENCY_ALARMS)) {
      new Alarm(this, `${metricName}P99`, {
        alarmDescription: `${metricName} p99 above ${p99Ms / 1000} s for 15 minutes: leads wait too long; look at the ${service} queue and its errors`,
        metric: new Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service }, period: Duration.minutes(5), statistic: 'p99' }),
        threshold: p99Ms,
        evaluationPeriods: 3,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }).addAlarmAction(alarmAction);
    }
    const forwardDlq = this.deadLetterQueue('SesForwardDlq', sesForwardingDlqName(queuePrefix), alarmAction, 'rule target');
    const sesForwarding = sesForwardingRule(configurationSet.configurationSetName);
    new Rule(this, 'ForwardSesEvents', {
      description: sesForwarding.description,
      eventPattern: sesForwarding.pattern,
      targets: [new EventBusTarget(bus, { deadLetterQueue: forwardDlq })],
    });

    // The key ring that signs subscriber links: { current, <kid>: <secret> }. Rotate by adding a key
    // and pointing `current` at it; older links verify until their key is removed.
    const signingKeys = new Secret(this, 'SigningKeys', {
      description: 'HMAC keys for subscriber links (unsubscribe, preferences, confirmation)',
      generateSecretString: { secretStringTemplate: JSON.stringify({ current: 'k1' }), generateStringKey: 'k1', passwordLength: 64, excludePunctuation: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(signingKeys).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SMG4',
      reason: 'Rotation adds a key id beside the old one (links already sent must keep verifying); an operator rotates by editing the key ring, which single-value automatic rotation cannot do.',
    });

    // Addresses are kept as HMACs under this salt where the address itself must not be (suppressions
    // outliving an erasure). Never rotated: a new salt would stop old hashes from matching.
    const privacySalt = new Secret(this, 'PrivacySalt', {
      description: 'Salt of one-way address hashes (suppression list, erased leads)',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(privacySalt).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SMG4',
      reason: 'The salt must never change, or suppressed and erased addresses would stop matching their hashes.',
    });

    // Scheduled campaigns: one-time schedules in this group put campaign.send-due on the bus as this
    // role, which may do only that (and reach the schedules' DLQ). Functions may pass only this role.
    const scheduleGroup = new ScheduleGroup(this, 'CampaignSchedules', {});
    const scheduleDlq = this.deadLetterQueue('CampaignScheduleDlq', schedulesDlqName(queuePrefix), alarmAction, 'schedule');
    const schedulerRole = new Role(this, 'CampaignSchedulerRole', {
      description: 'Assumed by EventBridge Scheduler to put scheduled campaigns and MQL follow-ups on the leadflow bus',
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': this.account } } }),
    });
    bus.grantPutEventsTo(schedulerRole);
    scheduleDlq.grantSendMessages(schedulerRole);

    const accessLogs = new LogGroup(this, 'ApiAccessLogs', { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    const api = new HttpApi(this, 'Api', {
      description: 'leadflow public and admin API',
      createDefaultStage: false,
      corsPreflight: {
        allowOrigins: [...props.settings.allowedOrigins],
        allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST],
        allowHeaders: ['content-type', 'idempotency-key'],
        maxAge: Duration.hours(1),
      },
    });
    new HttpStage(this, 'DefaultStage', {
      httpApi: api,
      autoDeploy: true,
      throttle: { rateLimit: manifest.http.throttleRatePerSecond, burstLimit: manifest.http.throttleBurst },
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs) },
    });
    // Bad input must get a 4xx (invariant 6): a 5xx is a fault or an outage of what a route writes to.
    new Alarm(this, 'Api5xx', {
      alarmDescription: 'The HTTP API answered 5xx at least 5 times in 5 minutes: look at the Errors alarms and logs of the functions behind the routes (503s say the bus or the table refused a write that clients will retry).',
      metric: api.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 5,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(alarmAction);
    const iamAuthorizer = new HttpIamAuthorizer();
    const edge = props.edge ? new PublicEdge(this, 'Edge', { ...props.edge, api }) : undefined;

    const settings: DeploymentSettings = {
      ...props.settings,
      signingKeysSecret: signingKeys.secretArn,
      privacySaltSecret: privacySalt.secretArn,
      tableName: table.tableName,
      busName: bus.eventBusName,
      configurationSetName: configurationSet.configurationSetName,
      publicBaseUrl: props.settings.publicBaseUrl ?? edge?.url ?? api.apiEndpoint,
      ...(edge ? { edgeOriginSecret: edge.originSecret } : {}),
      scheduleGroupName: scheduleGroup.scheduleGroupName,
      schedulerRoleArn: schedulerRole.roleArn,
      busArn: bus.eventBusArn,
      scheduleDlqArn: scheduleDlq.queueArn,
    };


    for (const spec of manifest.functions) {
      if (isHttpFunction(spec) && spec.access.includes('links:public')) {
        // Its environment would name the API that integrates it: a dependency cycle in CloudFormation.
        throw new Error(`${spec.name}: an HTTP function cannot have links:public; build links in an event consumer`);
      }
      const { fn } = new LeadflowFunction(this, pascal(spec.name), {
        spec,
        environment: environmentFor(spec, manifest, settings),
        alarmAction,
      });
      this.grant(spec, fn, {
        table, bus, signingKeys, privacySalt, scheduleGroup, schedulerRole,
        configurationSetName: configurationSet.configurationSetName,
        senderAddress: settings.senderAddress,
      });

      if (isHttpFunction(spec)) {
        const integration = new HttpLambdaIntegration(`${pascal(spec.name)}Integration`, fn);
        const routes = spec.trigger.routes.flatMap((route) =>
          api.addRoutes({
            path: route.path,
            methods: [HttpMethod[route.method]],
            integration,
            ...(spec.trigger.audience === 'admin' ? { authorizer: iamAuthorizer } : {}),
          }),
        );
        if (spec.trigger.audience === 'public') {
          routes.forEach((publicRoute) =>
            Validations.of(publicRoute).acknowledge({
              id: 'AwsSolutions::AwsSolutions-APIG4',
              reason: 'Public capture routes are called by website forms and the tracking snippet without credentials; throttling, reserved concurrency and strict validation protect them.',
            }),
          );
        }
      }

      if (isEventFunction(spec)) {
        const names = consumerQueueNames(spec.name, queuePrefix);
        const dlq = this.deadLetterQueue(`${pascal(spec.name)}Dlq`, names.dlqName, alarmAction, 'queue');
        const queue = new Queue(this, `${pascal(spec.name)}Queue`, {
          queueName: names.queueName,
          encryption: QueueEncryption.SQS_MANAGED,
          enforceSSL: true,
          visibilityTimeout: Duration.seconds(spec.timeoutSeconds * VISIBILITY_TIMEOUT_FACTOR),
          deadLetterQueue: { queue: dlq, maxReceiveCount: spec.trigger.maxReceiveCount },
        });
        const alarmMinutes = spec.trigger.oldestMessageAlarmMinutes;
        new Alarm(this, `${pascal(spec.name)}QueueAge`, {
          alarmDescription: `${spec.name} has left a message waiting over ${alarmMinutes} minutes: it is failing, throttled or outpaced. Look at its Errors and Throttles alarms, its logs and its DLQ; raise its concurrency if it is only slow.`,
          metric: queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: 'Maximum' }),
          threshold: alarmMinutes * 60,
          evaluationPeriods: 5,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }).addAlarmAction(alarmAction);
        new Rule(this, `${pascal(spec.name)}Rule`, {
          eventBus: bus,
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
      }

      if (isScheduleFunction(spec)) {
        const dlq = this.deadLetterQueue(`${pascal(spec.name)}ScheduleDlq`, scheduleFunctionDlqName(spec.name, queuePrefix), alarmAction, 'schedule');
        new Schedule(this, `${pascal(spec.name)}Schedule`, {
          schedule: ScheduleExpression.expression(spec.trigger.expression),
          target: new LambdaInvoke(fn, { deadLetterQueue: dlq, retryAttempts: 3, maxEventAge: Duration.hours(1) }),
        });
      }
    }

    new CfnOutput(this, 'ApiUrl', { value: api.apiEndpoint });
    new CfnOutput(this, 'TableName', { value: table.tableName });
    new CfnOutput(this, 'BusName', { value: bus.eventBusName });
  }

  /**
   * A DLQ with a depth alarm. cdk-nag sees a queue's redrive target as a DLQ by itself; the DLQ of a
   * rule target or a schedule is named only by them, so it is acknowledged as one.
   */
  private deadLetterQueue(id: string, queueName: string, alarmAction: SnsAction, of: 'queue' | 'rule target' | 'schedule'): Queue {
    const dlq = new Queue(this, id, { queueName, encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) });
    if (of !== 'queue') {
      Validations.of(dlq).acknowledge({ id: 'AwsSolutions::AwsSolutions-SQS3', reason: `This queue is itself the dead-letter queue of a ${of}.` });
    }
    new Alarm(this, `${id}Depth`, {
      alarmDescription: `Messages waiting in ${id}: something failed repeatedly; inspect and redrive`,
      metric: dlq.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
      threshold: 0,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(alarmAction);
    return dlq;
  }

  /**
   * Exactly the permissions the manifest names, on this stack's resources only. Table statements are
   * derived from the function's item kinds (manifest/table-grants.ts), each bounded by
   * `dynamodb:LeadingKeys` to those kinds' partitions.
   */
  private grant(
    spec: FunctionSpec,
    fn: LeadflowFunction['fn'],
    resources: {
      table: TableV2; bus: EventBus; signingKeys: Secret; privacySalt: Secret; scheduleGroup: ScheduleGroup; schedulerRole: Role;
      configurationSetName: string; senderAddress: string;
    },
  ) {
    for (const grant of tableGrants(spec.table)) {
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: [...grant.actions],
          resources: [grant.index ? `${resources.table.tableArn}/index/${grant.index}` : resources.table.tableArn],
          conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...grant.leadingKeys] } },
        }),
      );
    }
    for (const access of spec.access) {
      switch (access) {
        case 'bus:put':
          resources.bus.grantPutEventsTo(fn);
          break;
        case 'secret:signing-keys':
          resources.signingKeys.grantRead(fn);
          break;
        case 'secret:privacy-salt':
          resources.privacySalt.grantRead(fn);
          break;
        case 'scheduler:manage': {
          fn.addToRolePolicy(
            new PolicyStatement({
              actions: ['scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule', 'scheduler:GetSchedule'],
              resources: [this.formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `${resources.scheduleGroup.scheduleGroupName}/*` })],
            }),
          );
          Validations.of(fn).acknowledge({
            // A stack deployed to a known region and account (the edge option) has them spelled out in the ARN.
            id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:${Token.isUnresolved(this.region) ? '<AWS::Region>' : this.region}:${Token.isUnresolved(this.account) ? '<AWS::AccountId>' : this.account}:schedule/${resources.scheduleGroup.scheduleGroupName}/*]`,
            reason: "One schedule per campaign, named by the campaign id at run time: the grant covers this stack's campaign schedule group only.",
          });
          fn.addToRolePolicy(
            new PolicyStatement({
              actions: ['iam:PassRole'],
              resources: [resources.schedulerRole.roleArn],
              conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
            }),
          );
          break;
        }
        case 'ses:send': {
          const domain = resources.senderAddress.slice(resources.senderAddress.indexOf('@') + 1);
          fn.addToRolePolicy(
            new PolicyStatement({
              actions: ['ses:SendEmail'],
              resources: [
                this.formatArn({ service: 'ses', resource: 'identity', resourceName: resources.senderAddress }),
                this.formatArn({ service: 'ses', resource: 'identity', resourceName: domain }),
                this.formatArn({ service: 'ses', resource: 'configuration-set', resourceName: resources.configurationSetName }),
              ],
            }),
          );
          break;
        }
      }
    }
  }
}

const pascal = (name: string) => name.replace(/(^|-)([a-z0-9])/g, (_, __, letter: string) => letter.toUpperCase());

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
