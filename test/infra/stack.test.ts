import { Match, Template } from 'aws-cdk-lib/assertions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/leadflow-app';
import { DELIVERED_WEBHOOK_TYPES } from '../../src/domain/events';
import { deployEvents } from '../../manifest/deploy-events';
import { manifest } from '../../manifest/manifest';
import { LATENCY_ALARMS } from '../../manifest/metrics';
import { deadLetterQueues } from '../../manifest/queues';
import { isEventFunction, isHttpFunction, routeKey, type Access } from '../../manifest/types';
import { defaultTemplateApp, templateApp } from './template-app';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;
let template: Template;
/** The nested stack of the routes, their integrations and invoke permissions. */
let routesTemplate: Template;
/** The nested stack of the alarms as synthesised, with its parameters. */
let alarmsStackTemplate: Template;
/**
 * The alarms' nested stack with each of its parameters replaced by what the main stack passes it, so
 * its alarms name the main stack's resources by their logical ids, as they did when they were in it.
 */
let alarmsTemplate: Template;
/** The main stack's resources, the routes stack's and the alarms stack's (parameters resolved) together. */
let resources: Resources;

beforeAll(() => {
  const { stack } = defaultTemplateApp();
  template = Template.fromStack(stack);
  routesTemplate = Template.fromStack(stack.routes);
  alarmsStackTemplate = Template.fromStack(stack.alarms);
  alarmsTemplate = Template.fromJSON(withParametersPassed(alarmsStackTemplate.toJSON(), nestedStackParameters(template, 'CloudWatchAlarms')));
  resources = { ...(template.toJSON().Resources as Resources), ...(routesTemplate.toJSON().Resources as Resources), ...(alarmsTemplate.toJSON().Resources as Resources) };
}, 120_000);

/** What the main stack passes the nested stack `id` for each of its parameters. */
function nestedStackParameters(main: Template, id: string): Record<string, unknown> {
  const nested = Object.entries(main.toJSON().Resources as Resources).filter(([logicalId, resource]) => resource.Type === 'AWS::CloudFormation::Stack' && logicalId.startsWith(`${id}NestedStack`));
  if (nested.length !== 1) throw new Error(`${nested.length} nested stacks ${id}`);
  return (nested[0]?.[1].Properties.Parameters ?? {}) as Record<string, unknown>;
}

/** A nested template with every `{ Ref: <parameter> }` replaced by the value the parent passes for it. */
function withParametersPassed(nested: Record<string, unknown>, passed: Record<string, unknown>): Record<string, unknown> {
  const parameters = Object.keys((nested.Parameters ?? {}) as Record<string, unknown>);
  for (const name of parameters) if (!(name in passed)) throw new Error(`the parent passes nothing for ${name}`);
  return JSON.parse(JSON.stringify(nested), (_key, value: unknown) => {
    const ref = (value as { Ref?: unknown } | null)?.Ref;
    return typeof ref === 'string' && Object.keys(value as object).length === 1 && parameters.includes(ref) ? passed[ref] : value;
  }) as Record<string, unknown>;
}

const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);
const functionLogicalId = (name: string) => {
  const pascal = name.replace(/(^|-)([a-z0-9])/g, (_, __, letter: string) => letter.toUpperCase());
  const found = ofType('AWS::Lambda::Function').find(([id]) => id.startsWith(`${pascal}Function`));
  if (!found) throw new Error(`no function for ${name}`);
  return found[0];
};

