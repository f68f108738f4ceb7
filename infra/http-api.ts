import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { CorsHttpMethod, HttpApi, HttpMethod, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Alarm, ComparisonOperator, TreatMissingData, type IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { HttpApiSettings, HttpFunctionSpec } from '../manifest/types';
import { constructIdOf } from './construct-ids';

export interface LeadflowHttpApiProps {
  readonly settings: HttpApiSettings;
  /** Origins whose pages may call the API from a browser. */
  readonly allowedOrigins: readonly string[];
  readonly alarmAction: IAlarmAction;
}

/**
 * The HTTP API in front of every HTTP function: CORS for the allowed origins, the manifest's
 * throttling, access logs, an alarm on 5xx answers, and IAM authorisation on the admin routes.
 */
export class LeadflowHttpApi {
  readonly api: HttpApi;
  private readonly iamAuthorizer = new HttpIamAuthorizer();

  constructor(scope: Construct, props: LeadflowHttpApiProps) {
    const accessLogs = new LogGroup(scope, 'ApiAccessLogs', { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
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
    new HttpStage(scope, 'DefaultStage', {
      httpApi: this.api,
      autoDeploy: true,
      throttle: { rateLimit: props.settings.throttleRatePerSecond, burstLimit: props.settings.throttleBurst },
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs) },
    });
    // Bad input must get a 4xx (invariant 6): a 5xx is a fault or an outage of what a route writes to.
    new Alarm(scope, 'Api5xx', {
      alarmDescription: 'The HTTP API answered 5xx at least 5 times in 5 minutes: look at the Errors alarms and logs of the functions behind the routes (503s say the bus or the table refused a write that clients will retry).',
      metric: this.api.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 5,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(props.alarmAction);
  }

  /** The function's manifest routes: IAM-signed requests only on admin routes, open on public ones. */
  addRoutes(spec: HttpFunctionSpec, fn: IFunction): void {
    const integration = new HttpLambdaIntegration(`${constructIdOf(spec.name)}Integration`, fn);
    const routes = spec.trigger.routes.flatMap((route) =>
      this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration,
        ...(spec.trigger.audience === 'admin' ? { authorizer: this.iamAuthorizer } : {}),
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
}
