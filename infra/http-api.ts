import { Duration, NestedStack, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { CorsHttpMethod, HttpApi, HttpMethod, HttpRoute, HttpRouteKey, HttpStage, LogGroupLogDestination, type HttpRouteIntegration } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { HttpApiSettings, HttpFunctionSpec } from '../manifest/types';
import type { LeadflowAlarms } from './alarms';
import { constructIdOf } from './construct-ids';

export interface LeadflowHttpApiProps {
  readonly settings: HttpApiSettings;
  /** Origins whose pages may call the API from a browser. */
  readonly allowedOrigins: readonly string[];
  readonly alarms: LeadflowAlarms;
}

/**
 * The HTTP API in front of every HTTP function: CORS for the allowed origins, the manifest's
 * throttling, access logs, an alarm on 5xx answers, and IAM authorisation on the admin routes.
 * Functions answering CORS themselves (`cors: 'by-function'`, the collector called from every
 * customer's site) are also on an API of their own without API-level CORS, whose preflights reach the
 * function: API Gateway would otherwise answer them and replace the function's CORS headers.
 *
 * The routes, their integrations and the invoke permissions live in a nested stack, `Routes`: a
 * CloudFormation stack holds at most 500 resources, and a hundred routes of forty functions would
 * take a third of them beside the functions, queues and alarms.
 */
export class LeadflowHttpApi {
  readonly api: HttpApi;
  /** The API of the functions answering CORS themselves, made with the first of them. */
  collectorApi: HttpApi | undefined;
  private readonly iamAuthorizer = new HttpIamAuthorizer();
  /** The nested stack holding every route, integration and invoke permission. */
  readonly routes: NestedStack;

  constructor(
    private readonly scope: Construct,
    private readonly props: LeadflowHttpApiProps,
  ) {
    this.api = new HttpApi(scope, 'Api', {
      description: 'leadflow public and admin API',
      createDefaultStage: false,
      corsPreflight: {
        allowOrigins: [...props.allowedOrigins],
        allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST],
        allowHeaders: ['content-type', 'idempotency-key'],
        maxAge: Duration.hours(1),
      },
    });
    this.stageAndAlarm(this.api, '');
    this.routes = new NestedStack(scope, 'Routes', { description: 'leadflow HTTP routes, their Lambda integrations and invoke permissions' });
  }

  /** The default stage with the manifest's throttling and access logs, and an alarm on 5xx answers. */
  private stageAndAlarm(api: HttpApi, prefix: string): void {
    const { scope, props } = this;
    const accessLogs = new LogGroup(scope, `${prefix}ApiAccessLogs`, { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    new HttpStage(scope, `${prefix}DefaultStage`, {
      httpApi: api,
      autoDeploy: true,
      throttle: { rateLimit: props.settings.throttleRatePerSecond, burstLimit: props.settings.throttleBurst },
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs) },
    });
    // Bad input must get a 4xx (invariant 6): a 5xx is a fault or an outage of what a route writes to.
    props.alarms.add(`${prefix}Api5xx`, {
      alarmDescription: 'The HTTP API answered 5xx at least 5 times in 5 minutes: look at the Errors alarms and logs of the functions behind the routes (503s say the bus or the table refused a write that clients will retry).',
      metric: api.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 5,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }

  /** The function's manifest routes: IAM-signed requests only on admin routes, open on public ones. */
  addRoutes(spec: HttpFunctionSpec, fn: IFunction): void {
    // One invoke permission per function and API, not one per route: the routes of 36 functions would
    // otherwise take 80 of the 500 resources a CloudFormation stack may hold. Only this function's own
    // routes integrate with it, so the API still reaches it through them alone.
    const integration = new HttpLambdaIntegration(`${constructIdOf(spec.name)}Integration`, fn, { scopePermissionToRoute: false });
    const routes = spec.trigger.routes.map((route) =>
      this.route(this.api, route.path, HttpMethod[route.method], integration, spec.trigger.audience === 'admin'),
    );
    if (spec.trigger.cors === 'by-function') {
      const collectorApi = this.collectorApi ?? this.newCollectorApi();
      const own = new HttpLambdaIntegration(`${constructIdOf(spec.name)}OwnApiIntegration`, fn, { scopePermissionToRoute: false });
      for (const path of new Set(spec.trigger.routes.map((route) => route.path))) {
        const methods = [...new Set(spec.trigger.routes.filter((route) => route.path === path).map((route) => HttpMethod[route.method])), HttpMethod.OPTIONS];
        routes.push(...methods.map((method) => this.route(collectorApi, path, method, own, false)));
      }
    }
    if (spec.trigger.audience === 'public') {
      routes.forEach((publicRoute) =>
        Validations.of(publicRoute).acknowledge({
          id: 'AwsSolutions::AwsSolutions-APIG4',
          reason: 'Public capture routes are called by website forms and the tracking snippet without credentials; throttling, reserved concurrency and strict validation protect them.',
        }),
      );
    }
  }

  /** One route in the nested stack, named as `HttpApi.addRoutes` names them, under its API's id. */
  private route(api: HttpApi, path: string, method: HttpMethod, integration: HttpRouteIntegration, iam: boolean): HttpRoute {
    return new HttpRoute(this.routes, `${api.node.id}${method}${path}`, {
      httpApi: api,
      routeKey: HttpRouteKey.with(path, method),
      integration,
      ...(iam ? { authorizer: this.iamAuthorizer } : {}),
    });
  }

  private newCollectorApi(): HttpApi {
    this.collectorApi = new HttpApi(this.scope, 'CollectorApi', {
      description: 'leadflow collector: tracking calls from customer sites, CORS answered by the function per source',
      createDefaultStage: false,
    });
    this.stageAndAlarm(this.collectorApi, 'Collector');
    return this.collectorApi;
  }
}