describe('LeadflowStack', () => {
  it('has one on-demand table with point-in-time recovery, TTL, the listing index and the keys-only score band index', () => {
    template.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      GlobalSecondaryIndexes: [
        Match.objectLike({ IndexName: 'gsi1', Projection: { ProjectionType: 'ALL' } }),
        Match.objectLike({ IndexName: 'bands', KeySchema: [{ AttributeName: 'bp', KeyType: 'HASH' }, { AttributeName: 'bs', KeyType: 'RANGE' }], Projection: { ProjectionType: 'KEYS_ONLY' } }),
      ],
      Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } })],
    });
  });

  it('keeps the logical ids deployed stacks hold for their stateful resources, so an upgrade replaces none of them', () => {
    const statefulTypes = new Set(['AWS::DynamoDB::GlobalTable', 'AWS::Events::EventBus', 'AWS::Events::Archive', 'AWS::SecretsManager::Secret', 'AWS::Scheduler::ScheduleGroup', 'AWS::SES::ConfigurationSet', 'AWS::KMS::Key', 'AWS::SNS::Topic', 'AWS::ApiGatewayV2::Api']);
    const stateful = Object.entries(resources).filter(([, resource]) => statefulTypes.has(resource.Type)).map(([id]) => id);
    expect(stateful.sort()).toEqual([
      'Alarms04B5A0BF', 'AlarmsKey8B9C40AB', 'ApiF70053CD', 'BusArchiveD76499E2', 'BusEA82B648', 'CampaignSchedulesBAB3C549', 'CollectorApiBDA7D56F',
      'ConfigurationSet3DD38186', 'FormCaptchaD46B8555', 'PrivacySalt4E3455A7', 'SigningKeysA56F0358', 'TableCD117FA1',
    ]);
  });

  it('builds one function per manifest entry on Node.js 22 arm64 with the manifest timeout and memory', () => {
    for (const spec of manifest.functions) {
      const properties = resources[functionLogicalId(spec.name)]?.Properties ?? {};
      expect(properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], Timeout: spec.timeoutSeconds, MemorySize: spec.memoryMb });
    }
  });

  it('gives every consumer its own queue with a DLQ after maxReceiveCount and a visibility timeout of 6x its timeout, and tells the function that count', () => {
    for (const spec of manifest.functions.filter(isEventFunction)) {
      const mapping = ofType('AWS::Lambda::EventSourceMapping').find(([, resource]) => JSON.stringify(resource.Properties.FunctionName).includes(functionLogicalId(spec.name)));
      expect(mapping?.[1].Properties).toMatchObject({ BatchSize: spec.trigger.batchSize, FunctionResponseTypes: ['ReportBatchItemFailures'] });
      const queueId = JSON.stringify(mapping?.[1].Properties.EventSourceArn).match(/"([A-Za-z0-9]+Queue[A-Za-z0-9]*)"/)?.[1] ?? '';
      const queue = resources[queueId]?.Properties ?? {};
      expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * spec.timeoutSeconds);
      expect(queue.RedrivePolicy).toMatchObject({ maxReceiveCount: spec.trigger.maxReceiveCount });
      // A consumer that settles a held claim on a record's last delivery knows which delivery that is.
      const variables = (resources[functionLogicalId(spec.name)]?.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(variables.MAX_RECEIVE_COUNT, spec.name).toBe(String((queue.RedrivePolicy as { maxReceiveCount: number }).maxReceiveCount));
    }
  });

  it('names every queue and DLQ as `leadflow dlq` looks them up, each consumer queue redriving to its own DLQ', () => {
    const byName = new Map(ofType('AWS::SQS::Queue').map(([id, queue]) => [queue.Properties.QueueName, id]));
    const dlqs = deadLetterQueues(manifest, 'Leadflow-');
    expect([...byName.keys()].sort()).toEqual(dlqs.flatMap((dlq) => [dlq.dlqName, ...(dlq.queueName ? [dlq.queueName] : [])]).sort());
    for (const dlq of dlqs.filter((candidate) => candidate.queueName)) {
      const redrive = resources[byName.get(dlq.queueName) ?? '']?.Properties.RedrivePolicy as { deadLetterTargetArn?: unknown } | undefined;
      expect(redrive?.deadLetterTargetArn).toEqual({ 'Fn::GetAtt': [byName.get(dlq.dlqName), 'Arn'] });
    }
  });

  it('encrypts every queue and refuses non-TLS access to it', () => {
    const queues = ofType('AWS::SQS::Queue');
    expect(queues.length).toBeGreaterThan(0);
    for (const [, queue] of queues) expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    const policies = ofType('AWS::SQS::QueuePolicy').map(([, policy]) => JSON.stringify(policy.Properties));
    for (const [id] of queues) {
      expect(policies.some((policy) => policy.includes(id) && policy.includes('"aws:SecureTransport":"false"'))).toBe(true);
    }
  });

  it('alarms on every dead-letter queue, consumer queues redriving to them or rule targets and schedules naming them', () => {
    const nonDlqTargets = new Set(ofType('AWS::SQS::Queue').flatMap(([, queue]) => JSON.stringify(queue.Properties.RedrivePolicy ?? '').match(/"([A-Za-z0-9]+Dlq[A-Za-z0-9]*)"/)?.slice(1) ?? []));
    expect(nonDlqTargets.size).toBe(manifest.functions.filter(isEventFunction).length);
    const dlqs = ofType('AWS::SQS::Queue').filter(([id]) => /Dlq[A-F0-9]{8}$/.test(id));
    expect(dlqs.length).toBe(deadLetterQueues(manifest, 'Leadflow-').length);
    for (const dlq of nonDlqTargets) expect(dlqs.map(([id]) => id)).toContain(dlq);
    for (const [id, dlq] of dlqs) {
      const depthAlarms = ofType('AWS::CloudWatch::Alarm').filter(([, alarm]) => alarm.Properties.MetricName === 'ApproximateNumberOfMessagesVisible' && JSON.stringify(alarm.Properties.Dimensions) === JSON.stringify([{ Name: 'QueueName', Value: dlq.Properties.QueueName }]));
      expect(depthAlarms, id).toHaveLength(1);
      expect(depthAlarms[0]?.[1].Properties, id).toMatchObject({ Namespace: 'AWS/SQS', Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', AlarmActions: [expect.anything()], AlarmDescription: expect.stringContaining('redrive') });
    }
  });

  it('alarms on the p99 of submit-to-score and submit-to-alert, on the metrics score-lead and alert-sales report', () => {
    alarmsTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Leadflow', MetricName: 'ScoreLatency', ExtendedStatistic: 'p99', Dimensions: [{ Name: 'service', Value: 'score-lead' }], Threshold: 60_000, EvaluationPeriods: 3, AlarmActions: Match.anyValue(),
    });
    alarmsTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Leadflow', MetricName: 'MqlAlertLatency', ExtendedStatistic: 'p99', Dimensions: [{ Name: 'service', Value: 'alert-sales' }], Threshold: 120_000, EvaluationPeriods: 3, AlarmActions: Match.anyValue(),
    });
  });

  it("alarms on the SES account's bounce and complaint rates below SES's review levels (5% and 0.1%)", () => {
    alarmsTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/SES', MetricName: 'Reputation.BounceRate', Threshold: 0.04, AlarmActions: Match.anyValue() });
    alarmsTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/SES', MetricName: 'Reputation.ComplaintRate', Threshold: 0.0008, AlarmActions: Match.anyValue() });
  });

  it("alarms on the age of every consumer queue's oldest message, at the manifest's minutes", () => {
    for (const spec of manifest.functions.filter(isEventFunction)) {
      const mapping = ofType('AWS::Lambda::EventSourceMapping').find(([, resource]) => JSON.stringify(resource.Properties.FunctionName).includes(functionLogicalId(spec.name)));
      const queueId = JSON.stringify(mapping?.[1].Properties.EventSourceArn).match(/"([A-Za-z0-9]+Queue[A-Za-z0-9]*)"/)?.[1] ?? 'no queue';
      const queueName = resources[queueId]?.Properties.QueueName ?? 'no queue name';
      const ageAlarms = ofType('AWS::CloudWatch::Alarm').filter(([, alarm]) => alarm.Properties.MetricName === 'ApproximateAgeOfOldestMessage' && JSON.stringify(alarm.Properties.Dimensions) === JSON.stringify([{ Name: 'QueueName', Value: queueName }]));
      expect(ageAlarms, spec.name).toHaveLength(1);
      expect(ageAlarms[0]?.[1].Properties, spec.name).toMatchObject({
        Namespace: 'AWS/SQS',
        Statistic: 'Maximum',
        Threshold: spec.trigger.oldestMessageAlarmMinutes * 60,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: [expect.anything()],
        AlarmDescription: expect.stringContaining(spec.name),
      });
    }
    const ageAlarmCount = ofType('AWS::CloudWatch::Alarm').filter(([, alarm]) => alarm.Properties.MetricName === 'ApproximateAgeOfOldestMessage').length;
    expect(ageAlarmCount).toBe(manifest.functions.filter(isEventFunction).length);
  });

  it("alarms on the HTTP API's 5xx answers", () => {
    const [apiId] = ofType('AWS::ApiGatewayV2::Api')[0] ?? [];
    alarmsTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ApiGateway',
      MetricName: '5xx',
      Dimensions: [{ Name: 'ApiId', Value: { Ref: apiId } }],
      Statistic: 'Sum',
      Threshold: 5,
      AlarmActions: Match.anyValue(),
    });
  });

  it('alarms on the failed or throttled invocations of every function, in one alarm each', () => {
    const metricOf = (alarm: Record<string, unknown>, id: string) =>
      ((alarm.Metrics ?? []) as { Id: string; MetricStat?: { Metric: { MetricName: string; Dimensions: unknown } } }[]).find((metric) => metric.Id === id)?.MetricStat?.Metric;
    for (const spec of manifest.functions) {
      const dimensions = [{ Name: 'FunctionName', Value: { Ref: functionLogicalId(spec.name) } }];
      const own = ofType('AWS::CloudWatch::Alarm').filter(([, alarm]) => JSON.stringify(metricOf(alarm.Properties, 'errors')?.Dimensions) === JSON.stringify(dimensions));
      expect(own, spec.name).toHaveLength(1);
      const alarm = own[0]?.[1].Properties ?? {};
      expect(alarm, spec.name).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', AlarmActions: [expect.anything()] });
      expect(JSON.stringify(alarm.Metrics)).toContain('errors + throttles');
      expect(metricOf(alarm, 'errors')?.MetricName).toBe('Errors');
      expect(metricOf(alarm, 'throttles')).toMatchObject({ MetricName: 'Throttles', Dimensions: dimensions });
    }
  });

  it('sends alarms to a topic under its own rotated KMS key, which CloudWatch alarms may use', () => {
    const [keyId, key] = ofType('AWS::KMS::Key')[0] ?? [];
    expect(key?.Properties.EnableKeyRotation).toBe(true);
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    const statements = (key?.Properties.KeyPolicy as { Statement: { Principal?: { Service?: string }; Action: string | string[] }[] }).Statement;
    const cloudWatch = statements.find((statement) => statement.Principal?.Service === 'cloudwatch.amazonaws.com');
    expect([cloudWatch?.Action].flat().sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
    const [topicId] = ofType('AWS::SNS::Topic')[0] ?? [];
    const alarms = ofType('AWS::CloudWatch::Alarm');
    expect(alarms.length).toBeGreaterThan(manifest.functions.length);
    for (const [id, alarm] of alarms) {
      expect(alarm.Properties.AlarmActions, id).toEqual([{ Ref: topicId }]);
      expect(alarm.Properties.AlarmDescription, id).toEqual(expect.any(String));
    }
  });

  it("keeps every alarm in the alarms' nested stack, whose parameters stay far below CloudFormation's 200", () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    routesTemplate.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    const consumers = manifest.functions.filter(isEventFunction).length;
    // One a function, one a consumer queue, one a DLQ; the two APIs' 5xx, SES's two rates, the pipeline's latencies.
    alarmsStackTemplate.resourceCountIs('AWS::CloudWatch::Alarm', manifest.functions.length + consumers + deadLetterQueues(manifest, 'Leadflow-').length + 2 + 2 + Object.keys(LATENCY_ALARMS).length);
    const nested = alarmsStackTemplate.toJSON();
    expect(Object.keys(nested.Resources as Resources).length).toBe(Object.keys(alarmsStackTemplate.findResources('AWS::CloudWatch::Alarm')).length);
    // A parameter a function (its name), the APIs' two and the topic's: the queues are named, not referred to.
    const parameters = Object.keys(nested.Parameters as Record<string, unknown>).filter((name) => name.startsWith('referenceto'));
    expect(parameters.length).toBe(manifest.functions.length + 3);
    expect(Object.keys(nested.Parameters as Record<string, unknown>).length).toBeLessThan(200);
  });

  it("holds fewer than CloudFormation's 500 resources in the main stack, leaving room for the edge option's", () => {
    // The edge option adds nine resources (edge.test.ts counts the stack with it).
    expect(Object.keys(template.toJSON().Resources as Resources).length).toBeLessThanOrEqual(500 - 9);
  });

  it('routes bus events to queues with a DLQ and a retry policy on every rule target', () => {
    const rules = ofType('AWS::Events::Rule');
    expect(rules.length).toBeGreaterThanOrEqual(manifest.functions.filter(isEventFunction).length);
    for (const [, rule] of rules) {
      for (const target of rule.Properties.Targets as Record<string, unknown>[]) {
        expect(target.DeadLetterConfig).toBeDefined();
      }
    }
    for (const spec of manifest.functions.filter(isEventFunction)) {
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: { source: spec.trigger.pattern.source, 'detail-type': spec.trigger.pattern['detail-type'] },
        Targets: [Match.objectLike({ RetryPolicy: Match.objectLike({ MaximumRetryAttempts: Match.anyValue() }) })],
      });
    }
  });

  it("puts the collector also on an API without API-level CORS, whose preflights reach the function, throttled and alarmed like the other", () => {
    const apis = ofType('AWS::ApiGatewayV2::Api');
    const collector = apis.find(([id]) => id.startsWith('CollectorApi'));
    expect(collector?.[1].Properties.CorsConfiguration).toBeUndefined();
    // The routes stack names the API by a parameter that carries its construct path: `referencetoLeadflowCollectorApi…`.
    const collectorRoutes = ofType('AWS::ApiGatewayV2::Route').filter(([, route]) => JSON.stringify(route.Properties.ApiId).includes('LeadflowCollectorApi'));
    const keys = collectorRoutes.map(([, route]) => String(route.Properties.RouteKey));
    expect(keys.sort()).toEqual(['GET /v1/projects/{writeKey}/settings', 'OPTIONS /v1/projects/{writeKey}/settings', 'OPTIONS /v1/{call}', 'POST /v1/{call}']);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', { ApiId: { Ref: collector?.[0] }, DefaultRouteSettings: { ThrottlingRateLimit: manifest.http.throttleRatePerSecond, ThrottlingBurstLimit: manifest.http.throttleBurst } });
    alarmsTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: '5xx', Dimensions: [{ Name: 'ApiId', Value: { Ref: collector?.[0] } }] });
  });

  it('exposes each manifest route; admin routes require IAM, public ones are throttled at the stage', () => {
    for (const spec of manifest.functions.filter(isHttpFunction)) {
      for (const route of spec.trigger.routes) {
        routesTemplate.hasResourceProperties('AWS::ApiGatewayV2::Route', {
          RouteKey: routeKey(route),
          AuthorizationType: spec.trigger.audience === 'admin' ? 'AWS_IAM' : 'NONE',
        });
      }
    }
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: manifest.http.throttleRatePerSecond, ThrottlingBurstLimit: manifest.http.throttleBurst },
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
  });

  it('serves the template routes from manage-templates behind IAM, with room for a 256 KB template', () => {
    const templateRoutes = ofType('AWS::ApiGatewayV2::Route').filter(([, route]) => String(route.Properties.RouteKey).includes('/v1/admin/templates'));
    expect(templateRoutes.map(([, route]) => route.Properties.RouteKey).sort()).toEqual([
      'GET /v1/admin/templates',
      'GET /v1/admin/templates/{templateId}',
      'GET /v1/admin/templates/{templateId}/versions/{version}',
      'POST /v1/admin/templates',
      'POST /v1/admin/templates/{templateId}/preview',
      'POST /v1/admin/templates/{templateId}/test',
      'PUT /v1/admin/templates/{templateId}',
    ]);
    for (const [, route] of templateRoutes) expect(route.Properties.AuthorizationType).toBe('AWS_IAM');
    const variables = (resources[functionLogicalId('manage-templates')]?.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    // A test send goes on the bus for send-campaign.
    expect(variables).toMatchObject({ MAX_BODY_BYTES: String(256 * 1024), TABLE_NAME: expect.anything(), EVENT_BUS_NAME: expect.anything() });
  });

  it('lets an import of 100 purchases through: record-purchases has a 64 KB body limit behind an IAM-only route, and announces orders on the bus', () => {
    const variables = (resources[functionLogicalId('record-purchases')]?.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(variables.MAX_BODY_BYTES).toBe(String(64 * 1024));
    expect(variables.EVENT_BUS_NAME).toBeDefined();
    routesTemplate.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /v1/admin/purchases', AuthorizationType: 'AWS_IAM' });
  });

  it('gives record-lifecycle its own rule and queue on lead.qualified, beside alert-sales', () => {
    const onQualified = ofType('AWS::Events::Rule').filter(([, rule]) => JSON.stringify(rule.Properties.EventPattern).includes('"lead.qualified"'));
    const queues = onQualified.flatMap(([, rule]) => (rule.Properties.Targets as { Arn: unknown }[]).map((target) => JSON.stringify(target.Arn)));
    expect(onQualified.length).toBeGreaterThanOrEqual(2);
    expect(new Set(queues).size).toBe(queues.length);
    const variables = (resources[functionLogicalId('record-lifecycle')]?.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(variables).toMatchObject({ TABLE_NAME: expect.anything(), EVENT_BUS_NAME: expect.anything() });
  });

  it('takes 100 CRM updates behind IAM: sales-feedback has a 64 KB body limit; the report function only reads', () => {
    const feedback = (resources[functionLogicalId('sales-feedback')]?.Properties.Environment as { Variables: Record<string, string> }).Variables;
    expect(feedback.MAX_BODY_BYTES).toBe(String(64 * 1024));
    routesTemplate.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /v1/admin/crm/updates', AuthorizationType: 'AWS_IAM' });
    routesTemplate.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'GET /v1/admin/reports/handoff', AuthorizationType: 'AWS_IAM' });
    const reports = (resources[functionLogicalId('handoff-reports')]?.Properties.Environment as { Variables: Record<string, string> }).Variables;
    expect(reports.EVENT_BUS_NAME).toBeUndefined();
  });

  it('grants each function only what its access list names (table grants: least-privilege.test.ts)', () => {
    const policies = ofType('AWS::IAM::Policy');
    const actionsOf = (name: string) => {
      const policy = policies.find(([, resource]) => JSON.stringify(resource.Properties.Roles).includes(functionLogicalId(name).replace(/Function[A-Z0-9].*$/, 'Function')));
      return JSON.stringify(policy?.[1].Properties.PolicyDocument ?? {});
    };
    // users:manage is granted by the console stack, which owns the user pool (console.test.ts).
    const implies: Record<Exclude<Access, 'links:public' | 'users:manage'>, RegExp> = {
      'bus:put': /events:PutEvents/,
      'ses:send': /ses:SendEmail/,
      'secret:signing-keys': /SigningKeys/,
      'secret:privacy-salt': /PrivacySalt/,
      'secret:form-captcha': /FormCaptcha/,
      'scheduler:manage': /scheduler:CreateSchedule/,
    };
    for (const spec of manifest.functions) {
      const actions = actionsOf(spec.name);
      for (const [access, pattern] of Object.entries(implies) as [Exclude<Access, 'links:public' | 'users:manage'>, RegExp][]) {
        expect(pattern.test(actions), `${spec.name} ${access}`).toBe(spec.access.includes(access));
      }
    }
  });

  it('delivers webhooks from its own queue, fed by a rule on every webhook event type and journey webhook steps, retried 8 times before its alarmed DLQ', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      Description: 'Routes to deliver-webhooks',
      EventPattern: { source: ['leadflow'], 'detail-type': [...DELIVERED_WEBHOOK_TYPES] },
    });
    const mapping = ofType('AWS::Lambda::EventSourceMapping').find(([, resource]) => JSON.stringify(resource.Properties.FunctionName).includes(functionLogicalId('deliver-webhooks')));
    const queueId = JSON.stringify(mapping?.[1].Properties.EventSourceArn).match(/"([A-Za-z0-9]+Queue[A-Za-z0-9]*)"/)?.[1] ?? '';
    const redrive = resources[queueId]?.Properties.RedrivePolicy as { maxReceiveCount: number; deadLetterTargetArn: unknown };
    expect(redrive.maxReceiveCount).toBe(8);
    const dlqId = JSON.stringify(redrive.deadLetterTargetArn).match(/"(DeliverWebhooksDlq[A-Za-z0-9]*)"/)?.[1] ?? '';
    const dlqName = resources[dlqId]?.Properties.QueueName;
    const alarms = ofType('AWS::CloudWatch::Alarm').filter(([, alarm]) => JSON.stringify(alarm.Properties.Dimensions ?? []) === JSON.stringify([{ Name: 'QueueName', Value: dlqName }]));
    expect(dlqId).not.toBe('');
    expect(alarms.length).toBeGreaterThan(0);
    // The handler postpones a failed delivery itself (exponential backoff): it may look up its queue and change visibility.
    const policy = JSON.stringify(ofType('AWS::IAM::Policy').find(([, resource]) => JSON.stringify(resource.Properties.Roles).includes(functionLogicalId('deliver-webhooks').replace(/Function[A-Z0-9].*$/, 'Function')))?.[1].Properties.PolicyDocument ?? {});
    expect(policy).toContain('sqs:ChangeMessageVisibility');
    expect(policy).toContain('sqs:GetQueueUrl');
    // alert-sales publishes lead.assigned.
    const variables = (resources[functionLogicalId('alert-sales')]?.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(variables.EVENT_BUS_NAME).toBeDefined();
    expect(variables.WEBHOOKS_ALLOW_LOOPBACK).toBeUndefined();
  });

  it('keeps every log group for a bounded time', () => {
    for (const [, logGroup] of ofType('AWS::Logs::LogGroup')) expect(logGroup.Properties.RetentionInDays).toBeGreaterThan(0);
  });

  it('sends SES configuration-set events to EventBridge and forwards them to the leadflow bus', () => {
    template.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      EventDestination: Match.objectLike({
        Enabled: true,
        MatchingEventTypes: Match.arrayWith(['open', 'click', 'bounce', 'complaint']),
        EventBridgeDestination: Match.anyValue(),
      }),
    });
    template.hasResourceProperties('AWS::Events::Rule', { EventPattern: Match.objectLike({ source: ['aws.ses'] }) });
  });
});

