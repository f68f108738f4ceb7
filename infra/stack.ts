import { CfnOutput, type NestedStack, Stack, type StackProps } from 'aws-cdk-lib';
import type { IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import type { EventBus } from 'aws-cdk-lib/aws-events';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { deployEvents } from '../manifest/deploy-events';
import { environmentFor, type DeploymentSettings } from '../manifest/environment';
import { isEventFunction, isHttpFunction, isScheduleFunction, type FunctionSpec, type Manifest } from '../manifest/types';
import { constructIdOf } from './construct-ids';
import { addDeployEvents } from './deploy-events';
import { PublicEdge, type PublicEdgeProps } from './edge';
import { LeadflowBus } from './event-bus';
import { EventConsumers } from './event-consumers';
import { LeadflowHttpApi } from './http-api';
import { LeadflowFunction } from './leadflow-function';
import { Mail } from './mail';
import { Monitoring } from './monitoring';
import { Scheduling } from './scheduling';
import { Secrets } from './secrets';
import { LeadflowTable } from './table';

export interface LeadflowStackProps extends StackProps {
  readonly manifest: Manifest;
  readonly settings: Omit<
    DeploymentSettings,
    'tableName' | 'busName' | 'configurationSetName' | 'userPoolSecret' | 'signingKeysSecret' | 'privacySaltSecret' | 'formCaptchaSecret' | 'publicBaseUrl' | 'scheduleGroupName' | 'schedulerRoleArn' | 'busArn' | 'scheduleDlqArn'
  > & {
    /** A custom domain for links in email; the API's own URL when absent. */
    readonly publicBaseUrl?: string;
  };
  /** The edge option: CloudFront with this WebACL in front of the public routes. */
  readonly edge?: Omit<PublicEdgeProps, 'api'>;
}

/** What a function's manifest access list can be granted on. */
interface Grantors {
  readonly table: LeadflowTable;
  readonly bus: EventBus;
  readonly secrets: Secrets;
  readonly scheduling: Scheduling;
  readonly mail: Mail;
  readonly senderAddress: string;
}

/**
 * leadflow in AWS, built entirely from the manifest: every function, its trigger, its queue and DLQ,
 * its alarms and exactly the grants its access list names. The routes and the alarms are in nested
 * stacks (`Routes`, `CloudWatchAlarms`), which keeps this one under CloudFormation's 500 resources.
 *
 * Each concern (monitoring, table, bus, mail, secrets, scheduling, HTTP API, event consumers) is a
 * class of its own that adds its resources to this stack directly rather than as a child construct: a
 * child's id would enter the logical id of everything under it, and the ids CDK derives from construct
 * paths (an SQS event source mapping's, a DLQ policy's statement ids), so an upgrade would replace the
 * table, the secrets and the queues of a deployed stack.
 */
export class LeadflowStack extends Stack {
  /** Every function by manifest name, for the console stack's API. */
  readonly functions = new Map<string, IFunction>();
  readonly alarmAction: IAlarmAction;
  /**
   * The secret in which the console stack names its user pool for the functions with `users:manage`:
   * a name agreed in advance, because an environment variable naming the pool would make this stack
   * depend on the console's, which depends on this one.
   */
  readonly userPoolSecretName: string;
  /** The nested stack of the HTTP routes, their integrations and invoke permissions. */
  readonly routes: NestedStack;
  /** The nested stack of the alarms: every function's, consumer queue's, DLQ's and API's, SES's and the latencies'. */
  readonly alarms: NestedStack;

  constructor(scope: Construct, id: string, props: LeadflowStackProps) {
    super(scope, id, props);
    const { manifest } = props;
    // Queues are named after the stack and the function, so `leadflow dlq` finds them by name.
    const queuePrefix = `${this.stackName}-`;

    const { alarmAction, alarms } = new Monitoring(this);
    this.alarmAction = alarmAction;
    this.alarms = alarms.stack;
    const table = new LeadflowTable(this);
    const { bus } = new LeadflowBus(this, manifest.service);
    const mail = new Mail(this, { bus, alarms, queuePrefix });
    const secrets = new Secrets(this);
    const scheduling = new Scheduling(this, { bus, alarms, queuePrefix });
    const httpApi = new LeadflowHttpApi(this, { settings: manifest.http, allowedOrigins: props.settings.allowedOrigins, alarms });
    const { api } = httpApi;
    this.routes = httpApi.routes;
    const edge = props.edge ? new PublicEdge(this, 'Edge', { ...props.edge, api }) : undefined;
    const consumers = new EventConsumers(this, { bus, alarms, queuePrefix });

    this.userPoolSecretName = `${this.stackName}-console-user-pool`;
    const settings: DeploymentSettings = {
      ...props.settings,
      userPoolSecret: this.userPoolSecretName,
      signingKeysSecret: secrets.signingKeys.secretArn,
      privacySaltSecret: secrets.privacySalt.secretArn,
      formCaptchaSecret: secrets.formCaptcha.secretArn,
      tableName: table.table.tableName,
      busName: bus.eventBusName,
      configurationSetName: mail.configurationSetName,
      publicBaseUrl: props.settings.publicBaseUrl ?? edge?.url ?? api.apiEndpoint,
      ...(edge ? { edgeOriginSecret: edge.originSecret } : {}),
      scheduleGroupName: scheduling.scheduleGroup.scheduleGroupName,
      schedulerRoleArn: scheduling.schedulerRole.roleArn,
      busArn: bus.eventBusArn,
      scheduleDlqArn: scheduling.scheduleDlq.queueArn,
    };

    for (const spec of manifest.functions) {
      if (isHttpFunction(spec) && spec.access.includes('links:public')) {
        // Its environment would name the API that integrates it: a dependency cycle in CloudFormation.
        throw new Error(`${spec.name}: an HTTP function cannot have links:public; build links in an event consumer`);
      }
      const { fn } = new LeadflowFunction(this, constructIdOf(spec.name), {
        spec,
        environment: environmentFor(spec, manifest, settings),
        alarms,
      });
      this.functions.set(spec.name, fn);
      grant(spec, fn, { table, bus, secrets, scheduling, mail, senderAddress: settings.senderAddress });
      if (isHttpFunction(spec)) httpApi.addRoutes(spec, fn);
      if (isEventFunction(spec)) consumers.add(spec, fn);
      if (isScheduleFunction(spec)) scheduling.invokeOnSchedule(spec, fn);
    }

    addDeployEvents(this, deployEvents, consumers.targets);

    new CfnOutput(this, 'ApiUrl', { value: api.apiEndpoint });
    // analytics.js's cdnURL: the collector's API, whose preflights the collector answers per source.
    if (httpApi.collectorApi) new CfnOutput(this, 'CollectorUrl', { value: httpApi.collectorApi.apiEndpoint });
    new CfnOutput(this, 'TableName', { value: table.table.tableName });
    new CfnOutput(this, 'BusName', { value: bus.eventBusName });
  }
}

/** Exactly the permissions the manifest names, on this stack's resources only. */
function grant(spec: FunctionSpec, fn: LeadflowFunction['fn'], grantors: Grantors): void {
  grantors.table.grant(fn, spec.table);
  for (const access of spec.access) {
    switch (access) {
      case 'bus:put':
        grantors.bus.grantPutEventsTo(fn);
        break;
      case 'secret:signing-keys':
        grantors.secrets.signingKeys.grantRead(fn);
        break;
      case 'secret:privacy-salt':
        grantors.secrets.privacySalt.grantRead(fn);
        break;
      case 'secret:form-captcha':
        grantors.secrets.formCaptcha.grantRead(fn);
        break;
      case 'scheduler:manage':
        grantors.scheduling.grantManageSchedules(fn);
        break;
      case 'ses:send':
        grantors.mail.grantSend(fn, grantors.senderAddress);
        break;
    }
  }
}