describe('scheduled campaigns', () => {
  const policyOf = (name: string) =>
    JSON.stringify(ofType('AWS::IAM::Policy').find(([, resource]) => JSON.stringify(resource.Properties.Roles).includes(functionLogicalId(name).replace(/Function[A-Z0-9].*$/, 'Function')))?.[1].Properties.PolicyDocument ?? {});
  const groupName = () => String(ofType('AWS::Scheduler::ScheduleGroup')[0]?.[1].Properties.Name ?? 'no schedule group');
  const schedulerRole = () => {
    const [id, role] = ofType('AWS::IAM::Role').find(([candidate]) => candidate.startsWith('CampaignSchedulerRole')) ?? [];
    if (!id || !role) throw new Error('no scheduler role');
    return { roleId: id, role };
  };

  it('has one schedule group for campaigns and a role only EventBridge Scheduler of this account may assume', () => {
    template.resourceCountIs('AWS::Scheduler::ScheduleGroup', 1);
    expect(schedulerRole().role.Properties.AssumeRolePolicyDocument).toMatchObject({
      Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'scheduler.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } }],
    });
  });

  it("lets the role put events on the leadflow bus and reach the schedules' DLQ, which has a depth alarm", () => {
    const { roleId } = schedulerRole();
    const rolePolicy = JSON.stringify(ofType('AWS::IAM::Policy').find(([, resource]) => JSON.stringify(resource.Properties.Roles).includes(roleId))?.[1].Properties.PolicyDocument ?? {});
    expect(rolePolicy).toMatch(/"Action":"events:PutEvents","Effect":"Allow","Resource":\{"Fn::GetAtt":\["Bus[A-Z0-9]+","Arn"\]\}/);
    expect(rolePolicy).toContain('sqs:SendMessage');
    expect(rolePolicy).toContain('CampaignScheduleDlq');
    const [, dlq] = ofType('AWS::SQS::Queue').find(([id]) => id.startsWith('CampaignScheduleDlq')) ?? [];
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties);
    expect(alarms.some((alarm) => alarm.MetricName === 'ApproximateNumberOfMessagesVisible' && JSON.stringify(alarm.Dimensions) === JSON.stringify([{ Name: 'QueueName', Value: dlq?.Properties.QueueName }]))).toBe(true);
  });

  it('lets the functions that start or cancel timers (campaigns, quiet-hours deferrals, MQL follow-up, recurring surveys, erasure sweeps) manage schedules, and no other', () => {
    expect(manifest.functions.filter((spec) => spec.access.includes('scheduler:manage')).map((spec) => spec.name).sort()).toEqual(['control-campaigns', 'lead-data-rights', 'schedule-care-timers', 'schedule-follow-ups', 'send-campaign', 'send-surveys']);
  });

  it.each(['control-campaigns', 'send-campaign', 'schedule-follow-ups', 'schedule-care-timers', 'send-surveys', 'lead-data-rights'])("gives %s the schedule actions on that group's schedules only, and PassRole on that role only, to the Scheduler", (functionName) => {
    const { roleId } = schedulerRole();
    const statements = (JSON.parse(policyOf(functionName)) as { Statement: { Action: string | string[]; Resource: unknown; Condition?: unknown }[] }).Statement;
    const scheduling = statements.find((statement) => [statement.Action].flat().includes('scheduler:CreateSchedule'));
    expect([scheduling?.Action].flat().sort()).toEqual(['scheduler:CreateSchedule', 'scheduler:DeleteSchedule', 'scheduler:GetSchedule', 'scheduler:UpdateSchedule']);
    const resource = JSON.stringify(scheduling?.Resource);
    expect(resource).toContain(':schedule/');
    expect(resource).toContain(`:schedule/${groupName()}/*"`);
    const passRole = statements.find((statement) => statement.Action === 'iam:PassRole');
    expect(passRole).toMatchObject({ Resource: { 'Fn::GetAtt': [roleId, 'Arn'] }, Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } } });
    for (const spec of manifest.functions.filter((candidate) => !candidate.access.includes('scheduler:manage'))) {
      expect(policyOf(spec.name), spec.name).not.toMatch(/iam:PassRole|scheduler:/);
    }
  });

  it.each(['control-campaigns', 'send-campaign', 'schedule-follow-ups'])('passes the group, the role, the bus ARN and the DLQ to %s through its environment', (functionName) => {
    const variables = JSON.stringify(resources[functionLogicalId(functionName)]?.Properties.Environment);
    for (const name of ['SCHEDULE_GROUP_NAME', 'SCHEDULER_ROLE_ARN', 'EVENT_BUS_ARN', 'SCHEDULE_DLQ_ARN']) expect(variables).toContain(name);
    expect(variables).toContain(schedulerRole().roleId);
  });
});

describe('deploy events (the care timer backfill)', () => {
  type Deployed = { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] };
  const deployResources = () => Object.entries(template.toJSON().Resources as Record<string, Deployed>).filter(([, resource]) => resource.Type === 'Custom::LeadflowDeployEvent');
  const [backfill] = deployEvents;

  it("sends the backfill request to schedule-care-timers' queue on create and on update, once the function and its rule exist", () => {
    const events = deployResources();
    expect(events).toHaveLength(1);
    const [, resource] = events[0] ?? [];
    const queueId = Object.keys(resources).find((id) => id.startsWith('ScheduleCareTimersQueue') && resources[id]?.Type === 'AWS::SQS::Queue');
    for (const call of [resource?.Properties.Create, resource?.Properties.Update]) {
      const text = JSON.stringify(call);
      expect(text).toContain('\\"action\\":\\"sendMessage\\"');
      expect(text).toContain('care.timers-backfill-requested');
      expect(text).toContain(`{"Ref":"${queueId}"}`);
      // A new fingerprint changes the call, so CloudFormation runs it again; the same one leaves it alone.
      expect(text).toContain(backfill?.fingerprint);
    }
    const dependsOn = resource?.DependsOn ?? [];
    expect(dependsOn.some((id) => id.startsWith('ScheduleCareTimersRule'))).toBe(true);
    expect(dependsOn.some((id) => id.startsWith('ScheduleCareTimersFunction') && resources[id]?.Type === 'AWS::Lambda::Function')).toBe(true);
    expect(dependsOn.some((id) => resources[id]?.Type === 'AWS::Lambda::EventSourceMapping')).toBe(true);
  });

  it('lets the custom resource send to that one queue and do nothing else', () => {
    const [eventId] = deployResources()[0] ?? [];
    const queueId = Object.keys(resources).find((id) => id.startsWith('ScheduleCareTimersQueue') && resources[id]?.Type === 'AWS::SQS::Queue');
    const policies = ofType('AWS::IAM::Policy').filter(([id]) => id.startsWith(`${eventId?.replace(/[A-F0-9]{8}$/, '')}CustomResourcePolicy`));
    expect(policies).toHaveLength(1);
    expect(policies[0]?.[1].Properties.PolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [{ Action: 'sqs:SendMessage', Effect: 'Allow', Resource: { 'Fn::GetAtt': [queueId, 'Arn'] } }],
    });
  });
});

describe('cdk-nag AwsSolutions checks', () => {
  it('pass with every finding fixed or acknowledged with a reason', () => {
    expect(() => buildApp(templateApp()).app.synth()).not.toThrow();
  }, 120_000);

  it('have no acknowledgement that matches no finding at or below the construct it is on', () => {
    const { app } = defaultTemplateApp();
    // validateScope reports every finding, acknowledged or not: each acknowledgement must cover one.
    const findings = new AwsSolutionsChecks().validateScope(app).violations;
    const unused: string[] = [];
    const visit = (construct: IConstruct) => {
      for (const entry of construct.node.metadata.filter((metadata) => metadata.type === 'aws:cdk:acknowledged-rules')) {
        for (const id of Object.keys(entry.data as Record<string, string>)) {
          const rule = id.replace(/^AwsSolutions::/, '');
          const path = construct.node.path;
          const covers = findings.some((finding) => finding.ruleName === rule && finding.violatingResources.some((resource) => resource.constructPath === path || (resource.constructPath ?? '').startsWith(`${path}/`)));
          if (!covers) unused.push(`${path}: ${rule}`);
        }
      }
      construct.node.children.forEach(visit);
    };
    visit(app);
    expect(unused).toEqual([]);
  }, 120_000);

  it('fail synthesis on an unacknowledged finding', () => {
    const { app, stack } = buildApp(templateApp());
    new Queue(stack, 'QueueWithoutDlqOrTls');
    expect(() => app.synth()).toThrow();
  }, 120_000);
});
